// Fuzzes the JWT verifier and key-set parser: any bytes give claims or an Error, never a
// crash, a hang, a leak or an exception. The first byte picks what the rest is:
//   0: a whole token, verified as-is (framing, base64url, header policy, signature);
//   1/2: a payload, signed under a valid header so claim parsing is reached, then verified
//        as an access token (1) or device assertion (2); whatever verifies must survive
//        sign() -> verify() unchanged;
//   3: a header, signed with a valid payload (header policy past framing);
//   4: JWKS text; whatever imports must export and re-import to the same text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bw/bytes.hpp"
#include "bw/crypto/base64url.hpp"
#include "bw/crypto/ed25519.hpp"
#include "bw/jwt/jwt.hpp"

namespace {

using namespace bw::jwt;

constexpr std::int64_t kNow = 1'700'000'000;
constexpr const char* kHeader = R"({"alg":"EdDSA","kid":"k1","typ":"at+jwt"})";
constexpr const char* kPayload =
    R"({"aud":"relay","exp":1700000290,"iat":1699999990,"iss":"auth","jti":"j","role":"member",)"
    R"("sid":"s","sub":"u","tid":"t"})";

const bw::Bytes& seed() {
  static const bw::Bytes s(32, 0x01);
  return s;
}

const KeySet& keys() {
  static const KeySet set = [] {
    KeySet k;
    if (!k.rotate_to(SigningKey::from_seed("k1", seed()).value()).ok()) std::abort();
    return k;
  }();
  return set;
}

std::string signed_token(std::string_view header, std::string_view payload) {
  std::string token = bw::crypto::base64url_encode(bw::as_bytes(header)) + "." +
                      bw::crypto::base64url_encode(bw::as_bytes(payload));
  auto signature = bw::crypto::ed25519_sign(seed(), bw::as_bytes(token));
  if (!signature) std::abort();
  return token + "." + bw::crypto::base64url_encode(signature.value());
}

void check_payload(std::string_view payload, TokenKind kind) {
  const VerifyOptions options{.issuer = "auth", .audience = "relay", .kind = kind};
  auto claims = verify(keys(), signed_token(kHeader, payload), options, kNow);
  if (!claims) return;
  auto again = sign(*keys().signing_key(), claims.value(), kind);
  if (!again) std::abort();
  auto reverified = verify(keys(), again.value(), options, kNow);
  if (!reverified || !(reverified.value() == claims.value())) std::abort();
}

void check_jwks(std::string_view text) {
  auto set = KeySet::from_jwks(text);
  if (!set) return;
  const std::string exported = set->to_jwks();
  auto again = KeySet::from_jwks(exported);
  if (!again || again->to_jwks() != exported) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const VerifyOptions access{.issuer = "auth", .audience = "relay"};
  switch (data[0] % 5) {
    case 0: (void)verify(keys(), text, access, kNow); break;
    case 1: check_payload(text, TokenKind::kAccess); break;
    case 2: check_payload(text, TokenKind::kDeviceAssertion); break;
    case 3: (void)verify(keys(), signed_token(text, kPayload), access, kNow); break;
    default: check_jwks(text); break;
  }
  return 0;
}
