// New-password rules: see password_policy.hpp.
#include "bw/authcore/password_policy.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "bw/authcore/errors.hpp"
#include "common_passwords.hpp"

namespace bw::authcore {
namespace {

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The bundled list, split and sorted once (the text is sorted by frequency, not by bytes).
const std::vector<std::string_view>& common_list() {
  static const std::vector<std::string_view> list = [] {
    std::vector<std::string_view> out;
    std::string_view text = detail::common_passwords_text();
    while (!text.empty()) {
      const auto nl = text.find('\n');
      const auto line = text.substr(0, nl);
      if (!line.empty()) out.push_back(line);
      text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }();
  return list;
}

// Length of the UTF-8 sequence starting with lead, and the smallest code point it may
// encode (to refuse overlong forms); 0 for a byte that cannot start a sequence.
struct Lead {
  int length;
  char32_t min;
};
Lead classify(unsigned char lead) {
  if (lead < 0x80) return {1, 0};
  if (lead >= 0xC2 && lead <= 0xDF) return {2, 0x80};
  if (lead >= 0xE0 && lead <= 0xEF) return {3, 0x800};
  if (lead >= 0xF0 && lead <= 0xF4) return {4, 0x10000};
  return {0, 0};
}

bool equals_identity(const std::string& lowered, std::string_view identity) {
  return !identity.empty() && lowered == ascii_lower(identity);
}

}  // namespace

Result<std::size_t> count_code_points(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++count) {
    const auto lead = classify(static_cast<unsigned char>(text[i]));
    if (lead.length == 0 || i + static_cast<std::size_t>(lead.length) > text.size()) {
      return make_error(Errc::kPasswordInvalid, "password is not valid UTF-8");
    }
    char32_t cp = lead.length == 1 ? static_cast<unsigned char>(text[i])
                                   : static_cast<unsigned char>(text[i]) & (0x7F >> lead.length);
    for (int k = 1; k < lead.length; ++k) {
      const auto c = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
      if ((c & 0xC0) != 0x80) return make_error(Errc::kPasswordInvalid, "password is not valid UTF-8");
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < lead.min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return make_error(Errc::kPasswordInvalid, "password is not valid UTF-8");
    }
    i += static_cast<std::size_t>(lead.length);
  }
  return count;
}

bool is_common_password(std::string_view password) {
  const std::string lowered = ascii_lower(password);
  const auto& list = common_list();
  return std::binary_search(list.begin(), list.end(), std::string_view(lowered));
}

std::size_t common_password_count() { return common_list().size(); }

Status check_new_password(std::string_view password, const PasswordIdentity& identity,
                          const PasswordPolicy& policy) {
  if (policy.min_code_points < kMinPasswordCodePoints) {
    return make_error(Errc::kInvalidArgument, "password policy minimum below 12 characters");
  }
  if (password.size() > kMaxPasswordBytes) {
    return make_error(Errc::kPasswordTooLong, "password longer than 1024 bytes");
  }
  if (password.find('\0') != std::string_view::npos) {
    return make_error(Errc::kPasswordInvalid, "password contains NUL");
  }
  auto length = count_code_points(password);
  if (!length) return length.error();
  if (*length < policy.min_code_points) {
    return make_error(Errc::kPasswordTooShort, "password shorter than the minimum length");
  }
  const std::string lowered = ascii_lower(password);
  const auto at = identity.email.find('@');
  const auto local_part = identity.email.substr(0, at);
  if (equals_identity(lowered, identity.login) || equals_identity(lowered, identity.email) ||
      (at != std::string_view::npos && equals_identity(lowered, local_part))) {
    return make_error(Errc::kPasswordIsIdentity, "password equals the login name or e-mail");
  }
  if (is_common_password(password)) {
    return make_error(Errc::kPasswordCommon, "password is on the common-password list");
  }
  return {};
}

}  // namespace bw::authcore
