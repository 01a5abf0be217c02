// Splitting and parsing of YAML streams for the rule loader. Guarantees: terminates on
// every input (one bounded pass to split, then two parser calls per document), converts
// every yaml-cpp exception into an Error naming the file line, and refuses content that
// yaml-cpp would otherwise drop after a document's first node.
#include "rules_yaml.hpp"

#include <algorithm>
#include <sstream>
#include <string>

#include <yaml-cpp/eventhandler.h>

#include "rules.hpp"

namespace bw::ratelimit {
namespace {

struct Chunk {
  std::string_view text;
  int first_line = 0;
};

bool is_marker(std::string_view line, std::string_view marker) {
  return line.substr(0, 3) == marker &&
         (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
}

// Cuts at column-0 "---" (starts a document) and "..." (ends one) lines, which YAML
// forbids inside any scalar, so each chunk holds at most one document.
std::vector<Chunk> split_documents(std::string_view text) {
  std::vector<Chunk> out{{text.substr(0, 0), 0}};
  std::size_t start = 0, pos = 0;
  for (int line = 0; pos < text.size(); ++line) {
    const std::size_t eol = std::min(text.find('\n', pos), text.size());
    const std::string_view content = text.substr(pos, eol - pos);
    const std::size_t next = eol < text.size() ? eol + 1 : eol;
    if (is_marker(content, "---")) {
      out.back().text = text.substr(start, pos - start);
      out.push_back({text.substr(pos), line});
      start = pos;
    } else if (is_marker(content, "...")) {
      out.back().text = text.substr(start, next - start);
      out.push_back({text.substr(next), line + 1});
      start = next;
    }
    pos = next;
  }
  out.back().text = text.substr(start);
  return out;
}

// Discards parser events: used only to learn whether a second document follows.
class IgnoreEvents : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// True if the parser finds anything after the chunk's first document.
bool has_trailing_content(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  IgnoreEvents ignore;
  parser.HandleNextDocument(ignore);
  return parser.HandleNextDocument(ignore);
}

}  // namespace

std::string yaml_where(std::string_view file, const YAML::Mark& mark, int first_line) {
  const std::string line = mark.line >= 0 ? std::to_string(first_line + mark.line + 1) : "?";
  return std::string(file) + ":" + line;
}

Result<std::vector<YamlDocument>> parse_documents(std::string_view file, std::string_view text) {
  std::vector<YamlDocument> out;
  for (const Chunk& chunk : split_documents(text)) {
    const std::string body(chunk.text);
    try {
      YAML::Node root = YAML::Load(body);
      if (has_trailing_content(body)) {
        return Error{static_cast<int>(RulesError::kSyntax),
                     yaml_where(file, root.Mark(), chunk.first_line) + ": unexpected content after the document"};
      }
      if (root.IsDefined() && !root.IsNull()) out.push_back({std::move(root), chunk.first_line});
    } catch (const YAML::Exception& e) {
      return Error{static_cast<int>(RulesError::kSyntax), yaml_where(file, e.mark, chunk.first_line) + ": " + e.msg};
    }
  }
  return out;
}

}  // namespace bw::ratelimit
