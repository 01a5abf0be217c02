// Helpers shared by the rule tests: load one text as a file, expect a located refusal.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/rules.hpp"

namespace bw::ratelimit::testing {

inline Result<RuleSet> load(std::string text, std::string name = "rules.yaml") {
  std::vector<RuleFile> files{{std::move(name), std::move(text)}};
  return load_rules(files);
}

// Loads `text` and expects a refusal whose message contains `where` and `what`.
inline void expect_refused(const std::string& text, const std::string& where, const std::string& what) {
  auto r = load(text);
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_NE(r.error().message.find(where), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
}

}  // namespace bw::ratelimit::testing
