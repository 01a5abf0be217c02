#include "bw/service/tls.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace bw::service {
namespace {

class TlsFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("bw-tls-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text, mode_t mode) {
    auto p = (dir_ / name).string();
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
    return p;
  }
  std::filesystem::path dir_;
};

constexpr const char* kPem = "-----BEGIN X-----\nAAAA\n-----END X-----\n";

TEST_F(TlsFilesTest, ReadsPem) {
  auto r = read_pem(write("c.pem", kPem, 0644), false);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value(), kPem);
}

TEST_F(TlsFilesTest, RefusesWorldReadableKey) {
  auto r = read_pem(write("k.pem", kPem, 0644), true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kTlsKeyExposed);
  EXPECT_NE(r.error().message.find("chmod 600"), std::string::npos);
  EXPECT_TRUE(read_pem(write("k2.pem", kPem, 0640), true));
}

TEST_F(TlsFilesTest, RefusesNonPemAndMissingFiles) {
  EXPECT_EQ(read_pem(write("x.pem", "hello", 0600), false).error().code, kTlsNotPem);
  EXPECT_EQ(read_pem((dir_ / "absent.pem").string(), false).error().code, kTlsUnreadable);
  EXPECT_EQ(read_pem(dir_.string(), false).error().code, kTlsUnreadable);
}

TEST_F(TlsFilesTest, MissingIdentityNamesTheKeys) {
  auto r = load_tls({}, true, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kTlsMissing);
  EXPECT_NE(r.error().message.find("tls.cert_file"), std::string::npos);
  auto ca = load_tls({}, false, true);
  ASSERT_FALSE(ca);
  EXPECT_NE(ca.error().message.find("tls.ca_file"), std::string::npos);
}

TEST_F(TlsFilesTest, KeyContentsNeverAppearInErrors) {
  auto r = read_pem(write("k.pem", "SECRETKEYMATERIAL", 0600), true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.find("SECRETKEYMATERIAL"), std::string::npos);
}

}  // namespace
}  // namespace bw::service
