#include "auth_link.hpp"

#include <grpcpp/grpcpp.h>

#include "breakwater/auth/v1/auth.grpc.pb.h"
#include "bw/crypto/hex.hpp"
#include "bw/jwt/jwt.hpp"
#include "bw/jwt/key_set.hpp"

namespace bw::relay {
namespace {

namespace av1 = breakwater::auth::v1;
using Clock = std::chrono::steady_clock;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Error from_status(const grpc::Status& s, const char* what) {
  switch (s.error_code()) {
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::INVALID_ARGUMENT:
      return Error{kAuthRefused, std::string(what) + ": refused by auth"};
    default:
      return Error{kAuthUnavailable, std::string(what) + ": auth unavailable (" + std::to_string(s.error_code()) + ")"};
  }
}

// Ids in access tokens are 32 lower-case hex digits.
Result<std::string> id_from_hex(const std::string& hex) {
  if (hex.size() != 2 * kIdSize) return Error{kAuthRefused, "token id malformed"};
  auto raw = crypto::hex_decode(hex);
  if (!raw) return Error{kAuthRefused, "token id malformed"};
  return std::string(raw->begin(), raw->end());
}

}  // namespace

struct AuthLink::Impl {
  std::unique_ptr<av1::AuthInternal::Stub> stub;
  AuthLinkOptions options;
  std::mutex mu;
  std::shared_ptr<const jwt::KeySet> keys;
  Clock::time_point fetched{};

  void deadline(grpc::ClientContext& ctx) const { ctx.set_deadline(std::chrono::system_clock::now() + options.timeout); }

  Result<std::shared_ptr<const jwt::KeySet>> fetch_keys() {
    grpc::ClientContext ctx;
    deadline(ctx);
    av1::KeySet answer;
    auto status = stub->GetKeySet(&ctx, av1::GetKeySetRequest{}, &answer);
    if (!status.ok()) return from_status(status, "key set");
    auto set = std::make_shared<jwt::KeySet>();
    for (const auto& k : answer.keys()) {
      crypto::Ed25519PublicKey pk{};
      if (k.public_key().size() != pk.size()) continue;
      std::copy(k.public_key().begin(), k.public_key().end(), pk.begin());
      (void)set->add_verification_key(k.kid(), pk);
    }
    return std::shared_ptr<const jwt::KeySet>(std::move(set));
  }

  // The cached key set; refetched when stale, or when `force` and the last fetch is older
  // than key_refresh_min.
  Result<std::shared_ptr<const jwt::KeySet>> key_set(bool force) {
    std::lock_guard lock(mu);
    const auto now = Clock::now();
    const bool stale = !keys || now - fetched > options.key_max_age;
    const bool may_force = force && now - fetched > options.key_refresh_min;
    if (stale || may_force) {
      auto fresh = fetch_keys();
      if (!fresh) {
        if (keys && !stale) return keys;
        return fresh.error();
      }
      keys = std::move(fresh.value());
      fetched = now;
    }
    return keys;
  }
};

AuthLink::AuthLink(std::shared_ptr<grpc::Channel> channel, AuthLinkOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->stub = av1::AuthInternal::NewStub(std::move(channel));
  impl_->options = std::move(options);
}

AuthLink::~AuthLink() = default;

Result<Authenticated> AuthLink::validate_agent(const std::string& device_token) {
  if (device_token.empty() || device_token.size() > 512) return Error{kAuthRefused, "device token malformed"};
  grpc::ClientContext ctx;
  impl_->deadline(ctx);
  av1::ValidateDeviceTokenRequest req;
  req.set_device_token(device_token);
  av1::DeviceIdentity id;
  auto status = impl_->stub->ValidateDeviceToken(&ctx, req, &id);
  if (!status.ok()) return from_status(status, "device token");
  if (id.kind() != breakwater::common::v1::DEVICE_KIND_AGENT) return Error{kAuthRefused, "not an agent device"};
  if (id.tenant().size() != kIdSize || id.user().size() != kIdSize || id.device().size() != kIdSize) {
    return Error{kAuthUnavailable, "device token: malformed answer from auth"};
  }
  Authenticated a;
  a.identity = Identity{id.tenant(), id.user(), id.device(), id.kind()};
  a.revocation_epoch = id.revocation_epoch();
  a.expires_at_ms = id.has_expires_at() ? id.expires_at().seconds() * 1000 : INT64_MAX;
  return a;
}

Result<Authenticated> AuthLink::validate_client(const std::string& access_token, const std::string& device) {
  if (device.size() != kIdSize) return Error{kAuthRefused, "device id malformed"};
  if (access_token.empty() || access_token.size() > jwt::kMaxTokenSize) return Error{kAuthRefused, "token malformed"};
  jwt::VerifyOptions vo;
  vo.issuer = impl_->options.issuer;
  vo.audience = impl_->options.audience;
  vo.kind = jwt::TokenKind::kAccess;
  const auto now_s = now_ms() / 1000;
  auto keys = impl_->key_set(false);
  if (!keys) return keys.error();
  auto claims = jwt::verify(*keys.value(), access_token, vo, now_s);
  if (!claims) {
    // A token signed by a key this relay has not seen yet (rotation): refetch once.
    auto fresh = impl_->key_set(true);
    if (!fresh) return fresh.error();
    if (fresh.value() != keys.value()) claims = jwt::verify(*fresh.value(), access_token, vo, now_s);
    if (!claims) return Error{kAuthRefused, "access token refused"};
  }
  auto tenant = id_from_hex(claims->tenant);
  auto user = id_from_hex(claims->subject);
  if (!tenant || !user) return Error{kAuthRefused, "access token refused"};
  // The device must be this user's client device in a live pairing: the client side of it,
  // never the agent side (a viewer paired with an agent must not connect as that agent).
  auto live = pairings(*tenant, device);
  if (!live) return live.error();
  bool owns = false;
  for (const auto& p : *live) owns = owns || (p.self_is_client && p.client_user == *user);
  if (!owns) return Error{kAuthRefused, "not a paired client device of this user"};
  Authenticated a;
  a.identity = Identity{*tenant, *user, device, breakwater::common::v1::DEVICE_KIND_CLIENT};
  a.expires_at_ms = claims->expires_at * 1000;
  a.revocation_epoch = claims->revocation_epoch ? static_cast<std::uint64_t>(*claims->revocation_epoch) : 0;
  return a;
}

Result<std::vector<PairingView>> AuthLink::pairings(const std::string& tenant, const std::string& device) {
  grpc::ClientContext ctx;
  impl_->deadline(ctx);
  av1::ListPairingsRequest req;
  req.set_tenant(tenant);
  req.set_device(device);
  req.set_include_revoked(false);
  av1::ListPairingsResponse answer;
  auto status = impl_->stub->ListPairings(&ctx, req, &answer);
  if (!status.ok()) return from_status(status, "pairings");
  std::vector<PairingView> out;
  for (const auto& p : answer.pairings()) {
    if (p.state() == av1::Pairing::REVOKED) continue;
    if (p.tenant() != tenant) continue;
    PairingView v;
    v.pairing_id = p.pairing_id();
    v.client_user = p.client_user();
    v.role = p.role();
    if (p.agent_device() == device) {
      v.peer = p.client_device();
    } else if (p.client_device() == device) {
      v.peer = p.agent_device();
      v.self_is_client = true;
    } else {
      continue;
    }
    out.push_back(std::move(v));
  }
  return out;
}

Result<std::uint64_t> AuthLink::revocation_epoch(const std::string& tenant, const std::string& user) {
  grpc::ClientContext ctx;
  impl_->deadline(ctx);
  av1::GetRevocationEpochRequest req;
  req.set_tenant(tenant);
  req.set_user(user);
  av1::GetRevocationEpochResponse answer;
  auto status = impl_->stub->GetRevocationEpoch(&ctx, req, &answer);
  if (!status.ok()) return from_status(status, "revocation epoch");
  return answer.revocation_epoch();
}

}  // namespace bw::relay
