// Store contract, part 2: devices and device tokens, pairing, device grants, signing keys,
// and tenant isolation across every method that takes an id.
#include <atomic>
#include <thread>
#include <vector>

#include "store_fixture.hpp"

namespace bw::auth::store::testing {
namespace {

TEST_P(StoreTest, DevicesAreCreatedListedRenamedAndRevoked) {
  const Device agent = seed_device(tenant_, owner_, DeviceKind::kAgent, "laptop");
  const Device client = seed_device(tenant_, owner_, DeviceKind::kClient, "phone");
  auto got = store().get_device(tenant_, client.id);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->kind, DeviceKind::kClient);
  EXPECT_EQ(got->public_key, client.public_key);
  EXPECT_EQ(store().get_device(tenant_, agent.id)->public_key, Bytes{});
  ASSERT_TRUE(store().rename_device(tenant_, agent.id, "work laptop").ok());
  EXPECT_EQ(store().get_device(tenant_, agent.id)->name, "work laptop");
  ASSERT_TRUE(store().revoke_device(tenant_, agent.id, kT0 + 7).ok());
  auto list = store().list_devices(tenant_, owner_);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  for (const Device& d : *list) EXPECT_EQ(d.revoked_at.has_value(), d.id == agent.id);
  EXPECT_ERRC(store().create_device(agent), Errc::kConflict);
}

TEST_P(StoreTest, ADeviceForAUserOfAnotherTenantIsRefused) {
  const Id other = seed_tenant("globex");
  Device d{other, new_id(), owner_, DeviceKind::kAgent, "x", {}, kT0};
  EXPECT_ERRC(store().create_device(d), Errc::kConstraint);
}

TEST_P(StoreTest, DeviceTokensAreBoundToTenantAndDeviceAndDieWithTheDevice) {
  const Device agent = seed_device(tenant_, owner_, DeviceKind::kAgent, "laptop");
  const Device other = seed_device(tenant_, owner_, DeviceKind::kAgent, "desktop");
  const Bytes token = new_hash();
  ASSERT_TRUE(store().create_device_token(tenant_, owner_, agent.id, token, kT0).ok());
  EXPECT_EQ(*store().check_device_token(tenant_, agent.id, token), owner_);
  EXPECT_ERRC(store().check_device_token(tenant_, other.id, token), Errc::kNotFound);
  ASSERT_TRUE(store().revoke_device(tenant_, agent.id, kT0 + 1).ok());
  EXPECT_ERRC(store().check_device_token(tenant_, agent.id, token), Errc::kNotFound);
}

TEST_P(StoreTest, ADeviceTokenIsFoundByItsHashAloneWhileEverythingIsLive) {
  const Device agent = seed_device(tenant_, owner_, DeviceKind::kAgent, "laptop");
  const Bytes token = new_hash();
  ASSERT_TRUE(store().create_device_token(tenant_, owner_, agent.id, token, kT0).ok());
  auto found = store().find_device_token(token);
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->tenant_id, tenant_);
  EXPECT_EQ(found->user_id, owner_);
  EXPECT_EQ(found->device_id, agent.id);
  EXPECT_EQ(found->kind, DeviceKind::kAgent);
  EXPECT_ERRC(store().find_device_token(new_hash()), Errc::kNotFound);
  User member{tenant_, new_id(), "member", "member@acme.example", Role::kMember, "phc", 0, kT0};
  ASSERT_TRUE(store().create_user(member).ok());
  const Device theirs = seed_device(tenant_, member.id, DeviceKind::kAgent, "theirs");
  const Bytes their_token = new_hash();
  ASSERT_TRUE(store().create_device_token(tenant_, member.id, theirs.id, their_token, kT0).ok());
  ASSERT_TRUE(store().find_device_token(their_token).ok());
  ASSERT_TRUE(store().disable_user(tenant_, member.id, kT0 + 1).ok());
  // A disabled user's devices speak for nobody.
  EXPECT_ERRC(store().find_device_token(their_token), Errc::kNotFound);
  ASSERT_TRUE(store().revoke_device(tenant_, agent.id, kT0 + 2).ok());
  EXPECT_ERRC(store().find_device_token(token), Errc::kNotFound);
}

TEST_P(StoreTest, ErrorsNeverEchoTheValuesWritten) {
  const Device agent = seed_device(tenant_, owner_, DeviceKind::kAgent, "laptop");
  const Bytes token = to_bytes("SECRET-TOKEN-HASH-0123456789abcdef");
  ASSERT_TRUE(store().create_device_token(tenant_, owner_, agent.id, token, kT0).ok());
  auto dup = store().create_device_token(tenant_, owner_, agent.id, token, kT0);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, static_cast<int>(Errc::kConflict));
  EXPECT_EQ(dup.error().message.find("SECRET"), std::string::npos) << dup.error().message;
  EXPECT_EQ(dup.error().message.find("5345435245"), std::string::npos) << dup.error().message;
}

TEST_P(PairingTest, AClaimRecordsThePairingWithTheOffersRole) {
  auto r = store().claim_pairing_offer(tenant_, offer_.id, claim(code_), kT0 + 1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->outcome, ClaimOutcome::kClaimed);
  auto p = store().get_pairing(tenant_, offer_.id);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->role, Role::kViewer);
  EXPECT_EQ(p->agent_device_id, agent_.id);
  EXPECT_EQ(p->client_device_id, client_.id);
  EXPECT_EQ(p->client_user_id, owner_);
  EXPECT_EQ(p->client_public_key, client_.public_key);
  EXPECT_EQ(store().claim_pairing_offer(tenant_, offer_.id, claim(code_), kT0 + 2)->outcome,
            ClaimOutcome::kAlreadyClaimed);
  auto listed = store().list_pairings(tenant_, agent_.id);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, offer_.id);
  EXPECT_EQ(store().list_pairings(tenant_, client_.id)->size(), 1u);
  EXPECT_TRUE(store().list_pairings(seed_tenant("other-list"), agent_.id)->empty()) << "scoped by tenant";
  ASSERT_TRUE(store().revoke_pairing(tenant_, offer_.id, kT0 + 3).ok());
  EXPECT_EQ(store().get_pairing(tenant_, offer_.id)->revoked_at, kT0 + 3);
}

TEST_P(PairingTest, AnOfferReadsBackWithItsAttemptsAndClaim) {
  auto fresh = store().get_pairing_offer(tenant_, offer_.id);
  ASSERT_TRUE(fresh.ok()) << fresh.error().message;
  EXPECT_EQ(fresh->offer.agent_device_id, agent_.id);
  EXPECT_EQ(fresh->offer.role, Role::kViewer);
  EXPECT_EQ(fresh->offer.code_hash, code_);
  EXPECT_EQ(fresh->offer.expires_at, offer_.expires_at);
  EXPECT_EQ(fresh->offer.max_attempts, 3);
  EXPECT_EQ(fresh->attempts, 0);
  EXPECT_FALSE(fresh->claimed_at.has_value());
  ASSERT_EQ(store().claim_pairing_offer(tenant_, offer_.id, claim(new_hash()), kT0 + 1)->outcome,
            ClaimOutcome::kWrongCode);
  ASSERT_EQ(store().claim_pairing_offer(tenant_, offer_.id, claim(code_), kT0 + 2)->outcome, ClaimOutcome::kClaimed);
  auto after = store().get_pairing_offer(tenant_, offer_.id);
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->attempts, 1);
  EXPECT_EQ(after->claimed_at, kT0 + 2);
  EXPECT_ERRC(store().get_pairing_offer(seed_tenant("other-offer"), offer_.id), Errc::kNotFound);
  EXPECT_ERRC(store().get_pairing_offer(tenant_, new_id()), Errc::kNotFound);
}

TEST_P(PairingTest, AnOfferCannotGrantOwner) {
  PairingOffer o = make_offer(tenant_, agent_.id, new_hash(), Role::kOwner, 3);
  EXPECT_ERRC(store().create_pairing_offer(o), Errc::kInvalid);
}

TEST_P(PairingTest, OnlyALiveClientDeviceOfTheClaimingUserCanClaim) {
  PairingClaim with_agent = claim(code_);
  with_agent.client_device_id = agent_.id;
  EXPECT_ERRC(store().claim_pairing_offer(tenant_, offer_.id, with_agent, kT0 + 1), Errc::kInvalid);
  User member{tenant_, new_id(), "member", "member@acme.example", Role::kMember, "phc", 0, kT0};
  ASSERT_TRUE(store().create_user(member).ok());
  PairingClaim someone_elses = claim(code_);
  someone_elses.client_user_id = member.id;
  EXPECT_ERRC(store().claim_pairing_offer(tenant_, offer_.id, someone_elses, kT0 + 1), Errc::kInvalid);
  const Device spare = seed_device(tenant_, owner_, DeviceKind::kClient, "tablet");
  ASSERT_TRUE(store().revoke_device(tenant_, spare.id, kT0).ok());
  PairingClaim revoked = claim(code_);
  revoked.client_device_id = spare.id;
  EXPECT_ERRC(store().claim_pairing_offer(tenant_, offer_.id, revoked, kT0 + 1), Errc::kInvalid);
  // None of that used up the offer.
  EXPECT_EQ(store().claim_pairing_offer(tenant_, offer_.id, claim(code_), kT0 + 1)->outcome, ClaimOutcome::kClaimed);
}

TEST_P(PairingTest, AnOfferOfARevokedAgentCannotBeClaimed) {
  ASSERT_TRUE(store().revoke_device(tenant_, agent_.id, kT0).ok());
  EXPECT_ERRC(store().claim_pairing_offer(tenant_, offer_.id, claim(code_), kT0 + 1), Errc::kInvalid);
}

TEST_P(PairingTest, WrongCodesCountUntilTheOfferIsExhausted) {
  auto first = store().claim_pairing_offer(tenant_, offer_.id, claim(new_hash()), kT0 + 1);
  EXPECT_EQ(first->outcome, ClaimOutcome::kWrongCode);
  EXPECT_EQ(first->attempts_left, 2);
  EXPECT_EQ(store().claim_pairing_offer(tenant_, offer_.id, claim(new_hash()), kT0 + 1)->attempts_left, 1);
  EXPECT_EQ(store().claim_pairing_offer(tenant_, offer_.id, claim(new_hash()), kT0 + 1)->attempts_left, 0);
  EXPECT_EQ(store().claim_pairing_offer(tenant_, offer_.id, claim(code_), kT0 + 1)->outcome,
            ClaimOutcome::kAttemptsExhausted);
  EXPECT_ERRC(store().get_pairing(tenant_, offer_.id), Errc::kNotFound);
}

TEST_P(PairingTest, AnExpiredOfferCannotBeClaimed) {
  EXPECT_EQ(store().claim_pairing_offer(tenant_, offer_.id, claim(code_), kT0 + kOfferLife)->outcome,
            ClaimOutcome::kExpired);
  EXPECT_EQ(store().claim_pairing_offer(tenant_, offer_.id, claim(code_), kT0 + kOfferLife - 1)->outcome,
            ClaimOutcome::kClaimed);
}

TEST_P(PairingTest, ConcurrentClaimsHaveExactlyOneWinner) {
  constexpr int kThreads = 8;
  std::atomic<int> claimed{0}, refused{0}, failed{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      auto r = store().claim_pairing_offer(tenant_, offer_.id, claim(code_), kT0 + 1);
      if (!r.ok()) ++failed;
      else if (r->outcome == ClaimOutcome::kClaimed) ++claimed;
      else if (r->outcome == ClaimOutcome::kAlreadyClaimed) ++refused;
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(claimed.load(), 1);
  EXPECT_EQ(refused.load(), kThreads - 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM pairings"), 1);
}

TEST_P(PairingTest, ConcurrentWrongGuessesNeverExceedTheLimit) {
  constexpr int kThreads = 8;
  std::atomic<int> wrong{0}, exhausted{0}, failed{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    Bytes guess = new_hash();
    threads.emplace_back([&, guess] {
      while (!go.load()) std::this_thread::yield();
      auto r = store().claim_pairing_offer(tenant_, offer_.id, claim(guess), kT0 + 1);
      if (!r.ok()) ++failed;
      else if (r->outcome == ClaimOutcome::kWrongCode) ++wrong;
      else if (r->outcome == ClaimOutcome::kAttemptsExhausted) ++exhausted;
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(wrong.load(), 3);
  EXPECT_EQ(exhausted.load(), kThreads - 3);
  EXPECT_EQ(count("SELECT MAX(attempts) FROM pairing_offers"), 3);
}

TEST_P(PairingTest, RevokingADeviceRevokesItsPairings) {
  ASSERT_EQ(store().claim_pairing_offer(tenant_, offer_.id, claim(code_), kT0 + 1)->outcome, ClaimOutcome::kClaimed);
  ASSERT_TRUE(store().revoke_device(tenant_, client_.id, kT0 + 9).ok());
  EXPECT_EQ(store().get_pairing(tenant_, offer_.id)->revoked_at, kT0 + 9);
}

TEST_P(StoreTest, ADeviceGrantIsPendingThenApprovedAndHandedOutOnce) {
  const Bytes device_code = new_hash();
  ASSERT_TRUE(store().create_device_grant({device_code, "BCDF-GHJK", "build box", kT0, kT0 + 600'000, 5000}).ok());
  EXPECT_EQ(store().poll_device_grant(device_code, kT0 + 5000)->outcome, PollOutcome::kPending);
  EXPECT_EQ(store().poll_device_grant(device_code, kT0 + 6000)->outcome, PollOutcome::kSlowDown);
  ASSERT_TRUE(store().approve_device_grant("BCDF-GHJK", tenant_, owner_, kT0 + 7000).ok());
  EXPECT_ERRC(store().approve_device_grant("BCDF-GHJK", tenant_, owner_, kT0 + 7000), Errc::kNotFound);
  auto approved = store().poll_device_grant(device_code, kT0 + 20'000);
  ASSERT_TRUE(approved.ok()) << approved.error().message;
  EXPECT_EQ(approved->outcome, PollOutcome::kApproved);
  EXPECT_EQ(approved->tenant_id, tenant_);
  EXPECT_EQ(approved->user_id, owner_);
  EXPECT_EQ(approved->device_name, "build box");
  EXPECT_EQ(store().poll_device_grant(device_code, kT0 + 30'000)->outcome, PollOutcome::kExpired);
  EXPECT_ERRC(store().poll_device_grant(new_hash(), kT0), Errc::kNotFound);
}

TEST_P(StoreTest, APendingGrantCanBeLookedUpByItsUserCodeOnlyWhilePending) {
  const Bytes device_code = new_hash();
  ASSERT_TRUE(store().create_device_grant({device_code, "FGHJ-KLMN", "build box", kT0, kT0 + 600'000, 5000}).ok());
  auto found = store().find_pending_device_grant("FGHJ-KLMN", kT0 + 1);
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->device_name, "build box");
  EXPECT_EQ(found->created_at, kT0);
  EXPECT_EQ(found->expires_at, kT0 + 600'000);
  EXPECT_TRUE(found->device_code_hash.empty()) << "never the device code";
  EXPECT_ERRC(store().find_pending_device_grant("FGHJ-KLMN", kT0 + 600'000), Errc::kNotFound);
  EXPECT_ERRC(store().find_pending_device_grant("XXXX-XXXX", kT0 + 1), Errc::kNotFound);
  ASSERT_TRUE(store().approve_device_grant("FGHJ-KLMN", tenant_, owner_, kT0 + 2).ok());
  EXPECT_ERRC(store().find_pending_device_grant("FGHJ-KLMN", kT0 + 3), Errc::kNotFound);
}

TEST_P(StoreTest, ADeviceGrantCanBeDeniedAndExpires) {
  const Bytes denied = new_hash(), late = new_hash();
  ASSERT_TRUE(store().create_device_grant({denied, "AAAA-BBBB", "a", kT0, kT0 + 600'000, 5000}).ok());
  ASSERT_TRUE(store().create_device_grant({late, "CCCC-DDDD", "b", kT0, kT0 + 600'000, 5000}).ok());
  ASSERT_TRUE(store().deny_device_grant("AAAA-BBBB", kT0 + 1).ok());
  EXPECT_EQ(store().poll_device_grant(denied, kT0 + 10'000)->outcome, PollOutcome::kDenied);
  EXPECT_ERRC(store().approve_device_grant("CCCC-DDDD", tenant_, owner_, kT0 + 600'000), Errc::kNotFound);
  EXPECT_EQ(store().poll_device_grant(late, kT0 + 600'000)->outcome, PollOutcome::kExpired);
  EXPECT_ERRC(store().create_device_grant({new_hash(), "CCCC-DDDD", "c", kT0, kT0 + 1, 5000}), Errc::kConflict);
}

TEST_P(StoreTest, SigningKeyRotationKeepsThePreviousKeyAndRetiresOlderOnes) {
  for (int i = 1; i <= 3; ++i) {
    SigningKey k{"kid-" + std::to_string(i), new_hash(), new_hash(), KeyState::kCurrent, kT0 + i};
    ASSERT_TRUE(store().rotate_signing_key(k).ok());
  }
  auto keys = store().active_signing_keys();
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].kid, "kid-3");
  EXPECT_EQ((*keys)[0].state, KeyState::kCurrent);
  EXPECT_EQ((*keys)[1].kid, "kid-2");
  EXPECT_EQ((*keys)[1].state, KeyState::kPrevious);
  EXPECT_EQ(count("SELECT COUNT(*) FROM signing_keys WHERE state = 'retired'"), 1);
  EXPECT_FALSE(store().rotate_signing_key({"kid-3", new_hash(), new_hash(), KeyState::kCurrent, kT0}).ok());
  EXPECT_EQ(store().active_signing_keys()->front().kid, "kid-3");
}

// Every method that takes (tenant, id), called with another tenant's id for a row that
// exists: nothing is found and nothing changes.
TEST_P(PairingTest, IdsFromAnotherTenantFindAndChangeNothing) {
  const Id family = new_id();
  const Bytes refresh = start_family(tenant_, owner_, family);
  const Bytes token = new_hash();
  ASSERT_TRUE(store().create_device_token(tenant_, owner_, agent_.id, token, kT0).ok());
  const Id mallory = seed_tenant("mallory");
  const Id m = mallory;

  EXPECT_ERRC(store().get_user(m, owner_), Errc::kNotFound);
  EXPECT_ERRC(store().find_user_by_login(m, "owner@acme"), Errc::kNotFound);
  EXPECT_ERRC(store().update_password(m, owner_, "$evil", kT0), Errc::kNotFound);
  EXPECT_ERRC(store().bump_revoke_epoch(m, owner_, kT0), Errc::kNotFound);
  EXPECT_ERRC(store().get_refresh_family(m, family), Errc::kNotFound);
  EXPECT_ERRC(store().rotate_refresh_token(m, refresh, {new_hash(), kT0, kT0 + 9}, kT0 + 1), Errc::kNotFound);
  EXPECT_ERRC(store().revoke_refresh_family(m, family, kT0, "x"), Errc::kNotFound);
  EXPECT_ERRC(store().get_device(m, agent_.id), Errc::kNotFound);
  EXPECT_TRUE(store().list_devices(m, owner_)->empty());
  EXPECT_ERRC(store().rename_device(m, agent_.id, "pwned"), Errc::kNotFound);
  EXPECT_ERRC(store().revoke_device(m, agent_.id, kT0), Errc::kNotFound);
  EXPECT_ERRC(store().check_device_token(m, agent_.id, token), Errc::kNotFound);
  EXPECT_ERRC(store().claim_pairing_offer(m, offer_.id, claim(code_), kT0 + 1), Errc::kNotFound);
  EXPECT_FALSE(store().create_device_token(m, owner_, agent_.id, new_hash(), kT0).ok());
  EXPECT_FALSE(store().create_pairing_offer(make_offer(m, agent_.id, new_hash(), Role::kAdmin, 3)).ok());

  // The real tenant still sees everything unchanged, and can still pair.
  EXPECT_EQ(store().get_user(tenant_, owner_)->revoke_epoch, 0);
  EXPECT_FALSE(store().get_refresh_family(tenant_, family)->revoked_at.has_value());
  EXPECT_EQ(store().get_device(tenant_, agent_.id)->name, "laptop");
  EXPECT_FALSE(store().get_device(tenant_, agent_.id)->revoked_at.has_value());
  EXPECT_EQ(*store().check_device_token(tenant_, agent_.id, token), owner_);
  ASSERT_EQ(store().claim_pairing_offer(tenant_, offer_.id, claim(code_), kT0 + 1)->outcome, ClaimOutcome::kClaimed);
  EXPECT_ERRC(store().get_pairing(m, offer_.id), Errc::kNotFound);
  EXPECT_ERRC(store().revoke_pairing(m, offer_.id, kT0), Errc::kNotFound);
  EXPECT_FALSE(store().get_pairing(tenant_, offer_.id)->revoked_at.has_value());
  EXPECT_EQ(store().rotate_refresh_token(tenant_, refresh, {new_hash(), kT0, kT0 + 9}, kT0 + 1)->outcome,
            RotateOutcome::kRotated);
}

}  // namespace
}  // namespace bw::auth::store::testing
