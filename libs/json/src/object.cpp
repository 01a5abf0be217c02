// Strict flat-object parsing on nlohmann's SAX interface, and typed field reads.
#include "bw/json/object.hpp"

#include <nlohmann/json.hpp>

namespace bw::json {
namespace {

Error fail(JsonError code, std::string message) { return Error{static_cast<int>(code), std::move(message)}; }

std::string field_name(std::string_view name) { return "field \"" + std::string(name) + "\""; }

// Builds the flat object, refusing everything parse_object() promises to refuse.
class FlatSax {
 public:
  explicit FlatSax(const JsonLimits& limits) : limits_(limits) {}

  bool null() { return put(nullptr); }
  bool boolean(bool v) { return put(v); }
  bool number_integer(std::int64_t v) { return put(v); }
  bool number_unsigned(std::uint64_t v) {
    if (v > static_cast<std::uint64_t>(INT64_MAX)) return stop(JsonError::kOutOfRange, field_name(key_) + ": number too large");
    return put(static_cast<std::int64_t>(v));
  }
  bool number_float(double, const std::string&) {
    return stop(JsonError::kUnsupported, field_name(key_) + ": only integers are accepted");
  }
  bool string(std::string& v) {
    if (v.size() > limits_.max_string_bytes) return stop(JsonError::kTooLarge, field_name(key_) + ": string too long");
    return put(std::move(v));
  }
  bool binary(nlohmann::json::binary_t&) { return stop(JsonError::kSyntax, "binary values are not JSON"); }
  bool start_object(std::size_t) {
    if (depth_++ == 0) return true;
    return stop(JsonError::kUnsupported, field_name(key_) + ": nested objects are not accepted");
  }
  bool end_object() {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) {
    if (depth_ == 0) return stop(JsonError::kSyntax, "the body must be a JSON object");
    return stop(JsonError::kUnsupported, field_name(key_) + ": arrays are not accepted");
  }
  bool end_array() { return true; }
  bool key(std::string& k) {
    if (k.size() > limits_.max_key_bytes) return stop(JsonError::kTooLarge, "a field name is too long");
    if (values_.count(k)) return stop(JsonError::kUnsupported, field_name(k) + ": appears twice");
    if (values_.size() >= limits_.max_fields) return stop(JsonError::kTooLarge, "too many fields");
    key_ = std::move(k);
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::json::exception&) {
    if (!error_) error_ = fail(JsonError::kSyntax, "malformed JSON at byte " + std::to_string(position));
    return false;
  }

  std::optional<Error> error_;
  std::map<std::string, Scalar, std::less<>> values_;
  bool saw_value_ = false;

 private:
  bool put(Scalar v) {
    if (depth_ == 0) return stop(JsonError::kSyntax, "the body must be a JSON object");
    values_.emplace(std::move(key_), std::move(v));
    key_.clear();
    return true;
  }
  bool stop(JsonError code, std::string message) {
    if (!error_) error_ = fail(code, std::move(message));
    return false;
  }
  const JsonLimits& limits_;
  int depth_ = 0;
  std::string key_;
};

}  // namespace

Result<Fields> parse_object(std::string_view body, const JsonLimits& limits) {
  if (body.size() > limits.max_body_bytes) return fail(JsonError::kTooLarge, "the body is too large");
  FlatSax sax(limits);
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(body.begin(), body.end(), &sax, nlohmann::json::input_format_t::json, true);
  } catch (const std::exception&) {  // the SAX parser reports through parse_error; be safe anyway
    ok = false;
  }
  if (!ok || sax.error_) {
    return sax.error_ ? *sax.error_ : fail(JsonError::kSyntax, "malformed JSON");
  }
  // An empty or scalar-only document never reaches put(): it must have been an object.
  const auto first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || body[first] != '{') return fail(JsonError::kSyntax, "the body must be a JSON object");
  return Fields(std::move(sax.values_));
}

const Scalar* Fields::find(std::string_view name) {
  read_.emplace(name);
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

Result<std::optional<std::string>> Fields::optional_string(std::string_view name, std::size_t min, std::size_t max) {
  const Scalar* v = find(name);
  if (!v || std::holds_alternative<std::nullptr_t>(*v)) return std::optional<std::string>{};
  const auto* s = std::get_if<std::string>(v);
  if (!s) return fail(JsonError::kWrongType, field_name(name) + ": must be a string");
  if (s->size() < min || s->size() > max) {
    return fail(JsonError::kOutOfRange,
                field_name(name) + ": must have " + std::to_string(min) + ".." + std::to_string(max) + " bytes");
  }
  return std::optional<std::string>(*s);
}

Result<std::string> Fields::string(std::string_view name, std::size_t min, std::size_t max) {
  auto s = optional_string(name, min, max);
  if (!s) return s.error();
  if (!s->has_value()) return fail(JsonError::kMissing, field_name(name) + ": is required");
  return std::move(**s);
}

Result<std::string> Fields::one_of(std::string_view name, std::initializer_list<std::string_view> allowed) {
  auto s = string(name, 0, 256);
  if (!s) return s.error();
  for (std::string_view a : allowed) {
    if (*s == a) return s;
  }
  std::string list;
  for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  return fail(JsonError::kOutOfRange, field_name(name) + ": must be one of " + list);
}

Result<std::int64_t> Fields::integer(std::string_view name, std::int64_t min, std::int64_t max) {
  const Scalar* v = find(name);
  if (!v || std::holds_alternative<std::nullptr_t>(*v)) return fail(JsonError::kMissing, field_name(name) + ": is required");
  const auto* n = std::get_if<std::int64_t>(v);
  if (!n) return fail(JsonError::kWrongType, field_name(name) + ": must be an integer");
  if (*n < min || *n > max) {
    return fail(JsonError::kOutOfRange, field_name(name) + ": must be in " + std::to_string(min) + ".." + std::to_string(max));
  }
  return *n;
}

Result<std::optional<bool>> Fields::optional_boolean(std::string_view name) {
  const Scalar* v = find(name);
  if (!v || std::holds_alternative<std::nullptr_t>(*v)) return std::optional<bool>{};
  const auto* b = std::get_if<bool>(v);
  if (!b) return fail(JsonError::kWrongType, field_name(name) + ": must be true or false");
  return std::optional<bool>(*b);
}

Result<bool> Fields::boolean(std::string_view name) {
  auto b = optional_boolean(name);
  if (!b) return b.error();
  if (!b->has_value()) return fail(JsonError::kMissing, field_name(name) + ": is required");
  return **b;
}

Status Fields::finish() const {
  for (const auto& [name, value] : values_) {
    if (!read_.count(name)) return fail(JsonError::kUnknownField, field_name(name) + ": is not a field of this request");
  }
  return {};
}

}  // namespace bw::json
