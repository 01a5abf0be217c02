// Sealed secrets: round trip, row binding, tampering, unknown kid, rotation.
#include "bw/authcore/sealed_secret.hpp"

#include <gtest/gtest.h>

#include "bw/authcore/errors.hpp"
#include "bw/crypto/base64url.hpp"
#include "bw/crypto/random.hpp"

namespace bw::authcore {
namespace {

Kek make_kek(std::string id) { return Kek{std::move(id), crypto::random_secret(32)}; }

const SealContext kAlice{.tenant = "t-1", .user = "u-alice", .purpose = "totp"};
const Bytes kSecret = to_bytes("12345678901234567890");

Errc code_of(const Result<crypto::SecretBytes>& r) {
  return r.ok() ? Errc{0} : static_cast<Errc>(r.error().code);
}

TEST(SealedSecret, RoundTripsAndHasTheDocumentedShape) {
  auto ring = KeyRing::create(make_kek("k2026a")).value();
  const auto sealed = seal_secret(ring, kAlice, kSecret).value();
  EXPECT_TRUE(sealed.starts_with("v1.k2026a."));
  auto opened = open_secret(ring, kAlice, sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(Bytes(opened->begin(), opened->end()), kSecret);
  EXPECT_FALSE(needs_reseal(ring, sealed));
}

TEST(SealedSecret, UsesAFreshNonceEachTime) {
  auto ring = KeyRing::create(make_kek("k")).value();
  EXPECT_NE(seal_secret(ring, kAlice, kSecret).value(), seal_secret(ring, kAlice, kSecret).value());
}

TEST(SealedSecret, RefusesAnotherRowOrPurpose) {
  auto ring = KeyRing::create(make_kek("k")).value();
  const auto sealed = seal_secret(ring, kAlice, kSecret).value();
  const SealContext bob{.tenant = "t-1", .user = "u-bob", .purpose = "totp"};
  const SealContext other_tenant{.tenant = "t-2", .user = "u-alice", .purpose = "totp"};
  const SealContext other_purpose{.tenant = "t-1", .user = "u-alice", .purpose = "webhook"};
  // Shifting a boundary between fields must not produce the same associated data.
  const SealContext shifted{.tenant = "t-1u", .user = "-alice", .purpose = "totp"};
  for (const auto& ctx : {bob, other_tenant, other_purpose, shifted}) {
    EXPECT_EQ(code_of(open_secret(ring, ctx, sealed)), Errc::kAuthenticationFailed);
  }
}

TEST(SealedSecret, RefusesEveryTamperedByte) {
  auto ring = KeyRing::create(make_kek("k")).value();
  const auto sealed = seal_secret(ring, kAlice, kSecret).value();
  const auto body_at = sealed.rfind('.') + 1;
  const auto nonce_at = sealed.rfind('.', body_at - 2) + 1;
  for (std::size_t at : {nonce_at, nonce_at + 5, body_at, body_at + 10, sealed.size() - 2}) {
    std::string bad = sealed;
    bad[at] = bad[at] == 'A' ? 'B' : 'A';
    const auto code = code_of(open_secret(ring, kAlice, bad));
    EXPECT_TRUE(code == Errc::kAuthenticationFailed || code == Errc::kInvalidEncoding) << at;
  }
}

TEST(SealedSecret, RefusesMalformedText) {
  auto ring = KeyRing::create(make_kek("k")).value();
  for (std::string_view bad : {"", "v1", "v1.k", "v1.k.AAAA", "v2.k.AAAAAAAAAAAAAAAA.AAAA",
                               "v1.k.AAAAAAAAAAAAAAAA.AAAA.x", "v1.k.AAAA.AAAAAAAAAAAAAAAAAAAAAA",
                               "v1.k!.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA"}) {
    EXPECT_EQ(code_of(open_secret(ring, kAlice, bad)), Errc::kInvalidEncoding) << bad;
  }
}

TEST(SealedSecret, RefusesAnUnknownKid) {
  auto ring_a = KeyRing::create(make_kek("a")).value();
  auto ring_b = KeyRing::create(make_kek("b")).value();
  const auto sealed = seal_secret(ring_a, kAlice, kSecret).value();
  EXPECT_EQ(code_of(open_secret(ring_b, kAlice, sealed)), Errc::kUnknownKey);
}

TEST(SealedSecret, RefusesAKidSwappedToAnotherKey) {
  auto ring = KeyRing::create(make_kek("new"), [] {
                std::vector<Kek> old;
                old.push_back(make_kek("old"));
                return old;
              }()).value();
  auto sealed = seal_secret(ring, kAlice, kSecret).value();
  sealed.replace(3, 3, "old");
  EXPECT_EQ(code_of(open_secret(ring, kAlice, sealed)), Errc::kAuthenticationFailed);
}

TEST(SealedSecret, RotationOpensOldAndSealsWithCurrent) {
  Kek first = make_kek("2025");
  auto old_ring = KeyRing::create(Kek{first.id, first.key.clone()}).value();
  const auto sealed_old = seal_secret(old_ring, kAlice, kSecret).value();

  std::vector<Kek> previous;
  previous.push_back(std::move(first));
  auto ring = KeyRing::create(make_kek("2026"), std::move(previous)).value();
  EXPECT_EQ(ring.current().id, "2026");
  EXPECT_TRUE(needs_reseal(ring, sealed_old));
  auto opened = open_secret(ring, kAlice, sealed_old);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(Bytes(opened->begin(), opened->end()), kSecret);
  const auto resealed = seal_secret(ring, kAlice, opened->view()).value();
  EXPECT_TRUE(resealed.starts_with("v1.2026."));
  EXPECT_FALSE(needs_reseal(ring, resealed));
  // The old ring alone cannot open what the new KEK sealed.
  EXPECT_EQ(code_of(open_secret(old_ring, kAlice, resealed)), Errc::kUnknownKey);
}

TEST(KeyRing, RefusesBadKeysAndIds) {
  EXPECT_FALSE(KeyRing::create(Kek{"k", crypto::random_secret(16)}).ok());
  EXPECT_FALSE(KeyRing::create(Kek{"", crypto::random_secret(32)}).ok());
  EXPECT_FALSE(KeyRing::create(Kek{"a.b", crypto::random_secret(32)}).ok());
  EXPECT_FALSE(KeyRing::create(Kek{std::string(33, 'k'), crypto::random_secret(32)}).ok());
  std::vector<Kek> dup;
  dup.push_back(make_kek("same"));
  EXPECT_FALSE(KeyRing::create(make_kek("same"), std::move(dup)).ok());
}

}  // namespace
}  // namespace bw::authcore
