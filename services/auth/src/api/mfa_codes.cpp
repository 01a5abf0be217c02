// The second factor's checks (mfa_codes.hpp).
#include "api/mfa_codes.hpp"

#include "api/api_support.hpp"
#include "bw/authcore/recovery_codes.hpp"
#include "bw/authcore/sealed_secret.hpp"
#include "bw/authcore/totp.hpp"
#include "bw/log/log.hpp"

namespace bw::auth::api::mfa {

namespace {

Bytes recovery_salt(const store::User& user) {
  Bytes salt(user.tenant_id.begin(), user.tenant_id.end());
  salt.insert(salt.end(), user.id.begin(), user.id.end());
  return salt;
}

}  // namespace

Result<Bytes> seal_totp_secret(const authcore::KeyRing& kek, const store::User& user, ByteView secret) {
  const std::string tenant = detail::id_hex(user.tenant_id);
  const std::string id = detail::id_hex(user.id);
  auto sealed = authcore::seal_secret(kek, {tenant, id, kSealPurpose}, secret);
  if (!sealed) return sealed.error();
  return to_bytes(*sealed);
}

Result<crypto::SecretBytes> open_totp_secret(const authcore::KeyRing& kek, const store::User& user, ByteView sealed) {
  const std::string tenant = detail::id_hex(user.tenant_id);
  const std::string id = detail::id_hex(user.id);
  return authcore::open_secret(kek, {tenant, id, kSealPurpose}, to_string(sealed));
}

std::string_view check_label(CodeCheck check) {
  switch (check) {
    case CodeCheck::kAccepted: return "ok";
    case CodeCheck::kWrong: return "wrong_code";
    case CodeCheck::kReused: return "reused_code";
    case CodeCheck::kUnavailable: return "mfa_unavailable";
  }
  return "mfa_unavailable";
}

CodeCheck use_totp_code(const ApiCore& core, const store::User& user, const store::TotpSecret& stored,
                        std::string_view code) {
  if (!core.deps().kek) {
    log::error("totp_kek_missing", {{"user_id", detail::id_hex(user.id)}});
    return CodeCheck::kUnavailable;
  }
  auto secret = open_totp_secret(*core.deps().kek, user, stored.sealed_secret);
  if (!secret) {
    // Not the user's fault: a wrong or missing KEK, or a row that was tampered with.
    log::error("totp_secret_unsealable", {{"user_id", detail::id_hex(user.id)}, {"error", secret.error().message}});
    return CodeCheck::kUnavailable;
  }
  const auto step = authcore::verify_totp(secret->view(), code, core.now() / 1000);
  if (!step) return CodeCheck::kWrong;
  auto fresh = core.store().use_totp_step(user.tenant_id, user.id, *step);
  if (!fresh) return CodeCheck::kUnavailable;
  return *fresh ? CodeCheck::kAccepted : CodeCheck::kReused;
}

CodeCheck use_recovery_code(const ApiCore& core, const store::User& user, std::string_view code) {
  auto hash = authcore::hash_recovery_code(recovery_salt(user), code);
  if (!hash) return CodeCheck::kWrong;
  auto used = core.store().use_recovery_code(user.tenant_id, user.id, *hash, core.now());
  if (!used) return CodeCheck::kUnavailable;
  return *used ? CodeCheck::kAccepted : CodeCheck::kWrong;
}

Result<std::vector<std::string>> renew_recovery_codes(const ApiCore& core, const store::User& user) {
  auto codes = authcore::generate_recovery_codes();
  const Bytes salt = recovery_salt(user);
  std::vector<Bytes> hashes;
  hashes.reserve(codes.size());
  for (const auto& c : codes) {
    auto h = authcore::hash_recovery_code(salt, c);
    if (!h) return h.error();
    hashes.emplace_back(h->begin(), h->end());
  }
  auto st = core.store().replace_recovery_codes(user.tenant_id, user.id, hashes, core.now());
  if (!st) return st.error();
  return codes;
}

}  // namespace bw::auth::api::mfa
