// What a transport (the agents' gRPC stream, the clients' WebSocket) hands a connection
// actor, and what the actor hands back. The actor never sees a socket; the transport never
// sees routing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "breakwater/relay/v1/relay.pb.h"

namespace bw::relay {

// A mailbox position (relay.proto MailboxOffset), compared as the pair (ms, seq).
struct MboxOffset {
  std::uint64_t ms = 0;
  std::uint64_t seq = 0;
  friend auto operator<=>(const MboxOffset&, const MboxOffset&) = default;
  friend bool operator==(const MboxOffset&, const MboxOffset&) = default;
};

// One frame from the peer, transport-neutral.
struct Inbound {
  enum class Type { kHello, kEnvelope, kAck, kPing, kPong, kToken };
  Type type = Type::kHello;
  std::string credential;    // kHello (device token or access token), kToken
  std::string device;        // kHello from a client: the client device (16 bytes)
  std::uint32_t protocol_version = 0;
  MboxOffset offset;         // kHello: resume_after; kAck: up_to
  std::uint64_t ping_id = 0; // kPing, kPong
  std::string version;       // kHello: software version, diagnostics only
  std::shared_ptr<const breakwater::relay::v1::Envelope> envelope;  // kEnvelope
};

// The actor's way back to the peer. Thread-safe.
class Outbound {
 public:
  virtual ~Outbound() = default;
  // Queues a frame. False when the connection is closed or its queue is over the bound (the
  // transport then closes it as a slow reader): the caller stops sending.
  virtual bool send(const breakwater::relay::v1::RelayFrame& frame) = 0;
  // Sends what is queued, then ends the connection. Idempotent.
  virtual void close(const std::string& reason) = 0;
  // "grpc" or "websocket", for metric labels.
  virtual const char* transport() const = 0;
};

// Parses one WebSocket message from a client (a serialized ClientFrame). Never throws;
// errors name the problem without echoing input.
struct DecodeError {
  std::string message;
};
bool decode_client_frame(const std::string& bytes, Inbound& out, DecodeError& error);
// Converts an agent's gRPC frame.
bool decode_agent_frame(const breakwater::relay::v1::AgentFrame& frame, Inbound& out, DecodeError& error);

}  // namespace bw::relay
