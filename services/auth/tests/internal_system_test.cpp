// breakwater.auth.v1.AuthInternal end to end: the real breakwater-auth binary with only a
// database configured (no public API), called over mutual TLS with the suite's operator
// certificate. The suite seeds two tenants, their devices, tokens and pairings straight
// into the SQLite file before the service starts, so every answer is known in advance.
#include <gtest/gtest.h>

#include <set>

#include "api/signing_keys.hpp"
#include "auth_system_support.hpp"
#include "breakwater/auth/v1/auth.grpc.pb.h"
#include "bw/authcore/tokens.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"
#include "bw/service/grpc_channel.hpp"
#include "bw/testing/temp_dir.hpp"
#include "store/store.hpp"
#include "tls_probe.hpp"

namespace bw::testing {
namespace {

namespace v1 = breakwater::auth::v1;
namespace common = breakwater::common::v1;
using auth::store::Id;

constexpr const char* kKid = "internal-kid-1";
const std::string kKekHex(64, 'c');
constexpr auth::store::TimeMs kT0 = 1'700'000'000'000;

std::string raw(const Id& id) { return std::string(id.begin(), id.end()); }

Id random_id() {
  Id id{};
  const auto r = crypto::random(16);
  std::copy(r.begin(), r.end(), id.begin());
  return id;
}

// What the suite seeded: tenant A (alice: agent, two clients, one live and one revoked
// pairing; a revoked agent; carol, disabled, with an agent) and tenant B (bob: agent, client,
// pairing).
struct Seed {
  Id tenant_a, alice, agent_a, client_a, client_a2, pairing_a, pairing_a_revoked, carol;
  Id pairing_viewer_admin_offer, pairing_disabled_user;
  Id tenant_b, bob, agent_b, client_b, pairing_b;
  std::string token_a, token_revoked, token_disabled, token_b;
  Bytes public_key;
};

class InternalApiSystem : public AuthSystemFixture {
 protected:
  static void SetUpTestSuite() {
    SystemFixture::SetUpTestSuite();
    make_suite_dir("bw-auth-internal-", kKekHex);
    if (HasFatalFailure()) return;
    const std::string db = (dir_->path() / "auth.db").string();
    seed_database(db);
    if (HasFatalFailure()) return;
    auto svc = start_service("auth", {"BREAKWATER_AUTH_SQLITE_PATH=" + db, "BREAKWATER_AUTH_KEK_FILE=" + kek_file_});
    ASSERT_TRUE(svc) << svc.error().message;
    auth_ = std::make_unique<RunningService>(std::move(svc.value()));
    service::ChannelOptions o{.target = "127.0.0.1:" + std::to_string(auth_->grpc_port), .tls = operator_tls(),
                              .server_name = "localhost"};
    auto channel = service::make_channel(o);
    ASSERT_TRUE(channel) << channel.error().message;
    stub_ = v1::AuthInternal::NewStub(channel.value());
  }
  static void TearDownTestSuite() {
    stub_.reset();
    AuthSystemFixture::TearDownTestSuite();
  }

  static std::string device_token(auth::store::Store& s, const Id& tenant, const Id& user, const Id& device) {
    const std::string token = authcore::generate_token(authcore::TokenKind::kDevice);
    const auto hash = authcore::token_hash(token);
    EXPECT_TRUE(s.create_device_token(tenant, user, device, hash, kT0));
    return token;
  }
  static Id device(auth::store::Store& s, const Id& tenant, const Id& user, auth::store::DeviceKind kind) {
    auth::store::Device d{tenant, random_id(), user, kind, "d", {}, kT0};
    if (kind == auth::store::DeviceKind::kClient) d.public_key = seed_.public_key;
    EXPECT_TRUE(s.create_device(d));
    return d.id;
  }
  static Id pair(auth::store::Store& s, const Id& tenant, const Id& agent, const Id& client, const Id& user,
                 auth::store::Role role = auth::store::Role::kViewer) {
    const auto code = crypto::random(32);
    auth::store::PairingOffer offer{tenant, random_id(), agent, role, code, kT0, kT0 + 300'000, 3};
    EXPECT_TRUE(s.create_pairing_offer(offer));
    auto claimed = s.claim_pairing_offer(tenant, offer.id, {client, user, seed_.public_key, code}, kT0 + 1);
    EXPECT_TRUE(claimed && claimed->outcome == auth::store::ClaimOutcome::kClaimed);
    return offer.id;
  }
  static Id tenant(auth::store::Store& s, const std::string& stem, Id& owner) {
    auth::store::Tenant t{random_id(), stem + "-" + crypto::hex_encode(crypto::random(3)), stem, false, kT0};
    auth::store::User u{t.id, random_id(), "owner", "owner@example.com", auth::store::Role::kOwner, "$argon2id$x", 0, kT0};
    EXPECT_TRUE(s.create_tenant_with_owner(t, u));
    owner = u.id;
    return t.id;
  }

  static void seed_database(const std::string& db) {
    using auth::store::DeviceKind;
    auto opened = auth::store::open_store({.database_url = "", .sqlite_path = db}, kT0);
    ASSERT_TRUE(opened) << opened.error().message;
    auto& s = **opened;
    auto ring = auth::api::kek_from_file_text("kek1", kKekHex);
    ASSERT_TRUE(ring);
    seed_key_ = crypto::random(32);
    auto row = auth::api::seal_signing_key(*ring, kKid, seed_key_, kT0);
    ASSERT_TRUE(row);
    ASSERT_TRUE(s.rotate_signing_key(*row));
    Seed& x = seed_;
    x.public_key = crypto::random(32);
    x.tenant_a = tenant(s, "alpha", x.alice);
    x.agent_a = device(s, x.tenant_a, x.alice, DeviceKind::kAgent);
    x.client_a = device(s, x.tenant_a, x.alice, DeviceKind::kClient);
    x.client_a2 = device(s, x.tenant_a, x.alice, DeviceKind::kClient);
    x.token_a = device_token(s, x.tenant_a, x.alice, x.agent_a);
    x.pairing_a = pair(s, x.tenant_a, x.agent_a, x.client_a, x.alice);
    x.pairing_a_revoked = pair(s, x.tenant_a, x.agent_a, x.client_a2, x.alice);
    ASSERT_TRUE(s.revoke_pairing(x.tenant_a, x.pairing_a_revoked, kT0 + 5));
    const Id gone = device(s, x.tenant_a, x.alice, DeviceKind::kAgent);
    x.token_revoked = device_token(s, x.tenant_a, x.alice, gone);
    ASSERT_TRUE(s.revoke_device(x.tenant_a, gone, kT0 + 6));
    auth::store::User carol{x.tenant_a, random_id(), "carol", "carol@example.com", auth::store::Role::kMember,
                            "$argon2id$x", 0, kT0};
    ASSERT_TRUE(s.create_user(carol));
    x.carol = carol.id;
    x.token_disabled = device_token(s, x.tenant_a, carol.id, device(s, x.tenant_a, carol.id, DeviceKind::kAgent));
    x.pairing_disabled_user =
        pair(s, x.tenant_a, x.agent_a, device(s, x.tenant_a, carol.id, DeviceKind::kClient), carol.id);
    ASSERT_TRUE(s.disable_user(x.tenant_a, carol.id, kT0 + 7));
    // A viewer who claimed an offer granting admin.
    auth::store::User vera{x.tenant_a, random_id(), "vera", "vera@example.com", auth::store::Role::kViewer,
                           "$argon2id$x", 0, kT0};
    ASSERT_TRUE(s.create_user(vera));
    x.pairing_viewer_admin_offer = pair(s, x.tenant_a, x.agent_a, device(s, x.tenant_a, vera.id, DeviceKind::kClient),
                                        vera.id, auth::store::Role::kAdmin);
    ASSERT_TRUE(s.bump_revoke_epoch(x.tenant_a, x.alice, kT0 + 8));  // alice's epoch: 1
    x.tenant_b = tenant(s, "bravo", x.bob);
    x.agent_b = device(s, x.tenant_b, x.bob, DeviceKind::kAgent);
    x.client_b = device(s, x.tenant_b, x.bob, DeviceKind::kClient);
    x.token_b = device_token(s, x.tenant_b, x.bob, x.agent_b);
    x.pairing_b = pair(s, x.tenant_b, x.agent_b, x.client_b, x.bob);
  }

  static grpc::Status validate(const std::string& token, const std::string& expected, v1::DeviceIdentity& out) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::ValidateDeviceTokenRequest req;
    req.set_device_token(token);
    req.set_expected_tenant(expected);
    return stub_->ValidateDeviceToken(&ctx, req, &out);
  }
  static grpc::Status lookup(const v1::LookupPairingRequest& req, v1::Pairing& out) {
    grpc::ClientContext ctx;
    return stub_->LookupPairing(&ctx, req, &out);
  }
  static v1::LookupPairingRequest by_id(const std::string& tenant, const std::string& id) {
    v1::LookupPairingRequest req;
    req.set_tenant(tenant);
    req.set_pairing_id(id);
    return req;
  }
  static v1::LookupPairingRequest by_devices(const std::string& tenant, const std::string& agent,
                                             const std::string& client) {
    v1::LookupPairingRequest req;
    req.set_tenant(tenant);
    req.mutable_devices()->set_agent_device(agent);
    req.mutable_devices()->set_client_device(client);
    return req;
  }
  static grpc::Status list(const std::string& tenant, const std::string& device, bool revoked,
                           v1::ListPairingsResponse& out) {
    grpc::ClientContext ctx;
    v1::ListPairingsRequest req;
    req.set_tenant(tenant);
    req.set_device(device);
    req.set_include_revoked(revoked);
    return stub_->ListPairings(&ctx, req, &out);
  }
  static grpc::Status epoch(const std::string& tenant, const std::string& user, std::uint64_t& out) {
    grpc::ClientContext ctx;
    v1::GetRevocationEpochRequest req;
    req.set_tenant(tenant);
    req.set_user(user);
    v1::GetRevocationEpochResponse res;
    auto st = stub_->GetRevocationEpoch(&ctx, req, &res);
    out = res.revocation_epoch();
    return st;
  }

  static inline std::unique_ptr<v1::AuthInternal::Stub> stub_;
  static inline Seed seed_;
  static inline Bytes seed_key_;
};

TEST_F(InternalApiSystem, ValidateDeviceTokenResolvesALiveTokenToItsIdentity) {
  v1::DeviceIdentity id;
  auto st = validate(seed_.token_a, "", id);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(id.tenant(), raw(seed_.tenant_a));
  EXPECT_EQ(id.user(), raw(seed_.alice));
  EXPECT_EQ(id.device(), raw(seed_.agent_a));
  EXPECT_EQ(id.kind(), common::DEVICE_KIND_AGENT);
  EXPECT_EQ(id.role(), common::ROLE_OWNER);
  EXPECT_EQ(id.revocation_epoch(), 1u);
  EXPECT_FALSE(id.has_expires_at());
  v1::DeviceIdentity same;
  EXPECT_TRUE(validate(seed_.token_a, raw(seed_.tenant_a), same).ok()) << "the right expected_tenant passes";
}

TEST_F(InternalApiSystem, EveryRefusedTokenGetsTheSameUnauthenticatedAnswer) {
  v1::DeviceIdentity id;
  const auto unknown = authcore::generate_token(authcore::TokenKind::kDevice);
  const auto refresh_shaped = authcore::generate_token(authcore::TokenKind::kRefresh);
  std::vector<std::pair<std::string, grpc::Status>> refused = {
      {"wrong expected_tenant", validate(seed_.token_a, raw(seed_.tenant_b), id)},
      {"other tenant's token", validate(seed_.token_b, raw(seed_.tenant_a), id)},
      {"revoked device", validate(seed_.token_revoked, "", id)},
      {"disabled user", validate(seed_.token_disabled, "", id)},
      {"unknown", validate(unknown, "", id)},
      {"wrong kind", validate(refresh_shaped, "", id)},
      {"garbage", validate("not a token", "", id)},
  };
  for (const auto& [what, st] : refused) {
    EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED) << what;
    EXPECT_EQ(st.error_message(), refused.front().second.error_message()) << what;
    EXPECT_EQ(st.error_message().find("bwdt_"), std::string::npos) << what;
  }
  EXPECT_TRUE(id.tenant().empty()) << "nothing is filled in for a refused token";
}

TEST_F(InternalApiSystem, MalformedRequestsAreInvalidArgument) {
  v1::DeviceIdentity id;
  EXPECT_EQ(validate("", "", id).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(validate(std::string(257, 'a'), "", id).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(validate(seed_.token_a, raw(seed_.tenant_a).substr(0, 15), id).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::Pairing p;
  const std::string t = raw(seed_.tenant_a);
  for (const auto& req : {by_id(t.substr(1), raw(seed_.pairing_a)), by_id(t, raw(seed_.pairing_a) + "x"), by_id(t, ""),
                          by_devices(t, raw(seed_.agent_a).substr(2), raw(seed_.client_a)),
                          by_devices(t, raw(seed_.agent_a), ""), v1::LookupPairingRequest{}}) {
    EXPECT_EQ(lookup(req, p).error_code(), grpc::StatusCode::INVALID_ARGUMENT) << req.ShortDebugString();
  }
  v1::LookupPairingRequest no_key;
  no_key.set_tenant(t);
  EXPECT_EQ(lookup(no_key, p).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::ListPairingsResponse l;
  EXPECT_EQ(list(t, raw(seed_.agent_a).substr(1), false, l).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(list(t + "?", raw(seed_.agent_a), false, l).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::uint64_t e = 0;
  EXPECT_EQ(epoch(t, std::string(17, 'u'), e).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(epoch("", raw(seed_.alice), e).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(InternalApiSystem, GetKeySetPublishesTheSigningKey) {
  grpc::ClientContext ctx;
  v1::KeySet keys;
  auto st = stub_->GetKeySet(&ctx, v1::GetKeySetRequest{}, &keys);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(keys.keys_size(), 1);
  EXPECT_EQ(keys.keys(0).kid(), kKid);
  EXPECT_EQ(keys.keys(0).status(), v1::SigningKey::ACTIVE);
  auto pub = crypto::ed25519_public_from_seed(seed_key_);
  ASSERT_TRUE(pub);
  EXPECT_EQ(keys.keys(0).public_key(), std::string(pub->begin(), pub->end()));
  EXPECT_EQ(keys.max_age().seconds(), 300);
}

TEST_F(InternalApiSystem, LookupPairingByIdAndByDevicesInsideTheTenantOnly) {
  const std::string a = raw(seed_.tenant_a), b = raw(seed_.tenant_b);
  v1::Pairing p;
  ASSERT_TRUE(lookup(by_id(a, raw(seed_.pairing_a)), p).ok());
  EXPECT_EQ(p.pairing_id(), raw(seed_.pairing_a));
  EXPECT_EQ(p.tenant(), a);
  EXPECT_EQ(p.agent_device(), raw(seed_.agent_a));
  EXPECT_EQ(p.client_device(), raw(seed_.client_a));
  EXPECT_EQ(p.client_user(), raw(seed_.alice));
  EXPECT_EQ(p.role(), common::ROLE_VIEWER) << "the offer's role, as claimed";
  EXPECT_EQ(p.state(), v1::Pairing::ACTIVE);
  EXPECT_EQ(p.client_public_key(), std::string(seed_.public_key.begin(), seed_.public_key.end()));
  EXPECT_EQ(p.created_at().seconds(), (kT0 + 1) / 1000);
  EXPECT_FALSE(p.has_revoked_at());
  v1::Pairing q;
  ASSERT_TRUE(lookup(by_devices(a, raw(seed_.agent_a), raw(seed_.client_a)), q).ok());
  EXPECT_EQ(q.pairing_id(), raw(seed_.pairing_a));
  v1::Pairing r;
  ASSERT_TRUE(lookup(by_devices(a, raw(seed_.agent_a), raw(seed_.client_a2)), r).ok());
  EXPECT_EQ(r.state(), v1::Pairing::REVOKED);
  EXPECT_TRUE(r.has_revoked_at());

  // Another tenant's pairing is NOT_FOUND exactly like one that does not exist.
  const auto missing = lookup(by_id(a, raw(random_id())), p);
  ASSERT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  for (const auto& req : {by_id(a, raw(seed_.pairing_b)), by_id(b, raw(seed_.pairing_a)),
                          by_devices(b, raw(seed_.agent_a), raw(seed_.client_a)),
                          by_devices(a, raw(seed_.agent_b), raw(seed_.client_b)),
                          by_devices(a, raw(seed_.client_a), raw(seed_.agent_a))}) {
    const auto st = lookup(req, p);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND) << req.ShortDebugString();
    EXPECT_EQ(st.error_message(), missing.error_message());
  }
}

TEST_F(InternalApiSystem, APairingSpeaksWithNoMoreThanItsClientUsersCurrentRole) {
  const std::string a = raw(seed_.tenant_a);
  v1::Pairing p;
  ASSERT_TRUE(lookup(by_id(a, raw(seed_.pairing_viewer_admin_offer)), p).ok());
  EXPECT_EQ(p.role(), common::ROLE_VIEWER) << "the offer said admin; the claimer is a viewer";
  EXPECT_EQ(p.state(), v1::Pairing::ACTIVE);
  v1::Pairing q;
  ASSERT_TRUE(lookup(by_id(a, raw(seed_.pairing_disabled_user)), q).ok());
  EXPECT_EQ(q.state(), v1::Pairing::REVOKED) << "its client user is disabled";
  EXPECT_EQ(q.revoked_at().seconds(), (kT0 + 7) / 1000);
}

TEST_F(InternalApiSystem, ListPairingsOfADeviceInsideTheTenantOnly) {
  const std::string a = raw(seed_.tenant_a), b = raw(seed_.tenant_b);
  v1::ListPairingsResponse live, all, client;
  ASSERT_TRUE(list(a, raw(seed_.agent_a), false, live).ok());
  // Live: alice's and vera's; carol's counts as revoked (carol is disabled).
  ASSERT_EQ(live.pairings_size(), 2);
  std::set<std::string> live_ids;
  for (const auto& lp : live.pairings()) {
    live_ids.insert(lp.pairing_id());
    if (lp.pairing_id() == raw(seed_.pairing_viewer_admin_offer)) {
      EXPECT_EQ(lp.role(), common::ROLE_VIEWER);
    }
  }
  EXPECT_EQ(live_ids, (std::set<std::string>{raw(seed_.pairing_a), raw(seed_.pairing_viewer_admin_offer)}));
  ASSERT_TRUE(list(a, raw(seed_.agent_a), true, all).ok());
  EXPECT_EQ(all.pairings_size(), 4);
  ASSERT_TRUE(list(a, raw(seed_.client_a), false, client).ok()) << "a client device lists its pairings too";
  EXPECT_EQ(client.pairings_size(), 1);
  v1::ListPairingsResponse none;
  const auto missing = list(a, raw(random_id()), true, none);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  for (const auto& [tenant, device] : {std::pair{b, raw(seed_.agent_a)}, std::pair{a, raw(seed_.agent_b)}}) {
    const auto st = list(tenant, device, true, none);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(st.error_message(), missing.error_message());
  }
  EXPECT_EQ(none.pairings_size(), 0);
}

TEST_F(InternalApiSystem, GetRevocationEpochInsideTheTenantOnly) {
  std::uint64_t e = 99;
  ASSERT_TRUE(epoch(raw(seed_.tenant_a), raw(seed_.alice), e).ok());
  EXPECT_EQ(e, 1u);
  ASSERT_TRUE(epoch(raw(seed_.tenant_b), raw(seed_.bob), e).ok());
  EXPECT_EQ(e, 0u);
  ASSERT_TRUE(epoch(raw(seed_.tenant_a), raw(seed_.carol), e).ok());
  EXPECT_EQ(e, 1u) << "disabling bumps the epoch";
  EXPECT_EQ(epoch(raw(seed_.tenant_b), raw(seed_.alice), e).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(epoch(raw(seed_.tenant_a), raw(random_id()), e).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(InternalApiSystem, CallersWithoutAClusterCertificateAreRefused) {
  service::ChannelOptions o{.target = "127.0.0.1:" + std::to_string(auth_->grpc_port),
                            .tls = {"", "", ca_file()}, .mutual = false, .server_name = "localhost"};
  auto channel = service::make_channel(o);
  ASSERT_TRUE(channel) << channel.error().message;
  auto stub = v1::AuthInternal::NewStub(channel.value());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::KeySet keys;
  EXPECT_FALSE(stub->GetKeySet(&ctx, v1::GetKeySetRequest{}, &keys).ok());
  EXPECT_EQ(keys.keys_size(), 0);
}

TEST_F(InternalApiSystem, OutcomesAreCountedWithoutIdsAndNoTokenIsLogged) {
  v1::DeviceIdentity id;
  ASSERT_EQ(validate(seed_.token_a, raw(seed_.tenant_b), id).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  const auto metrics = https_get(auth_->ops_port, ca_file(), "/metrics").body;
  EXPECT_NE(metrics.find("breakwater_auth_internal_requests_total{method=\"validate_device_token\",result=\"wrong_tenant\"}"),
            std::string::npos) << metrics.substr(0, 2000);
  EXPECT_NE(metrics.find("method=\"lookup_pairing\""), std::string::npos);
  EXPECT_EQ(metrics.find(crypto::hex_encode(ByteView(seed_.tenant_a.data(), 16))), std::string::npos);
  const std::string log = auth_->process.output();
  for (const auto& token : {seed_.token_a, seed_.token_b, seed_.token_revoked}) {
    EXPECT_EQ(log.find(token.substr(5)), std::string::npos);
  }
}

}  // namespace
}  // namespace bw::testing
