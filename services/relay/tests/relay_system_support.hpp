// The world the relay system tests run in: a real redis-server, breakwater-ratelimit with
// a `relay` quota domain, breakwater-auth (internal API and public API) over a SQLite file
// seeded before it starts, and two breakwater-relay pods sharing the Redis. Agents connect
// with AgentStream (gRPC), clients with ClientStream (WebSocket); access tokens are minted
// by the test with the seeded signing key, exactly as auth would sign them.
//
// Seeded (tenant A): alice with agent A1 and client C1 (pairing P1, member), a second agent
// A2 paired only with alice's client C2 (pairing P2, member; the flood test's), vera (viewer) with client CV (pairing PV with A1, viewer); and
// (tenant B): bob with agent B1 and client CB (pairing PB, member).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "api/signing_keys.hpp"
#include "auth_system_support.hpp"
#include "bw/authcore/tokens.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"
#include "bw/e2e/session.hpp"
#include "bw/jwt/jwt.hpp"
#include "bw/relayclient/agent_stream.hpp"
#include "bw/relayclient/client_stream.hpp"
#include "bw/relayclient/convert.hpp"
#include "bw/testing/ports.hpp"
#include "store/store.hpp"

namespace bw::testing {

namespace rv1 = breakwater::relay::v1;
using auth::store::Id;

inline constexpr const char* kRelayKid = "relay-test-kid";
inline constexpr const char* kIssuer = "https://auth.relay.test";
inline const std::string kRelayKekHex(64, 'd');
inline constexpr auth::store::TimeMs kSeedT0 = 1'700'000'000'000;

inline std::string raw(const Id& id) { return std::string(id.begin(), id.end()); }
inline e2e::Id eid(const Id& id) {
  e2e::Id out{};
  std::copy(id.begin(), id.end(), out.begin());
  return out;
}
inline Id random_store_id() {
  Id id{};
  const auto r = crypto::random(16);
  std::copy(r.begin(), r.end(), id.begin());
  return id;
}
inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct RelaySeed {
  Id tenant_a, alice, vera, agent_a1, agent_a2, client_c1, client_c2, client_cv, pairing_p1, pairing_p2, pairing_pv;
  Id tenant_b, bob, agent_b1, client_cb, pairing_pb;
  std::string token_a1, token_a2, token_b1;
};

struct RelayPod {
  std::unique_ptr<RunningService> service;
  std::uint16_t ws_port = 0;
};

class RelaySystemFixture : public AuthSystemFixture {
 protected:
  static void SetUpTestSuite() {
    SystemFixture::SetUpTestSuite();
    make_suite_dir("bw-relay-system-", kRelayKekHex);
    if (HasFatalFailure()) return;
    const std::string db = (dir_->path() / "auth.db").string();
    seed_database(db);
    if (HasFatalFailure()) return;
    // A strict per-device rate so a flood is limited quickly; tenants are generous.
    start_ratelimit_and_auth(db, "domain: relay\n"
                                 "descriptors:\n"
                                 "  - key: tenant\n"
                                 "    rate_limit: {unit: second, requests_per_unit: 100000, algorithm: gcra, burst: 100000}\n"
                                 "    descriptors:\n"
                                 "      - key: device\n"
                                 "        rate_limit: {unit: minute, requests_per_unit: 60, algorithm: gcra, burst: 100}\n");
    if (HasFatalFailure()) return;
    for (int i = 0; i < 2; ++i) {
      auto pod = start_pod();
      ASSERT_TRUE(pod.service) << "relay pod " << i << " did not start";
      pods_.push_back(std::move(pod));
    }
  }
  static void TearDownTestSuite() {
    pods_.clear();
    AuthSystemFixture::TearDownTestSuite();
  }

  // ratelimit with the relay's quota rules `rules_yaml` (domain relay), then auth on the
  // seeded database `db` (also what the benchmarks start). A fatal failure when one does not.
  static void start_ratelimit_and_auth(const std::string& db, const std::string& rules_yaml) {
    rules_file_ = (dir_->path() / "relay-rules.yaml").string();
    std::ofstream(rules_file_) << rules_yaml;
    auto rl = start_service("ratelimit", {"BREAKWATER_RATELIMIT_LOCKOUT_ADDRESS_THRESHOLD=100000",
                                          "BREAKWATER_RATELIMIT_RULES_FILES=" + rules_file_});
    ASSERT_TRUE(rl) << rl.error().message;
    ratelimit_ = std::make_unique<RunningService>(std::move(rl.value()));
    port_ = free_loopback_port();
    auto env = public_auth_env(port_, kIssuer, kek_file_, db, "127.0.0.1:" + std::to_string(ratelimit_->grpc_port));
    auto auth = start_service("auth", std::move(env));
    ASSERT_TRUE(auth) << auth.error().message;
    auth_ = std::make_unique<RunningService>(std::move(auth.value()));
  }

  // What every pod needs: auth and ratelimit to call (quota never failing open) and a
  // WebSocket listener on `ws_port`. Timers stay the relay's defaults.
  static std::vector<std::string> pod_base_env(std::uint16_t ws_port) {
    return {
        "BREAKWATER_RELAY_AUTH_ADDRESS=127.0.0.1:" + std::to_string(auth_->grpc_port),
        "BREAKWATER_RELAY_AUTH_SERVER_NAME=localhost",
        std::string("BREAKWATER_RELAY_AUTH_ISSUER=") + kIssuer,
        "BREAKWATER_RELAY_RATELIMIT_ADDRESS=127.0.0.1:" + std::to_string(ratelimit_->grpc_port),
        "BREAKWATER_RELAY_RATELIMIT_SERVER_NAME=localhost",
        "BREAKWATER_RELAY_QUOTA_FAIL_OPEN=false",
        "BREAKWATER_RELAY_WS_LISTEN=127.0.0.1:" + std::to_string(ws_port),
    };
  }

  // A relay pod with short timers so re-checks and pings happen within a test.
  static RelayPod start_pod(std::vector<std::string> extra = {}) {
    RelayPod pod;
    pod.ws_port = free_loopback_port();
    std::vector<std::string> env = pod_base_env(pod.ws_port);
    env.insert(env.end(), {
        "BREAKWATER_RELAY_WS_ALLOWED_ORIGINS=https://app.breakwater.test",
        "BREAKWATER_RELAY_MAX_ENVELOPE_BYTES=65536",
        "BREAKWATER_RELAY_RECHECK_INTERVAL=500ms",
        "BREAKWATER_RELAY_PING_INTERVAL=1s",
        "BREAKWATER_RELAY_IDLE_TIMEOUT=20s",
        "BREAKWATER_RELAY_DRAIN_GRACE=300ms",
    });
    env.insert(env.end(), extra.begin(), extra.end());
    auto svc = start_service("relay", env);
    if (!svc) {
      ADD_FAILURE() << svc.error().message;
      return pod;
    }
    pod.service = std::make_unique<RunningService>(std::move(svc.value()));
    return pod;
  }

  static std::string ws_url(const RelayPod& pod) { return "wss://localhost:" + std::to_string(pod.ws_port) + "/v1/connect"; }

  // An access token for `user` as auth would sign it (`lifetime_s`, epoch `rev`), issued
  // `age_s` seconds ago (an old enough one has expired).
  static std::string access_token(const Id& tenant, const Id& user, std::int64_t rev = 0,
                                  std::int64_t lifetime_s = 240, const Bytes* seed = nullptr,
                                  std::int64_t age_s = 5) {
    auto key = jwt::SigningKey::from_seed(kRelayKid, seed ? *seed : seed_key_);
    EXPECT_TRUE(key);
    jwt::Claims c;
    c.issuer = kIssuer;
    c.audience = {"breakwater"};
    c.subject = crypto::hex_encode(ByteView(user));
    c.tenant = crypto::hex_encode(ByteView(tenant));
    c.role = "member";
    c.session = crypto::hex_encode(crypto::random(16));
    c.token_id = crypto::hex_encode(crypto::random(16));
    c.issued_at = now_ms() / 1000 - age_s;
    c.expires_at = c.issued_at + lifetime_s;
    c.revocation_epoch = rev;
    c.auth_methods = {"pwd"};
    auto t = jwt::sign(*key, c, jwt::TokenKind::kAccess);
    EXPECT_TRUE(t) << (t ? "" : t.error().message);
    return t ? *t : std::string();
  }

  static Result<std::unique_ptr<relayclient::AgentStream>> connect_agent(const RelayPod& pod, const std::string& token,
                                                                         rv1::MailboxOffset resume = {}) {
    relayclient::StreamOptions o;
    o.target = "127.0.0.1:" + std::to_string(pod.service->grpc_port);
    o.ca_file = ca_file();
    o.server_name = "localhost";
    rv1::Hello h;
    h.set_device_token(token);
    h.set_protocol_version(1);
    *h.mutable_resume_after() = resume;
    return relayclient::AgentStream::open(o, h);
  }

  static Result<std::unique_ptr<relayclient::ClientStream>> connect_client(const RelayPod& pod, const std::string& token,
                                                                           const Id& device,
                                                                           rv1::MailboxOffset resume = {}) {
    relayclient::ClientStreamOptions o;
    o.url = ws_url(pod);
    o.ca_file = ca_file();
    rv1::ClientHello h;
    h.set_access_token(token);
    h.set_device(raw(device));
    h.set_protocol_version(1);
    *h.mutable_resume_after() = resume;
    return relayclient::ClientStream::open(o, h);
  }

  // A raw envelope with random ciphertext: what the relay checks, without the crypto.
  static rv1::Envelope envelope(const Id& from, const Id& to, rv1::Kind kind, std::size_t bytes = 272) {
    rv1::Envelope e;
    e.set_version(1);
    e.set_sender(raw(from));
    e.set_recipient(raw(to));
    e.set_epoch(std::string(7, '\0') + "\x01" + std::string(8, 'r'));
    e.set_seq(1);
    const auto n = crypto::random(16);
    e.set_nonce(std::string(n.begin(), n.end()));
    e.set_sent_at_ms(static_cast<std::uint64_t>(now_ms()));
    e.set_kind(kind);
    const auto c = crypto::random(bytes);
    e.set_ciphertext(std::string(c.begin(), c.end()));
    return e;
  }

  static void seed_database(const std::string& db) {
    using auth::store::DeviceKind;
    using auth::store::Role;
    auto opened = auth::store::open_store({.database_url = "", .sqlite_path = db}, kSeedT0);
    ASSERT_TRUE(opened) << opened.error().message;
    auto& s = **opened;
    auto ring = auth::api::kek_from_file_text("kek1", kRelayKekHex);
    ASSERT_TRUE(ring);
    seed_key_ = crypto::random(32);
    auto row = auth::api::seal_signing_key(*ring, kRelayKid, seed_key_, kSeedT0);
    ASSERT_TRUE(row);
    ASSERT_TRUE(s.rotate_signing_key(*row));
    auto& x = seed_;
    const Bytes pk = crypto::random(32);
    auto tenant = [&](const std::string& stem, Id& owner) {
      auth::store::Tenant t{random_store_id(), stem + "-" + crypto::hex_encode(crypto::random(3)), stem, false, kSeedT0};
      auth::store::User u{t.id, random_store_id(), "owner", "owner@example.com", Role::kOwner, "$argon2id$x", 0, kSeedT0};
      EXPECT_TRUE(s.create_tenant_with_owner(t, u));
      owner = u.id;
      return t.id;
    };
    auto device = [&](const Id& t, const Id& user, DeviceKind kind) {
      auth::store::Device d{t, random_store_id(), user, kind, "d", {}, kSeedT0};
      if (kind == DeviceKind::kClient) d.public_key = pk;
      EXPECT_TRUE(s.create_device(d));
      return d.id;
    };
    auto token = [&](const Id& t, const Id& user, const Id& dev) {
      const std::string tok = authcore::generate_token(authcore::TokenKind::kDevice);
      EXPECT_TRUE(s.create_device_token(t, user, dev, authcore::token_hash(tok), kSeedT0));
      return tok;
    };
    auto pair = [&](const Id& t, const Id& agent, const Id& client, const Id& user, Role role) {
      const auto code = crypto::random(32);
      auth::store::PairingOffer offer{t, random_store_id(), agent, role, code, kSeedT0, kSeedT0 + 300'000, 3};
      EXPECT_TRUE(s.create_pairing_offer(offer));
      auto claimed = s.claim_pairing_offer(t, offer.id, {client, user, pk, code}, kSeedT0 + 1);
      EXPECT_TRUE(claimed && claimed->outcome == auth::store::ClaimOutcome::kClaimed);
      return offer.id;
    };
    x.tenant_a = tenant("alpha", x.alice);
    x.agent_a1 = device(x.tenant_a, x.alice, DeviceKind::kAgent);
    x.agent_a2 = device(x.tenant_a, x.alice, DeviceKind::kAgent);
    x.client_c1 = device(x.tenant_a, x.alice, DeviceKind::kClient);
    x.token_a1 = token(x.tenant_a, x.alice, x.agent_a1);
    x.token_a2 = token(x.tenant_a, x.alice, x.agent_a2);
    x.pairing_p1 = pair(x.tenant_a, x.agent_a1, x.client_c1, x.alice, Role::kMember);
    x.client_c2 = device(x.tenant_a, x.alice, DeviceKind::kClient);
    x.pairing_p2 = pair(x.tenant_a, x.agent_a2, x.client_c2, x.alice, Role::kMember);
    auth::store::User vera{x.tenant_a, random_store_id(), "vera", "vera@example.com", Role::kViewer, "$argon2id$x", 0,
                           kSeedT0};
    ASSERT_TRUE(s.create_user(vera));
    x.vera = vera.id;
    x.client_cv = device(x.tenant_a, x.vera, DeviceKind::kClient);
    x.pairing_pv = pair(x.tenant_a, x.agent_a1, x.client_cv, x.vera, Role::kViewer);
    x.tenant_b = tenant("bravo", x.bob);
    x.agent_b1 = device(x.tenant_b, x.bob, DeviceKind::kAgent);
    x.client_cb = device(x.tenant_b, x.bob, DeviceKind::kClient);
    x.token_b1 = token(x.tenant_b, x.bob, x.agent_b1);
    x.pairing_pb = pair(x.tenant_b, x.agent_b1, x.client_cb, x.bob, Role::kMember);
  }

  static inline RelaySeed seed_;
  static inline Bytes seed_key_;
  static inline std::string rules_file_;
  static inline std::vector<RelayPod> pods_;
};

}  // namespace bw::testing
