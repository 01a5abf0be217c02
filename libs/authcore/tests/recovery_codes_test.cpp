// Recovery codes: format, entropy, salted hashing, normalisation, matching.
#include "bw/authcore/recovery_codes.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "bw/crypto/random.hpp"

namespace bw::authcore {
namespace {

TEST(RecoveryCodes, HaveTheDisplayShapeAndAreDistinct) {
  const auto codes = generate_recovery_codes();
  ASSERT_EQ(codes.size(), kRecoveryCodeCount);
  const std::regex shape("^bwrc_[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$");
  for (const auto& c : codes) EXPECT_TRUE(std::regex_match(c, shape)) << c;
  EXPECT_EQ(std::set<std::string>(codes.begin(), codes.end()).size(), codes.size());
  EXPECT_EQ(generate_recovery_codes(3).size(), 3u);
}

TEST(RecoveryCodes, CarryEightyBits) {
  EXPECT_GE(kRecoveryCodeChars * 5, 80u);  // 32-symbol alphabet: 5 bits per character
  // Every symbol of the alphabet shows up over many codes (no stuck bits).
  std::set<char> seen;
  for (const auto& c : generate_recovery_codes(64)) {
    const std::string normalised = normalize_recovery_code(c).value();
    for (char ch : normalised) seen.insert(ch);
  }
  EXPECT_EQ(seen.size(), 32u);
}

TEST(RecoveryCodes, NormaliseCaseDashesSpacesPrefixAndLookAlikes) {
  const std::string canonical = "0123456789ABCDEF";
  EXPECT_EQ(normalize_recovery_code("bwrc_0123-4567-89AB-CDEF").value(), canonical);
  EXPECT_EQ(normalize_recovery_code("0123 4567 89ab cdef").value(), canonical);
  EXPECT_EQ(normalize_recovery_code("BWRC_O123-4567-89ab-cdef").value(), canonical);
  EXPECT_EQ(normalize_recovery_code("  0123456789abcdef ").value(), canonical);
  EXPECT_EQ(normalize_recovery_code("I1L1-0000-0000-0000").value(), "1111000000000000");
}

TEST(RecoveryCodes, RefuseWrongLengthOrAlphabet) {
  for (std::string_view bad : {"", "0123-4567-89AB-CDE", "0123-4567-89AB-CDEF0", "0123-4567-89AB-CDEU",
                               "0123_4567_89AB_CDEF", "bwrt_0123456789ABCDEF"}) {
    EXPECT_FALSE(normalize_recovery_code(bad).ok()) << bad;
  }
}

TEST(RecoveryCodes, HashesAreSaltedAndMatchNormalisedInput) {
  const Bytes salt = generate_recovery_salt();
  EXPECT_EQ(salt.size(), kRecoverySaltSize);
  const auto codes = generate_recovery_codes();
  std::vector<crypto::Sha256Digest> stored;
  for (const auto& c : codes) stored.push_back(hash_recovery_code(salt, c).value());

  EXPECT_EQ(match_recovery_code(salt, codes[3], stored), 3u);
  std::string typed = normalize_recovery_code(codes[7]).value();
  for (char& ch : typed) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  EXPECT_EQ(match_recovery_code(salt, typed, stored), 7u);

  const Bytes other_salt = generate_recovery_salt();
  EXPECT_NE(hash_recovery_code(other_salt, codes[0]).value(), stored[0]);
  EXPECT_EQ(match_recovery_code(other_salt, codes[0], stored), std::nullopt);
  EXPECT_EQ(match_recovery_code(salt, generate_recovery_codes(1)[0], stored), std::nullopt);
  EXPECT_EQ(match_recovery_code(salt, "not a code", stored), std::nullopt);
}

}  // namespace
}  // namespace bw::authcore
