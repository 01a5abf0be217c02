// The one rule for names that denote secrets, shared by logging (values under such field
// names are never printed) and configuration (values of such keys are never echoed in an
// error). Over-eager on purpose: hiding a harmless value costs a little debugging; printing
// a secret costs an incident.
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <string_view>

namespace bw {

// True if a field or key of this name holds (or may hold) a secret. Case-insensitive;
// "section.key" paths are judged by their last part and by the whole.
inline bool is_secret_name(std::string_view name) {
  static constexpr std::array<std::string_view, 16> kWords = {
      "token", "password", "passwd", "secret",   "authorization", "cookie", "credential", "private",
      "seed",  "otp",      "totp",   "recovery", "api_key",       "apikey", "passphrase", "kek"};
  std::string k(name);
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string_view last = std::string_view(k).substr(k.find_last_of('.') == std::string::npos ? 0 : k.find_last_of('.') + 1);
  if (last == "key" || last.ends_with("_key") || last.ends_with("-key") || last.ends_with("key_pem")) return true;
  return std::any_of(kWords.begin(), kWords.end(), [&](std::string_view w) { return k.find(w) != std::string::npos; });
}

}  // namespace bw
