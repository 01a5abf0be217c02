// Strict JSON request bodies: one flat object of scalars, read field by field with errors
// that name the field. Parsing is done by nlohmann's SAX parser inside object.cpp; no
// template-heavy header leaks out of this library.
//
// Guarantees (parse_object):
//  - Accepts exactly one JSON object whose values are strings, integers, booleans or null.
//    Nested objects and arrays, floats, duplicate keys, invalid UTF-8, trailing bytes and
//    anything past the limits are refused with JsonError codes and a message naming the
//    field (never echoing a value, which may be a password).
//  - Bounded: body size, key count, key and string lengths (JsonLimits).
// Reading (Fields): each accessor checks presence, type and bounds; finish() refuses any
// field the handler did not read, so a typo ("pasword") is an error, not silently ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include "bw/result.hpp"

namespace bw::json {

// Stable error codes (HTTP handlers map every one of them to 400).
enum class JsonError : int {
  kSyntax = 1,        // not JSON, or not one object
  kTooLarge = 2,      // a limit was passed
  kUnsupported = 3,   // nested value, float, duplicate key
  kMissing = 4,       // a required field is absent
  kWrongType = 5,     // present with another type
  kOutOfRange = 6,    // a string length or number outside its bounds, or not one of a set
  kUnknownField = 7,  // a field the request does not define
};

struct JsonLimits {
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_fields = 32;
  std::size_t max_key_bytes = 64;
  std::size_t max_string_bytes = 16 * 1024;
};

using Scalar = std::variant<std::nullptr_t, bool, std::int64_t, std::string>;

class Fields {
 public:
  Fields() = default;
  explicit Fields(std::map<std::string, Scalar, std::less<>> values) : values_(std::move(values)) {}

  // A required string of min..max bytes (valid UTF-8 is guaranteed by the parser).
  Result<std::string> string(std::string_view name, std::size_t min, std::size_t max);
  // Absent or null → nullopt; else as string().
  Result<std::optional<std::string>> optional_string(std::string_view name, std::size_t min, std::size_t max);
  // A required string that is one of `allowed`.
  Result<std::string> one_of(std::string_view name, std::initializer_list<std::string_view> allowed);
  Result<std::int64_t> integer(std::string_view name, std::int64_t min, std::int64_t max);
  Result<bool> boolean(std::string_view name);
  Result<std::optional<bool>> optional_boolean(std::string_view name);
  // Error kUnknownField naming the first field no accessor asked for.
  Status finish() const;

  std::size_t size() const { return values_.size(); }

 private:
  const Scalar* find(std::string_view name);
  std::map<std::string, Scalar, std::less<>> values_;
  std::set<std::string, std::less<>> read_;
};

// Parses a request body (see the guarantees above).
Result<Fields> parse_object(std::string_view body, const JsonLimits& limits = {});

}  // namespace bw::json
