// Store contract, part 3: invitations, TOTP, recovery codes, the audit outbox.
#include <atomic>
#include <thread>
#include <vector>

#include "store_fixture.hpp"

namespace bw::auth::store::testing {
namespace {

TEST_P(InvitationTest, AcceptingCreatesTheUserWithTheInvitationsEmailAndRole) {
  const Bytes token = new_hash();
  invite(token);
  auto user = store().accept_invitation(tenant_, token, newcomer(), kT0 + 1);
  ASSERT_TRUE(user.ok()) << user.error().message;
  EXPECT_EQ(user->role, Role::kAdmin);  // not the owner role the caller asked for
  EXPECT_EQ(user->email, "new@acme.example");
  EXPECT_EQ(store().find_user_by_login(tenant_, "newcomer")->role, Role::kAdmin);
  EXPECT_ERRC(store().accept_invitation(tenant_, token, newcomer(), kT0 + 2), Errc::kNotFound);
}

TEST_P(InvitationTest, ExpiredForeignAndOwnerInvitationsAreRefused) {
  const Bytes token = new_hash();
  invite(token, kT0 + 10);
  EXPECT_ERRC(store().accept_invitation(tenant_, token, newcomer(), kT0 + 10), Errc::kNotFound);
  const Id other = seed_tenant("globex");
  EXPECT_ERRC(store().accept_invitation(other, token, newcomer(), kT0 + 1), Errc::kNotFound);
  Invitation owner{tenant_, new_id(), new_hash(), "x@acme.example", Role::kOwner, owner_, kT0, kT0 + 10};
  EXPECT_ERRC(store().create_invitation(owner), Errc::kInvalid);
  EXPECT_EQ(count("SELECT COUNT(*) FROM users"), 2);
}

TEST_P(InvitationTest, FindSeesOnlyAnUnusedUnexpiredInvitationOfTheTenant) {
  const Bytes token = new_hash();
  const Invitation sent = invite(token, kT0 + 10);
  auto found = store().find_invitation(tenant_, token, kT0 + 1);
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->id, sent.id);
  EXPECT_EQ(found->email, "new@acme.example");
  EXPECT_EQ(found->role, Role::kAdmin);
  EXPECT_EQ(found->invited_by, owner_);
  EXPECT_EQ(found->expires_at, kT0 + 10);
  EXPECT_ERRC(store().find_invitation(tenant_, token, kT0 + 10), Errc::kNotFound);
  EXPECT_ERRC(store().find_invitation(seed_tenant("globex"), token, kT0 + 1), Errc::kNotFound);
  ASSERT_TRUE(store().accept_invitation(tenant_, token, newcomer(), kT0 + 1).ok());
  EXPECT_ERRC(store().find_invitation(tenant_, token, kT0 + 2), Errc::kNotFound);
}

TEST_P(InvitationTest, ConcurrentAcceptsCreateOneUser) {
  const Bytes token = new_hash();
  invite(token);
  std::atomic<int> ok{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    User u = newcomer();
    u.login = "newcomer" + std::to_string(i);
    threads.emplace_back([&, u] {
      while (!go.load()) std::this_thread::yield();
      if (store().accept_invitation(tenant_, token, u, kT0 + 1).ok()) ++ok;
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM users"), 2);
}

TEST_P(StoreTest, TotpEnrolmentCanBeRedoneUntilEnabled) {
  EXPECT_ERRC(store().get_totp_secret(tenant_, owner_), Errc::kNotFound);
  ASSERT_TRUE(store().put_totp_secret(tenant_, owner_, to_bytes("sealed-1"), kT0).ok());
  ASSERT_TRUE(store().put_totp_secret(tenant_, owner_, to_bytes("sealed-2"), kT0 + 1).ok());
  auto secret = store().get_totp_secret(tenant_, owner_);
  ASSERT_TRUE(secret.ok()) << secret.error().message;
  EXPECT_EQ(secret->sealed_secret, to_bytes("sealed-2"));
  EXPECT_FALSE(secret->enabled);
  ASSERT_TRUE(store().enable_totp(tenant_, owner_).ok());
  EXPECT_TRUE(store().get_totp_secret(tenant_, owner_)->enabled);
  EXPECT_ERRC(store().put_totp_secret(tenant_, owner_, to_bytes("sealed-3"), kT0 + 2), Errc::kConflict);
  EXPECT_EQ(store().get_totp_secret(tenant_, owner_)->sealed_secret, to_bytes("sealed-2"));
}

TEST_P(StoreTest, EnablingASpecificSecretFailsWhenANewerEnrolmentReplacedIt) {
  ASSERT_TRUE(store().put_totp_secret(tenant_, owner_, to_bytes("checked"), kT0).ok());
  ASSERT_TRUE(store().put_totp_secret(tenant_, owner_, to_bytes("newer"), kT0 + 1).ok());  // a second tab
  EXPECT_ERRC(store().enable_totp(tenant_, owner_, to_bytes("checked")), Errc::kConflict);
  EXPECT_FALSE(store().get_totp_secret(tenant_, owner_)->enabled);
  ASSERT_TRUE(store().enable_totp(tenant_, owner_, to_bytes("newer")).ok());
  EXPECT_TRUE(store().get_totp_secret(tenant_, owner_)->enabled);
  // Already enabled: nothing to enable.
  EXPECT_ERRC(store().enable_totp(tenant_, owner_, to_bytes("newer")), Errc::kConflict);
}

TEST_P(StoreTest, EachTotpStepIsUsableOnceAndNeverAnOlderOne) {
  ASSERT_TRUE(store().put_totp_secret(tenant_, owner_, to_bytes("sealed"), kT0).ok());
  EXPECT_TRUE(*store().use_totp_step(tenant_, owner_, 100));
  EXPECT_FALSE(*store().use_totp_step(tenant_, owner_, 100));
  EXPECT_FALSE(*store().use_totp_step(tenant_, owner_, 99));
  EXPECT_TRUE(*store().use_totp_step(tenant_, owner_, 101));
  EXPECT_EQ(store().get_totp_secret(tenant_, owner_)->last_used_step, 101);
}

TEST_P(StoreTest, ConcurrentUsesOfOneTotpStepHaveOneWinner) {
  ASSERT_TRUE(store().put_totp_secret(tenant_, owner_, to_bytes("sealed"), kT0).ok());
  std::atomic<int> accepted{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      auto r = store().use_totp_step(tenant_, owner_, 500);
      if (r.ok() && *r) ++accepted;
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 1);
}

TEST_P(StoreTest, RecoveryCodesAreSingleUseAndReplacedAsASet) {
  const Bytes a = new_hash(), b = new_hash();
  ASSERT_TRUE(store().put_totp_secret(tenant_, owner_, to_bytes("sealed"), kT0).ok());
  ASSERT_TRUE(store().replace_recovery_codes(tenant_, owner_, {a, b}, kT0).ok());
  EXPECT_TRUE(*store().use_recovery_code(tenant_, owner_, a, kT0 + 1));
  EXPECT_FALSE(*store().use_recovery_code(tenant_, owner_, a, kT0 + 2));
  EXPECT_FALSE(*store().use_recovery_code(tenant_, owner_, new_hash(), kT0 + 2));
  ASSERT_TRUE(store().replace_recovery_codes(tenant_, owner_, {new_hash()}, kT0 + 3).ok());
  EXPECT_FALSE(*store().use_recovery_code(tenant_, owner_, b, kT0 + 4));
  ASSERT_TRUE(store().delete_totp(tenant_, owner_).ok());
  EXPECT_ERRC(store().get_totp_secret(tenant_, owner_), Errc::kNotFound);
  EXPECT_EQ(count("SELECT COUNT(*) FROM recovery_codes"), 0);
}

TEST_P(StoreTest, MfaRowsOfAnotherTenantAreInvisible) {
  const Bytes code = new_hash();
  ASSERT_TRUE(store().put_totp_secret(tenant_, owner_, to_bytes("sealed"), kT0).ok());
  ASSERT_TRUE(store().replace_recovery_codes(tenant_, owner_, {code}, kT0).ok());
  const Id m = seed_tenant("mallory");
  EXPECT_ERRC(store().get_totp_secret(m, owner_), Errc::kNotFound);
  EXPECT_ERRC(store().enable_totp(m, owner_), Errc::kNotFound);
  EXPECT_ERRC(store().delete_totp(m, owner_), Errc::kNotFound);
  EXPECT_FALSE(*store().use_totp_step(m, owner_, 1));
  EXPECT_FALSE(*store().use_recovery_code(m, owner_, code, kT0));
  EXPECT_FALSE(store().put_totp_secret(m, owner_, to_bytes("evil"), kT0).ok());  // no such user there
  EXPECT_FALSE(store().get_totp_secret(tenant_, owner_)->enabled);
  EXPECT_TRUE(*store().use_recovery_code(tenant_, owner_, code, kT0));
}

TEST_P(StoreTest, TheAuditOutboxIsBoundedOrderedAndDrainedByAck) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(*store().append_audit_event(tenant_, "login", to_bytes("e" + std::to_string(i)), kT0 + i, 3));
  }
  EXPECT_FALSE(*store().append_audit_event(tenant_, "login", to_bytes("dropped"), kT0 + 9, 3));
  auto events = store().peek_audit_events(2);
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].payload, to_bytes("e0"));
  EXPECT_EQ((*events)[1].payload, to_bytes("e1"));
  EXPECT_EQ((*events)[0].tenant_id, tenant_);
  EXPECT_LT((*events)[0].seq, (*events)[1].seq);
  ASSERT_TRUE(store().ack_audit_events((*events)[1].seq).ok());
  EXPECT_TRUE(*store().append_audit_event(tenant_, "logout", to_bytes("e3"), kT0 + 10, 3));
  auto rest = store().peek_audit_events(10);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].payload, to_bytes("e2"));
  EXPECT_EQ((*rest)[1].kind, "logout");
}

TEST_P(StoreTest, AuditOutboxRowsCarryDistinctStableEventIds) {
  ASSERT_TRUE(*store().append_audit_event(tenant_, "login", to_bytes("a"), kT0, 10));
  ASSERT_TRUE(*store().append_audit_event(tenant_, "login", to_bytes("b"), kT0, 10));
  auto first = store().peek_audit_events(10);
  auto again = store().peek_audit_events(10);
  ASSERT_TRUE(first.ok() && again.ok());
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].event_id.size(), 16u);
  EXPECT_NE((*first)[0].event_id, (*first)[1].event_id);
  EXPECT_EQ((*first)[0].event_id, (*again)[0].event_id);  // a re-read (another replica) sees the same id
}

TEST_P(StoreTest, AckingShippedEventsNeverDeletesARowThatReusedTheirSeq) {
  ASSERT_TRUE(*store().append_audit_event(tenant_, "login", to_bytes("old"), kT0, 10));
  auto stale = store().peek_audit_events(10);  // replica A reads...
  ASSERT_TRUE(stale.ok());
  ASSERT_TRUE(store().ack_audit_events(*stale).ok());  // ...replica B ships and acks first
  ASSERT_TRUE(*store().append_audit_event(tenant_, "login", to_bytes("new"), kT0 + 1, 10));  // same seq again
  ASSERT_TRUE(store().ack_audit_events(*stale).ok());  // A's late ack
  auto rest = store().peek_audit_events(10);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].payload, to_bytes("new"));
}

TEST_P(PairingTest, PurgeDeletesOnlyWhatExpiredBeforeTheCutoff) {
  const Id live = new_id(), dead = new_id();
  start_family(tenant_, owner_, live, kT0 + 10'000'000);
  start_family(tenant_, owner_, dead, kT0 + 1000);
  PairingOffer claimed = make_offer(tenant_, agent_.id, new_hash(), Role::kMember, 3);
  ASSERT_TRUE(store().create_pairing_offer(claimed).ok());
  ASSERT_EQ(store().claim_pairing_offer(tenant_, claimed.id, claim(claimed.code_hash), kT0 + 1)->outcome,
            ClaimOutcome::kClaimed);
  ASSERT_TRUE(store().create_device_grant({new_hash(), "PURG-EME0", "x", kT0, kT0 + 1000, 5000}).ok());
  // Cutoff after the offers and the dead family, before the live family's idle expiry.
  auto n = store().purge_expired(kT0 + kOfferLife + 1);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 4);  // offer_ (unclaimed), the grant, the dead family and its token
  EXPECT_EQ(count("SELECT COUNT(*) FROM pairing_offers"), 1);
  EXPECT_TRUE(store().get_pairing(tenant_, claimed.id).ok());
  EXPECT_TRUE(store().get_refresh_family(tenant_, live).ok());
  EXPECT_ERRC(store().get_refresh_family(tenant_, dead), Errc::kNotFound);
  EXPECT_EQ(count("SELECT COUNT(*) FROM device_grants"), 0);
}

}  // namespace
}  // namespace bw::auth::store::testing
