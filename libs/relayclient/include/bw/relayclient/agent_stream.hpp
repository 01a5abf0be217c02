// AgentStream: one agent ⇄ relay stream (breakwater.relay.v1.Relay/Connect), opened with
// Hello and ready once the relay answered Welcome. It does not reconnect by itself
// (RelayLink does); a closed stream stays closed.
//
// Guarantees: the device token travels only in the Hello frame (never in gRPC metadata);
// the relay's certificate is verified against the configured CA (a plaintext channel is
// used only when explicitly asked for); receive() never blocks past its timeout; frames
// the relay sends are queued in arrival order up to max_queued frames — beyond that the
// stream is cancelled (this side is the slow reader) rather than buffered without limit.
// Thread-safe: send() and receive() may be called from different threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "breakwater/relay/v1/relay.pb.h"
#include "bw/result.hpp"

namespace bw::relayclient {

struct StreamOptions {
  std::string target;        // host:port of a relay pod (or its load balancer)
  std::string ca_file;       // CA that signed the relay's certificate
  std::string server_name;   // expected name in the certificate, if not the host
  bool plaintext = false;    // only for a local relay behind nothing (tests)
  std::chrono::milliseconds open_timeout{5000};  // connect + Hello → Welcome
  std::size_t max_queued = 4096;
};

// Errors of open(): kRefused (the relay answered Error; message has its code),
// kUnreachable (no connection or no answer in time).
inline constexpr int kRefused = 1;
inline constexpr int kUnreachable = 2;

class AgentStream {
 public:
  struct Impl;
  static Result<std::unique_ptr<AgentStream>> open(const StreamOptions& options,
                                                   const breakwater::relay::v1::Hello& hello);
  ~AgentStream();
  AgentStream(const AgentStream&) = delete;
  AgentStream& operator=(const AgentStream&) = delete;

  const breakwater::relay::v1::Welcome& welcome() const;
  // False when the stream is closed.
  bool send(const breakwater::relay::v1::AgentFrame& frame);
  // The next frame, or nullopt after `timeout` or once the stream ended (see closed()).
  std::optional<breakwater::relay::v1::RelayFrame> receive(std::chrono::milliseconds timeout);
  bool closed() const;
  // Half-closes and cancels; idempotent.
  void close();

 private:
  explicit AgentStream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bw::relayclient
