// The redaction rule (see redact.hpp). Deliberately over-eager: printing "[redacted]" for a
// harmless value costs a little debugging; printing a token costs an incident.
#include "bw/log/redact.hpp"

#include "bw/secret_names.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace bw::log {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

bool is_b64url(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '=';
}

// A JWS compact serialisation: three base64url parts, the first starting with "eyJ"
// (the encoding of '{"').
bool has_jwt(std::string_view v) {
  for (auto pos = v.find("eyJ"); pos != std::string_view::npos; pos = v.find("eyJ", pos + 1)) {
    int dots = 0;
    std::size_t i = pos;
    while (i < v.size() && (is_b64url(v[i]) || v[i] == '.')) {
      if (v[i] == '.') ++dots;
      ++i;
    }
    if (dots >= 2) return true;
  }
  return false;
}

}  // namespace

bool is_secret_field(std::string_view key) { return is_secret_name(key); }

bool looks_secret(std::string_view value) {
  for (auto prefix : kTokenPrefixes) {
    if (contains(value, prefix)) return true;
  }
  const std::string v = lower(value);
  return contains(v, "bearer ") || contains(v, "-----begin") || has_jwt(value);
}

std::string redact(std::string_view key, std::string_view value) {
  if (is_secret_field(key) || looks_secret(value)) return std::string(kRedacted);
  return std::string(value);
}

}  // namespace bw::log
