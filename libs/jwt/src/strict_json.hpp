// Strict JSON object parsing for JWT headers, claim sets and JWKS. Guarantees: the text must
// start with '{' (no BOM, no whitespace before it), be one JSON value and nothing after it,
// nest at most kMaxJsonDepth levels, and never repeat a member name within one object (RFC
// 7515 §5.2 lets a JWS consumer refuse duplicates; we always do, since two parsers that pick
// different duplicates disagree on what was signed). Never throws.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "bw/result.hpp"

namespace bw::jwt::detail {

inline constexpr int kMaxJsonDepth = 4;

// The object text holds. Errors: Errc::kDuplicateKey for a repeated member name;
// Errc::kMalformed for anything else refused.
Result<nlohmann::json> parse_strict_object(std::string_view text);

}  // namespace bw::jwt::detail
