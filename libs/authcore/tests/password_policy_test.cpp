// New-password rules: length in code points, UTF-8, identity, common list.
#include "bw/authcore/password_policy.hpp"

#include <gtest/gtest.h>

#include "bw/authcore/errors.hpp"

namespace bw::authcore {
namespace {

const PasswordIdentity kAlice{.login = "alice.smith", .email = "Alice.Smith@example.com"};

Errc code_of(std::string_view password, const PasswordIdentity& id = kAlice) {
  auto s = check_new_password(password, id);
  return s.ok() ? Errc{0} : static_cast<Errc>(s.error().code);
}

TEST(PasswordPolicy, AcceptsALongUnusualPassword) {
  EXPECT_TRUE(check_new_password("violet-tractor-omelette-42", kAlice).ok());
}

TEST(PasswordPolicy, RefusesTooShort) {
  EXPECT_EQ(code_of("Xq7#kL9!pz2"), Errc::kPasswordTooShort);  // 11
  EXPECT_TRUE(check_new_password("Xq7#kL9!pz2w", kAlice).ok());  // 12
}

TEST(PasswordPolicy, CountsCodePointsNotBytes) {
  // 11 code points, 22+ bytes: still too short.
  EXPECT_EQ(code_of("ééééééééééé"), Errc::kPasswordTooShort);
  // 12 code points of CJK and emoji: accepted.
  EXPECT_TRUE(check_new_password("密码密码密码🔒🔒🔒😀😀😀", kAlice).ok());
  EXPECT_EQ(count_code_points("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x94\x92").value(), 4u);
}

TEST(PasswordPolicy, AcceptsLongUnicodeUpToTheByteLimit) {
  std::string s;
  while (s.size() + 4 <= kMaxPasswordBytes) s += "\xF0\x9F\x94\x92";  // 256 x U+1F512
  EXPECT_TRUE(check_new_password(s, kAlice).ok());
  EXPECT_EQ(code_of(s + "abcde"), Errc::kPasswordTooLong);
}

TEST(PasswordPolicy, RefusesInvalidUtf8AndNul) {
  for (std::string_view bad : {
           std::string_view("abcdefghijkl\xFF"),
           std::string_view("abcdefghijkl\xC0\xAF"),          // overlong '/'
           std::string_view("abcdefghijkl\xED\xA0\x80"),      // surrogate
           std::string_view("abcdefghijkl\xF4\x90\x80\x80"),  // > U+10FFFF
           std::string_view("abcdefghijkl\xE2\x82"),          // truncated
           std::string_view("abcdefghijkl\x80"),              // lone continuation
       }) {
    EXPECT_EQ(code_of(bad), Errc::kPasswordInvalid);
  }
  EXPECT_EQ(code_of(std::string_view("abcdefghijkl\0mn", 15)), Errc::kPasswordInvalid);
}

TEST(PasswordPolicy, RefusesCommonPasswordsIgnoringCase) {
  EXPECT_GT(common_password_count(), 29000u);
  EXPECT_TRUE(is_common_password("qwertyuiop"));
  EXPECT_EQ(code_of("1qaz2wsx3edc"), Errc::kPasswordCommon);
  EXPECT_EQ(code_of("LeaveMeAlone"), Errc::kPasswordCommon);
  EXPECT_EQ(code_of("QAZWSXEDCRFV"), Errc::kPasswordCommon);
}

TEST(PasswordPolicy, RefusesIdentityEqualPasswords) {
  const PasswordIdentity id{.login = "maintenance-bot", .email = "ops.team.lead@example.org"};
  EXPECT_EQ(code_of("MAINTENANCE-BOT", id), Errc::kPasswordIsIdentity);
  EXPECT_EQ(code_of("ops.team.lead@example.org", id), Errc::kPasswordIsIdentity);
  EXPECT_EQ(code_of("Ops.Team.Lead", id), Errc::kPasswordIsIdentity);
  EXPECT_TRUE(check_new_password("maintenance-bot!", id).ok());
}

TEST(PasswordPolicy, RefusesAMinimumBelowTwelve) {
  EXPECT_EQ(check_new_password("abcdefghijklmnop", kAlice, {.min_code_points = 8}).error().code,
            static_cast<int>(Errc::kInvalidArgument));
  EXPECT_EQ(code_of("abcdefghijklmnop"), Errc{0});
}

}  // namespace
}  // namespace bw::authcore
