// Reading the rule files named by `ratelimit.rules_files` (each at most 1 MiB, read with
// the checked reader of libs/config) and loading them into one RuleSet.
#pragma once

#include <string>
#include <vector>

#include "bw/result.hpp"
#include "core/rules.hpp"

namespace bw::ratelimit {

Result<RuleSet> load_rule_files(const std::vector<std::string>& paths);

}  // namespace bw::ratelimit
