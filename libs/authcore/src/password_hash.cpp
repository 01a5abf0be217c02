// Argon2id password hashing: see password_hash.hpp.
#include "bw/authcore/password_hash.hpp"

#include <sodium.h>

#include <array>
#include <string>

#include "bw/authcore/errors.hpp"
#include "bw/crypto/random.hpp"
#include "bw/crypto/base64url.hpp"
#include "sodium_init.hpp"

namespace bw::authcore {
namespace {

constexpr std::string_view kArgon2idPrefix = "$argon2id$";

// A non-null pointer for libsodium even when the view is empty.
const char* nonnull(std::string_view s) { return s.empty() ? "" : s.data(); }

bool is_argon2id_phc(std::string_view phc) {
  return phc.starts_with(kArgon2idPrefix) && phc.size() < crypto_pwhash_STRBYTES;
}

// libsodium wants a NUL-terminated buffer of crypto_pwhash_STRBYTES for stored strings.
std::array<char, crypto_pwhash_STRBYTES> to_str_buffer(std::string_view phc) {
  std::array<char, crypto_pwhash_STRBYTES> buf{};
  phc.copy(buf.data(), buf.size() - 1);
  return buf;
}

}  // namespace

Status validate(const Argon2Params& params) {
  if (params.memory_bytes < kArgon2MinMemoryBytes || params.passes < kArgon2MinPasses) {
    return make_error(Errc::kInvalidArgument,
                      "argon2id parameters below the minimum (19 MiB, t=2)");
  }
  if (params.memory_bytes % 1024 != 0) {
    return make_error(Errc::kInvalidArgument, "argon2id memory must be a whole number of KiB");
  }
  if (params.memory_bytes > crypto_pwhash_argon2id_MEMLIMIT_MAX ||
      params.passes > crypto_pwhash_argon2id_OPSLIMIT_MAX) {
    return make_error(Errc::kInvalidArgument, "argon2id parameters above libsodium's maximum");
  }
  return {};
}

Result<PasswordHasher> PasswordHasher::create(const Argon2Params& params) {
  detail::ensure_sodium();
  if (auto ok = validate(params); !ok) return ok.error();
  // The dummy password is random and discarded: nothing can ever match the dummy hash.
  const std::string dummy_password = crypto::base64url_encode(crypto::random(32));
  PasswordHasher probe(params, {});
  auto dummy = probe.hash(dummy_password);
  if (!dummy) return dummy.error();
  return PasswordHasher(params, std::move(dummy.value()));
}

Result<std::string> PasswordHasher::hash(std::string_view password) const {
  if (password.size() > kMaxPasswordBytes) {
    return make_error(Errc::kPasswordTooLong, "password longer than 1024 bytes");
  }
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str_alg(out.data(), nonnull(password), password.size(), params_.passes,
                            static_cast<std::size_t>(params_.memory_bytes),
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return make_error(Errc::kInternal, "argon2id hashing failed (out of memory)");
  }
  return std::string(out.data());
}

bool PasswordHasher::verify(std::string_view phc, std::string_view password) const {
  if (!is_argon2id_phc(phc) || password.size() > kMaxPasswordBytes) {
    return verify_dummy(password.substr(0, kMaxPasswordBytes));
  }
  return run_verify(phc, password);
}

bool PasswordHasher::verify_dummy(std::string_view password) const {
  // The result is ignored on purpose: the dummy hash matches no password anyone knows.
  static_cast<void>(run_verify(dummy_, password));
  return false;
}

bool PasswordHasher::run_verify(std::string_view stored_phc, std::string_view password) const {
  verifications_->fetch_add(1, std::memory_order_relaxed);
  const auto stored = to_str_buffer(stored_phc);
  return crypto_pwhash_str_verify(stored.data(), nonnull(password), password.size()) == 0;
}

bool PasswordHasher::needs_rehash(std::string_view phc) const {
  if (!is_argon2id_phc(phc)) return true;
  const auto stored = to_str_buffer(phc);
  return crypto_pwhash_str_needs_rehash(stored.data(), params_.passes,
                                        static_cast<std::size_t>(params_.memory_bytes)) != 0;
}

}  // namespace bw::authcore
