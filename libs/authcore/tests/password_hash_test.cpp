// Argon2id at the real minimum parameters. Each hash costs ~tens of ms and 19 MiB, so the
// suite shares one hasher and makes only a handful of hashes (CI has 2 cores).
#include "bw/authcore/password_hash.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "bw/authcore/errors.hpp"

namespace bw::authcore {
namespace {

const PasswordHasher& hasher() {
  static const PasswordHasher h = PasswordHasher::create().value();
  return h;
}

const std::string& alice_hash() {
  static const std::string phc = hasher().hash("correct horse battery staple").value();
  return phc;
}

TEST(PasswordHasher, ProducesArgon2idPhcStringAtTheConfiguredParameters) {
  const std::regex shape(R"(^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$)");
  EXPECT_TRUE(std::regex_match(alice_hash(), shape)) << alice_hash();
}

TEST(PasswordHasher, VerifiesTheRightPasswordOnly) {
  EXPECT_TRUE(hasher().verify(alice_hash(), "correct horse battery staple"));
  EXPECT_FALSE(hasher().verify(alice_hash(), "correct horse battery staplf"));
  EXPECT_FALSE(hasher().verify(alice_hash(), ""));
}

TEST(PasswordHasher, SaltsEveryHash) {
  const auto again = hasher().hash("correct horse battery staple").value();
  EXPECT_NE(again, alice_hash());
}

TEST(PasswordHasher, DummyPathAlwaysFails) {
  EXPECT_FALSE(hasher().verify_dummy("correct horse battery staple"));
  EXPECT_FALSE(hasher().verify_dummy(""));
}

TEST(PasswordHasher, MalformedOrForeignHashFails) {
  EXPECT_FALSE(hasher().verify("", "x"));
  EXPECT_FALSE(hasher().verify("$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA", "x"));
  EXPECT_FALSE(hasher().verify("$argon2id$garbage", "x"));
}

TEST(PasswordHasher, EveryVerificationPathCountsOneArgon2idRun) {
  const PasswordHasher& h = hasher();
  const PasswordHasher copy = h;  // copies share the count
  const auto before = h.verifications();
  EXPECT_TRUE(h.verify(alice_hash(), "correct horse battery staple"));
  EXPECT_EQ(h.verifications(), before + 1);
  EXPECT_FALSE(h.verify_dummy("x"));
  EXPECT_EQ(h.verifications(), before + 2);
  EXPECT_FALSE(copy.verify("$argon2id$garbage", "x"));  // malformed: the dummy work instead
  EXPECT_EQ(h.verifications(), before + 3);
  EXPECT_FALSE(h.verify(alice_hash(), std::string(kMaxPasswordBytes + 1, 'a')));  // over-long: the same
  EXPECT_EQ(copy.verifications(), before + 4);
}

TEST(PasswordHasher, RefusesOverlongPasswords) {
  const std::string longest(kMaxPasswordBytes, 'a');
  const std::string too_long(kMaxPasswordBytes + 1, 'a');
  auto r = hasher().hash(too_long);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(has_code(r.error(), Errc::kPasswordTooLong));
  EXPECT_FALSE(hasher().verify(alice_hash(), too_long));
  static_cast<void>(longest);
}

TEST(PasswordHasher, NeedsRehashOnlyWhenParametersChange) {
  EXPECT_FALSE(hasher().needs_rehash(alice_hash()));
  auto stronger = PasswordHasher::create({.memory_bytes = kArgon2MinMemoryBytes, .passes = 3});
  ASSERT_TRUE(stronger.ok());
  EXPECT_TRUE(stronger->needs_rehash(alice_hash()));
  // The old hash still verifies under the new policy (parameters come from the string).
  EXPECT_TRUE(stronger->verify(alice_hash(), "correct horse battery staple"));
  EXPECT_TRUE(hasher().needs_rehash("not a phc string"));
}

TEST(PasswordHasher, RefusesParametersBelowTheMinimum) {
  EXPECT_FALSE(validate({.memory_bytes = kArgon2MinMemoryBytes - 1024, .passes = 2}).ok());
  EXPECT_FALSE(validate({.memory_bytes = kArgon2MinMemoryBytes, .passes = 1}).ok());
  EXPECT_FALSE(validate({.memory_bytes = kArgon2MinMemoryBytes + 1, .passes = 2}).ok());
  EXPECT_TRUE(validate({.memory_bytes = 64ull << 20, .passes = 3}).ok());
  EXPECT_FALSE(PasswordHasher::create({.memory_bytes = 1 << 20, .passes = 2}).ok());
}

}  // namespace
}  // namespace bw::authcore
