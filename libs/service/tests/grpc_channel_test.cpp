#include "bw/service/grpc_channel.hpp"

#include <gtest/gtest.h>

namespace bw::service {
namespace {

TEST(GrpcChannel, TlsNeedsACaFile) {
  auto ch = make_channel({.target = "127.0.0.1:1", .tls = {}, .mutual = false});
  ASSERT_FALSE(ch);
  EXPECT_EQ(ch.error().code, kTlsMissing);
  EXPECT_NE(ch.error().message.find("tls.ca_file"), std::string::npos);
}

TEST(GrpcChannel, MutualTlsNeedsAnIdentity) {
  auto ch = make_channel({.target = "127.0.0.1:1", .tls = {"", "", "/etc/hostname"}, .mutual = true});
  ASSERT_FALSE(ch);
  EXPECT_EQ(ch.error().code, kTlsMissing);
}

TEST(GrpcChannel, AMissingCaFileIsNotSilentlyIgnored) {
  auto ch = make_channel({.target = "127.0.0.1:1", .tls = {"", "", "/nonexistent/ca.pem"}, .mutual = false});
  ASSERT_FALSE(ch);
  EXPECT_EQ(ch.error().code, kTlsUnreadable);
}

TEST(GrpcChannel, PlaintextOnlyWhenAskedFor) {
  EXPECT_TRUE(make_channel({.target = "127.0.0.1:1", .plaintext = true}));
}

}  // namespace
}  // namespace bw::service
