// TOTP / HOTP: see totp.hpp.
#include "bw/authcore/totp.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>

#include <array>
#include <cstdio>
#include <cstdlib>

#include "bw/authcore/base32.hpp"
#include "bw/authcore/errors.hpp"
#include "bw/crypto/constant_time.hpp"
#include "bw/crypto/random.hpp"

namespace bw::authcore {
namespace {

constexpr std::uint32_t kPow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
                                    100000000};

bool valid(const TotpParams& p) {
  return p.digits >= 6 && p.digits <= 8 && p.step_seconds > 0 && p.window >= 0 && p.window <= 2;
}

bool all_digits(std::string_view code) {
  for (char c : code) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// HMAC-SHA-1(secret, counter as 8 big-endian bytes). Aborts only if OpenSSL breaks.
std::array<std::uint8_t, 20> hmac_sha1(ByteView secret, std::uint64_t counter) {
  std::array<std::uint8_t, 8> msg{};
  for (int i = 7; i >= 0; --i, counter >>= 8) msg[static_cast<std::size_t>(i)] = counter & 0xFF;
  std::array<std::uint8_t, 20> mac{};
  unsigned int len = 0;
  static const std::uint8_t kEmpty = 0;
  if (HMAC(EVP_sha1(), secret.empty() ? &kEmpty : secret.data(), static_cast<int>(secret.size()),
           msg.data(), msg.size(), mac.data(), &len) == nullptr ||
      len != mac.size()) {
    std::fputs("bw::authcore: fatal: HMAC-SHA-1 failed\n", stderr);
    std::abort();
  }
  return mac;
}

}  // namespace

crypto::SecretBytes generate_totp_secret() { return crypto::random_secret(kTotpSecretSize); }

std::string hotp(ByteView secret, std::uint64_t counter, int digits) {
  if (digits < 6 || digits > 8) digits = 6;
  auto mac = hmac_sha1(secret, counter);
  const std::size_t offset = mac[19] & 0x0F;  // RFC 4226 §5.3 dynamic truncation
  const std::uint32_t bin = (static_cast<std::uint32_t>(mac[offset] & 0x7F) << 24) |
                            (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                            (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                            static_cast<std::uint32_t>(mac[offset + 3]);
  OPENSSL_cleanse(mac.data(), mac.size());
  std::string code(static_cast<std::size_t>(digits), '0');
  std::uint32_t value = bin % kPow10[digits];
  for (auto it = code.rbegin(); it != code.rend(); ++it, value /= 10) {
    *it = static_cast<char>('0' + value % 10);
  }
  return code;
}

std::string totp(ByteView secret, std::int64_t unix_time, const TotpParams& params) {
  const std::int64_t step = params.step_seconds > 0 ? params.step_seconds : 30;
  const auto t = unix_time < 0 ? 0 : unix_time;
  return hotp(secret, static_cast<std::uint64_t>(t / step), params.digits);
}

std::optional<std::int64_t> verify_totp(ByteView secret, std::string_view code,
                                        std::int64_t unix_time, const TotpParams& params) {
  if (!valid(params) || unix_time < 0) return std::nullopt;
  if (code.size() != static_cast<std::size_t>(params.digits) || !all_digits(code)) {
    return std::nullopt;
  }
  const std::int64_t now = unix_time / params.step_seconds;
  std::optional<std::int64_t> matched;
  // Every step is computed and compared; no early exit on a match.
  for (std::int64_t k = -params.window; k <= params.window; ++k) {
    const std::int64_t step = now + k;
    if (step < 0) continue;
    const std::string expected = hotp(secret, static_cast<std::uint64_t>(step), params.digits);
    const bool equal = crypto::constant_time_equal(as_bytes(expected), as_bytes(code));
    if (equal && !matched) matched = step;
  }
  return matched;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  return out;
}

Result<std::string> otpauth_uri(std::string_view issuer, std::string_view account,
                                ByteView secret, const TotpParams& params) {
  if (!valid(params)) return make_error(Errc::kInvalidArgument, "totp parameters out of range");
  if (issuer.empty() || account.empty() || issuer.find(':') != std::string_view::npos ||
      account.find(':') != std::string_view::npos) {
    return make_error(Errc::kInvalidArgument, "otpauth issuer/account empty or containing ':'");
  }
  const std::string enc_issuer = percent_encode(issuer);
  return "otpauth://totp/" + enc_issuer + ":" + percent_encode(account) +
         "?secret=" + base32_encode(secret) + "&issuer=" + enc_issuer +
         "&algorithm=SHA1&digits=" + std::to_string(params.digits) +
         "&period=" + std::to_string(params.step_seconds);
}

}  // namespace bw::authcore
