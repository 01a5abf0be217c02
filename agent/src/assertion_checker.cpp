// Device assertions checked with auth's own key set; see assertion_checker.hpp.
#include "assertion_checker.hpp"

#include "bw/crypto/hex.hpp"
#include "bw/http/client.hpp"
#include "bw/jwt/jwt.hpp"
#include "bw/pairing/link.hpp"

namespace bw::agent {

struct AssertionChecker::Keys {
  jwt::KeySet set;
};

namespace {

std::optional<e2e::Id> id_of(std::string_view hex) {
  if (hex.size() != 32) return std::nullopt;
  auto b = crypto::hex_decode(hex);
  if (!b || b->size() != 16) return std::nullopt;
  e2e::Id id{};
  std::copy(b->begin(), b->end(), id.begin());
  return id;
}

Error refused(std::string_view why) { return Error{1, "assertion refused: " + std::string(why)}; }

}  // namespace

AssertionChecker::AssertionChecker(std::unique_ptr<http::Client> auth, std::string issuer, std::string audience)
    : auth_(std::move(auth)), issuer_(std::move(issuer)), audience_(std::move(audience)) {}

AssertionChecker::~AssertionChecker() = default;

Status AssertionChecker::refetch(std::chrono::steady_clock::time_point now) {
  last_fetch_ = now;
  ++fetches_;
  auto r = auth_->request("GET", "/.well-known/jwks.json");
  if (!r) return Error{1, "auth's key set is unreachable: " + r.error().message};
  if (r->status != 200) return Error{1, "auth's key set answered HTTP " + std::to_string(r->status)};
  auto set = jwt::KeySet::from_jwks(r->body);
  if (!set) return Error{1, "auth's key set is malformed"};
  keys_ = std::make_unique<Keys>(Keys{std::move(set).value()});
  return {};
}

Result<AssertedDevice> AssertionChecker::verify(std::string_view token, std::int64_t now_ms) {
  const auto now = std::chrono::steady_clock::now();
  const bool may_fetch = !last_fetch_ || now - *last_fetch_ >= kRefetchInterval;
  bool fetched = false;
  if (!keys_) {
    if (!may_fetch) return refused("auth's key set is unavailable");
    if (auto st = refetch(now); !st) return st.error();
    fetched = true;
  }
  const jwt::VerifyOptions opts{.issuer = issuer_, .audience = audience_, .kind = jwt::TokenKind::kDeviceAssertion};
  auto claims = jwt::verify(keys_->set, token, opts, now_ms / 1000);
  if (!claims && jwt::has_code(claims.error(), jwt::Errc::kUnknownKid) && may_fetch && !fetched) {
    if (auto st = refetch(now); !st) return st.error();  // a rotated key: fetch the set again
    claims = jwt::verify(keys_->set, token, opts, now_ms / 1000);
  }
  if (!claims) return refused(jwt::errc_name(static_cast<jwt::Errc>(claims.error().code)));
  AssertedDevice d;
  auto tenant = id_of(claims->tenant);
  auto user = id_of(claims->subject);
  auto device = claims->device ? id_of(*claims->device) : std::nullopt;
  auto role = pairing::role_from_name(claims->role);
  if (!tenant || !user || !device || !role || !claims->confirmation_key_sha256) return refused("invalid_claim");
  d.tenant = *tenant;
  d.user = *user;
  d.device = *device;
  d.role = *role;
  std::copy(claims->confirmation_key_sha256->begin(), claims->confirmation_key_sha256->end(), d.key_sha256.begin());
  return d;
}

}  // namespace bw::agent
