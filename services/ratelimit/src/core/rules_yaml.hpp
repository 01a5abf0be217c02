// Private to the rule loader: a YAML stream cut into documents, with file line numbers.
// Exists because yaml-cpp 0.7's LoadAll never returns on some inputs (a lone "," yields
// empty documents forever) and YAML::Load silently ignores what follows the first node
// ("{domain: a}\n,"). parse_documents() terminates on every input and refuses both.
#pragma once

#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "bw/result.hpp"

namespace bw::ratelimit {

// One non-empty document and the 0-based file line its text starts on (add it to a
// node's Mark().line to get the file line).
struct YamlDocument {
  YAML::Node root;
  int first_line = 0;
};

// "<file>:<line>" for a node mark of a document starting at `first_line` ("?" if unknown).
std::string yaml_where(std::string_view file, const YAML::Mark& mark, int first_line);

// Every document of `text` that is not empty (blank, comments only, or null).
// Errors (code RulesError::kSyntax) name the file and line; may throw std::bad_alloc only.
Result<std::vector<YamlDocument>> parse_documents(std::string_view file, std::string_view text);

}  // namespace bw::ratelimit
