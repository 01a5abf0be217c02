// Recovery codes: see recovery_codes.hpp.
#include "bw/authcore/recovery_codes.hpp"

#include <array>
#include <cstdint>

#include "bw/authcore/errors.hpp"
#include "bw/crypto/constant_time.hpp"
#include "bw/crypto/random.hpp"

namespace bw::authcore {
namespace {

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::string_view kDomain = "bw-recovery-v1";

// The canonical character for c, or '\0' if c is not in the alphabet after normalisation.
char canonical(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  if (c == 'O') return '0';
  if (c == 'I' || c == 'L') return '1';
  return kCrockford.find(c) == std::string_view::npos ? '\0' : c;
}

bool starts_with_prefix(std::string_view input) {
  if (input.size() < kRecoveryPrefix.size()) return false;
  for (std::size_t i = 0; i < kRecoveryPrefix.size(); ++i) {
    char c = input[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kRecoveryPrefix[i]) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> generate_recovery_codes(std::size_t count) {
  std::vector<std::string> codes;
  codes.reserve(count);
  for (std::size_t n = 0; n < count; ++n) {
    // 10 random bytes = 80 bits = 16 base32 characters, with no modulo bias.
    auto raw = crypto::random_secret(10);
    std::string code(kRecoveryPrefix);
    std::uint32_t buffer = 0;
    int bits = 0;
    std::size_t chars = 0;
    for (std::uint8_t byte : raw) {
      buffer = (buffer << 8) | byte;
      bits += 8;
      while (bits >= 5) {
        bits -= 5;
        if (chars > 0 && chars % 4 == 0) code.push_back('-');
        code.push_back(kCrockford[(buffer >> bits) & 0x1F]);
        ++chars;
      }
    }
    buffer = 0;
    codes.push_back(std::move(code));
  }
  return codes;
}

Bytes generate_recovery_salt() { return crypto::random(kRecoverySaltSize); }

Result<std::string> normalize_recovery_code(std::string_view input) {
  if (starts_with_prefix(input)) input.remove_prefix(kRecoveryPrefix.size());
  std::string out;
  out.reserve(kRecoveryCodeChars);
  for (char c : input) {
    if (c == '-' || c == ' ') continue;
    const char k = canonical(c);
    if (k == '\0' || out.size() == kRecoveryCodeChars) {
      return make_error(Errc::kInvalidEncoding, "not a recovery code");
    }
    out.push_back(k);
  }
  if (out.size() != kRecoveryCodeChars) return make_error(Errc::kInvalidEncoding, "not a recovery code");
  return out;
}

Result<crypto::Sha256Digest> hash_recovery_code(ByteView salt, std::string_view input) {
  auto code = normalize_recovery_code(input);
  if (!code) return code.error();
  crypto::Sha256 h;
  h.update(as_bytes(kDomain)).update(salt).update(as_bytes(*code));
  return h.finish();
}

std::optional<std::size_t> match_recovery_code(ByteView salt, std::string_view input,
                                               std::span<const crypto::Sha256Digest> stored) {
  auto digest = hash_recovery_code(salt, input);
  if (!digest) return std::nullopt;
  std::optional<std::size_t> found;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const bool equal = crypto::constant_time_equal(*digest, stored[i]);
    if (equal && !found) found = i;
  }
  return found;
}

}  // namespace bw::authcore
