// TOTP against RFC 6238 Appendix B (via shared/vectors), window edges and code shape.
#include "bw/authcore/totp.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <string>

#include "bw/authcore/base32.hpp"

namespace bw::authcore {
namespace {

nlohmann::json load_vectors() {
  const char* dir = std::getenv("BW_VECTORS_DIR");
  if (dir == nullptr) return nullptr;
  std::ifstream in(std::string(dir) + "/rfc6238_totp.json");
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

const Bytes kRfcSecret = to_bytes("12345678901234567890");

TEST(Totp, MatchesEveryRfc6238Row) {
  const auto doc = load_vectors();
  ASSERT_TRUE(doc.is_object()) << "BW_VECTORS_DIR/rfc6238_totp.json missing or invalid";
  auto secret = base32_decode(doc["secret_base32"].get<std::string>());
  ASSERT_TRUE(secret.ok());
  EXPECT_EQ(to_string(secret->view()), doc["secret_ascii"].get<std::string>());
  ASSERT_EQ(doc["step_seconds"].get<int>(), 30);
  std::size_t rows = 0;
  for (const auto& row : doc["vectors"]) {
    const auto t = row["unix_time"].get<std::int64_t>();
    const auto c6 = row["code_6"].get<std::string>();
    const auto c8 = row["code_8"].get<std::string>();
    EXPECT_EQ(totp(secret->view(), t), c6) << t;
    EXPECT_EQ(totp(secret->view(), t, {.digits = 8}), c8) << t;
    EXPECT_EQ(verify_totp(secret->view(), c6, t), t / 30) << t;
    EXPECT_EQ(verify_totp(secret->view(), c8, t, {.digits = 8}), t / 30) << t;
    ++rows;
  }
  EXPECT_EQ(rows, 6u);
}

TEST(Totp, AcceptsOneStepEitherSideAndReturnsThatStep) {
  const std::int64_t t = 1234567890;  // step 41152263, 0 s into... t % 30 == 0
  const std::int64_t step = t / 30;
  const auto prev = hotp(kRfcSecret, static_cast<std::uint64_t>(step - 1));
  const auto next = hotp(kRfcSecret, static_cast<std::uint64_t>(step + 1));
  EXPECT_EQ(verify_totp(kRfcSecret, prev, t), step - 1);
  EXPECT_EQ(verify_totp(kRfcSecret, next, t), step + 1);
  // Edges of the current step: the first and the last second still accept step - 1.
  const std::int64_t first = step * 30, last = step * 30 + 29;
  EXPECT_EQ(verify_totp(kRfcSecret, prev, first), step - 1);
  EXPECT_EQ(verify_totp(kRfcSecret, prev, last), step - 1);
  // One second later the window has moved past step - 1.
  EXPECT_EQ(verify_totp(kRfcSecret, prev, last + 1), std::nullopt);
  EXPECT_EQ(verify_totp(kRfcSecret, next, first - 1), std::nullopt);
}

TEST(Totp, RefusesCodeTwoStepsAway) {
  const std::int64_t t = 2000000000;
  const std::int64_t step = t / 30;
  for (std::int64_t k : {-2, 2}) {
    const auto code = hotp(kRfcSecret, static_cast<std::uint64_t>(step + k));
    // (Guard against a chance collision with a code inside the window.)
    if (code == totp(kRfcSecret, t) || code == hotp(kRfcSecret, step - 1) ||
        code == hotp(kRfcSecret, step + 1)) continue;
    EXPECT_EQ(verify_totp(kRfcSecret, code, t), std::nullopt) << k;
  }
}

TEST(Totp, RefusesMalformedCodes) {
  const std::int64_t t = 59;
  EXPECT_EQ(verify_totp(kRfcSecret, "287082", t), 1);
  for (std::string_view bad : {"", "28708", "2870820", "28708a", " 287082", "287082 ",
                               "+87082", "２８７０８２", "94287082"}) {
    EXPECT_EQ(verify_totp(kRfcSecret, bad, t), std::nullopt) << bad;
  }
  EXPECT_EQ(verify_totp(kRfcSecret, "287082", -1), std::nullopt);
  EXPECT_EQ(verify_totp(kRfcSecret, "287082", t, {.digits = 9}), std::nullopt);
  EXPECT_EQ(verify_totp(kRfcSecret, "287082", t, {.window = 3}), std::nullopt);
}

TEST(Totp, WrongSecretRefused) {
  const auto other = to_bytes("12345678901234567891");
  EXPECT_EQ(verify_totp(other, "287082", 59), std::nullopt);
}

TEST(Totp, NeverTriesNegativeSteps) {
  // At t = 0 the window is steps 0 and 1 only.
  EXPECT_EQ(verify_totp(kRfcSecret, hotp(kRfcSecret, 0), 0), 0);
  EXPECT_EQ(verify_totp(kRfcSecret, hotp(kRfcSecret, 1), 0), 1);
}

TEST(Totp, GeneratesTwentyByteSecrets) {
  const auto a = generate_totp_secret();
  const auto b = generate_totp_secret();
  EXPECT_EQ(a.size(), kTotpSecretSize);
  EXPECT_NE(to_string(a.view()), to_string(b.view()));
}

TEST(OtpauthUri, HasTheKeyUriShapeWithPercentEncoding) {
  auto uri = otpauth_uri("Breakwater Inc", "alice+mfa@example.com", kRfcSecret);
  ASSERT_TRUE(uri.ok());
  EXPECT_EQ(*uri,
            "otpauth://totp/Breakwater%20Inc:alice%2Bmfa%40example.com"
            "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Breakwater%20Inc"
            "&algorithm=SHA1&digits=6&period=30");
}

TEST(OtpauthUri, EncodesReservedAndNonAsciiBytes) {
  EXPECT_EQ(percent_encode("a&b=c?d/e#f%g"), "a%26b%3Dc%3Fd%2Fe%23f%25g");
  EXPECT_EQ(percent_encode("é"), "%C3%A9");
  EXPECT_EQ(percent_encode("A-z.0_9~"), "A-z.0_9~");
}

TEST(OtpauthUri, RefusesEmptyOrColon) {
  EXPECT_FALSE(otpauth_uri("", "a", kRfcSecret).ok());
  EXPECT_FALSE(otpauth_uri("x", "", kRfcSecret).ok());
  EXPECT_FALSE(otpauth_uri("x:y", "a", kRfcSecret).ok());
  EXPECT_FALSE(otpauth_uri("x", "a:b", kRfcSecret).ok());
}

}  // namespace
}  // namespace bw::authcore
