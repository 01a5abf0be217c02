// Decoding what clients and agents send: every frame type, and garbage refused cleanly.
#include <gtest/gtest.h>

#include "transport.hpp"

namespace bw::relay {
namespace {

namespace v1 = breakwater::relay::v1;

TEST(FramesTest, ClientHelloCarriesTokenDeviceAndResumePoint) {
  v1::ClientFrame f;
  f.mutable_hello()->set_access_token("tok");
  f.mutable_hello()->set_device(std::string(16, 'd'));
  f.mutable_hello()->set_protocol_version(1);
  f.mutable_hello()->mutable_resume_after()->set_ms(5);
  f.mutable_hello()->mutable_resume_after()->set_seq(2);
  Inbound in;
  DecodeError error;
  ASSERT_TRUE(decode_client_frame(f.SerializeAsString(), in, error)) << error.message;
  EXPECT_EQ(in.type, Inbound::Type::kHello);
  EXPECT_EQ(in.credential, "tok");
  EXPECT_EQ(in.device, std::string(16, 'd'));
  EXPECT_EQ(in.offset, (MboxOffset{5, 2}));
}

TEST(FramesTest, EveryClientFrameKindDecodes) {
  v1::ClientFrame env;
  env.mutable_envelope()->set_seq(7);
  v1::ClientFrame ack;
  ack.mutable_ack()->mutable_up_to()->set_ms(9);
  v1::ClientFrame ping;
  ping.mutable_ping()->set_id(3);
  v1::ClientFrame token;
  token.mutable_token()->set_access_token("t2");
  Inbound in;
  DecodeError error;
  ASSERT_TRUE(decode_client_frame(env.SerializeAsString(), in, error));
  EXPECT_EQ(in.type, Inbound::Type::kEnvelope);
  EXPECT_EQ(in.envelope->seq(), 7u);
  ASSERT_TRUE(decode_client_frame(ack.SerializeAsString(), in, error));
  EXPECT_EQ(in.offset.ms, 9u);
  ASSERT_TRUE(decode_client_frame(ping.SerializeAsString(), in, error));
  EXPECT_EQ(in.ping_id, 3u);
  ASSERT_TRUE(decode_client_frame(token.SerializeAsString(), in, error));
  EXPECT_EQ(in.type, Inbound::Type::kToken);
}

TEST(FramesTest, GarbageEmptyAndContentlessFramesAreRefused) {
  Inbound in;
  DecodeError error;
  EXPECT_FALSE(decode_client_frame("", in, error));
  EXPECT_FALSE(decode_client_frame(std::string("\xff\xff\xff\xff", 4), in, error));
  EXPECT_FALSE(error.message.empty());
  EXPECT_FALSE(decode_client_frame(v1::ClientFrame{}.SerializeAsString() + std::string(1, '\x08'), in, error));
  // A valid protobuf with no known content.
  EXPECT_FALSE(decode_client_frame(std::string("\xa0\x06\x01", 3), in, error));
}

TEST(FramesTest, OverlongCredentialsAreRefusedWithoutEcho) {
  v1::ClientFrame f;
  f.mutable_hello()->set_access_token(std::string(9000, 'S'));
  Inbound in;
  DecodeError error;
  EXPECT_FALSE(decode_client_frame(f.SerializeAsString(), in, error));
  EXPECT_EQ(error.message.find("SSS"), std::string::npos);
}

TEST(FramesTest, AgentFramesDecode) {
  v1::AgentFrame f;
  f.mutable_hello()->set_device_token("dt");
  f.mutable_hello()->set_protocol_version(1);
  Inbound in;
  DecodeError error;
  ASSERT_TRUE(decode_agent_frame(f, in, error));
  EXPECT_EQ(in.credential, "dt");
  EXPECT_FALSE(decode_agent_frame(v1::AgentFrame{}, in, error));
}

}  // namespace
}  // namespace bw::relay
