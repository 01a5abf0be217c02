// What reaches the relay from the network and from Redis: a client's WebSocket message (a
// ClientFrame), an agent's frame, the routing rules over whatever envelope they carry, and
// the text of pub/sub channel messages and stream ids. None may crash, hang or leak, and a
// refusal must carry a message.
#include <cstddef>
#include <cstdint>
#include <string>

#include "redis/channel_message.hpp"
#include "redis/offset.hpp"
#include "rules.hpp"
#include "transport.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  bw::relay::Identity who{std::string(16, 't'), std::string(16, 'u'), std::string(16, 'c'),
                          breakwater::common::v1::DEVICE_KIND_CLIENT};
  bw::relay::PairingView pairing{std::string(16, 'p'), std::string(16, 'a'), std::string(16, 'u'),
                                 breakwater::common::v1::ROLE_VIEWER, true};
  bw::relay::Inbound in;
  bw::relay::DecodeError error;
  if (bw::relay::decode_client_frame(bytes, in, error)) {
    if (in.type == bw::relay::Inbound::Type::kEnvelope) {
      (void)bw::relay::check_envelope(who, *in.envelope, &pairing, 1'800'000'000'000, {});
      (void)bw::relay::check_envelope(who, *in.envelope, nullptr, 0, {});
    }
  } else if (error.message.empty()) {
    __builtin_trap();  // every refusal says why
  }
  breakwater::relay::v1::AgentFrame agent;
  if (agent.ParseFromString(bytes)) {
    who.kind = breakwater::common::v1::DEVICE_KIND_AGENT;
    if (bw::relay::decode_agent_frame(agent, in, error) && in.type == bw::relay::Inbound::Type::kEnvelope) {
      (void)bw::relay::check_envelope(who, *in.envelope, &pairing, 1'800'000'000'000, {});
    }
  }
  if (auto message = bw::relay::redis::decode_channel_message(bytes)) {
    // Strict decoding: only the canonical text of a message is accepted.
    if (bw::relay::redis::encode_channel_message(*message) != bytes) __builtin_trap();
  }
  if (auto o = bw::relay::redis::parse_offset(bytes)) {
    if (bw::relay::redis::to_stream_id(*o) != bytes) __builtin_trap();  // canonical round trip
  }
  return 0;
}
