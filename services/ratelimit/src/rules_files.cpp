// Rule files from disk (see rules_files.hpp).
#include "rules_files.hpp"

#include "bw/config/files.hpp"

namespace bw::ratelimit {

Result<RuleSet> load_rule_files(const std::vector<std::string>& paths) {
  std::vector<RuleFile> files;
  for (const auto& path : paths) {
    auto text = config::read_file(path, kMaxFileBytes);
    if (!text) return Error{text.error().code, "ratelimit.rules_files: " + text.error().message};
    files.push_back(RuleFile{path, std::move(text.value())});
  }
  return load_rules(files);
}

}  // namespace bw::ratelimit
