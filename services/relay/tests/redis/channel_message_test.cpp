// The device channel's message codec: round trips, and strict refusal of everything else.
#include "redis/channel_message.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bw::relay::redis {
namespace {

DeviceId some_device() {
  DeviceId d{};
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<std::uint8_t>(i * 17);
  return d;
}

TEST(ChannelMessage, RoundTripsEveryKind) {
  const ChannelMessage messages[] = {
      NewEntry{{1795364866400, 2}},
      NewMail{{1795364866400, 3}, {1795364866400, 2}, std::string("a b\0\xff\n c", 8)},
      NewMail{{7, 0}, {0, 0}, std::string(kMaxInlineEnvelope, ' ')},
      PresenceChange{some_device(), true, 1795364866400},
      PresenceChange{some_device(), false, 0},
      Kick{"pod-7/0123456789abcdef"},
  };
  for (const auto& message : messages) {
    const std::string line = encode_channel_message(message);
    auto decoded = decode_channel_message(line);
    ASSERT_TRUE(decoded.has_value()) << line;
    EXPECT_EQ(*decoded, message) << line;
  }
}

TEST(ChannelMessage, WireFormatIsTheDocumentedOne) {
  EXPECT_EQ(encode_channel_message(NewEntry{{12, 3}}), "entry 12-3");
  EXPECT_EQ(encode_channel_message(PresenceChange{some_device(), true, 5}),
            "presence 00112233445566778899aabbccddeeff online 5");
  EXPECT_EQ(encode_channel_message(Kick{"c1"}), "kick c1");
  EXPECT_EQ(encode_channel_message(NewMail{{12, 4}, {12, 3}, "x y"}), "mail 12-4 12-3 x y");
}

TEST(ChannelMessage, RefusesMalformedMail) {
  for (const std::string& bad : std::vector<std::string>{
           "mail", "mail ", "mail 2-0", "mail 2-0 1-0", "mail 2-0 1-0 ", "mail 2-0  1-0 x",
           "mail 2-0 2-0 x", "mail 1-0 2-0 x", "mail 02-0 1-0 x", "mail 2-0 1 x", "Mail 2-0 1-0 x",
           "mail 2-0 1-0 " + std::string(kMaxInlineEnvelope + 1, 'x')}) {
    EXPECT_FALSE(decode_channel_message(bad).has_value()) << bad.substr(0, 40);
  }
  // The envelope is everything after the header, spaces included.
  auto spaced = decode_channel_message("mail 2-0 1-0  x ");
  ASSERT_TRUE(spaced.has_value());
  EXPECT_EQ(std::get<NewMail>(*spaced).envelope, " x ");
}

TEST(ChannelMessage, RefusesMalformedAndUnknownMessages) {
  const std::string hex = "00112233445566778899aabbccddeeff";
  for (const std::string& bad : std::vector<std::string>{
           std::string(), std::string("entry"), std::string("entry "), std::string("entry 1"),
           std::string("entry 1-2 "), std::string("entry  1-2"), std::string("Entry 1-2"),
           std::string("entry 01-2"), std::string("new 1-2"), std::string("kick"),
           std::string("kick "), std::string("kick a b"), std::string("kick ") + std::string(65, 'a'),
           "presence " + hex, "presence " + hex + " online", "presence " + hex + " online 5 6",
           "presence " + hex + " away 5", "presence " + hex + " online -5",
           "presence " + hex + " online 05", "presence " + hex.substr(2) + " online 5",
           "presence 00112233445566778899AABBCCDDEEFF online 5",
           "entry 1-2" + std::string(kMaxChannelMessage, ' '), std::string("entry 1-2\0", 10)}) {
    EXPECT_FALSE(decode_channel_message(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace bw::relay::redis
