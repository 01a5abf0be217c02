// ClientStream: a client device's WebSocket to the relay (path /v1/connect), opened with
// ClientHello and ready once the relay answered Welcome. Each WebSocket message is one
// serialized frame (ClientFrame out, RelayFrame in). Like AgentStream it does not
// reconnect by itself.
//
// Guarantees: the access token travels only in the first frame, never in the URL (the
// WebSocket client refuses URLs with a query); the relay's certificate is verified
// against the CA file; receive() returns within its timeout. Not thread-safe: one thread
// at a time (the terminal client and tests drive it from one loop).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "breakwater/relay/v1/relay.pb.h"
#include "bw/relayclient/agent_stream.hpp"
#include "bw/result.hpp"

namespace bw::relayclient {

struct ClientStreamOptions {
  std::string url;                    // wss://host:port/v1/connect
  std::optional<std::string> origin;  // browsers send one; the terminal client does not
  std::string ca_file;
  std::chrono::milliseconds open_timeout{5000};
  std::size_t max_message_bytes = 2 * 1024 * 1024;
};

class ClientStream {
 public:
  struct Impl;
  // Errors: kRefused (the relay answered Error, or refused the upgrade), kUnreachable.
  static Result<std::unique_ptr<ClientStream>> open(const ClientStreamOptions& options,
                                                    const breakwater::relay::v1::ClientHello& hello);
  ~ClientStream();
  ClientStream(const ClientStream&) = delete;
  ClientStream& operator=(const ClientStream&) = delete;

  const breakwater::relay::v1::Welcome& welcome() const;
  bool send(const breakwater::relay::v1::ClientFrame& frame);
  // Raw bytes as one WebSocket message (tests send malformed frames with it).
  bool send_raw(const std::string& bytes);
  // The next frame; nullopt after `timeout` or once the connection ended (closed()).
  std::optional<breakwater::relay::v1::RelayFrame> receive(std::chrono::milliseconds timeout);
  bool closed() const;
  // The WebSocket close code once closed() (e.g. 1008 slow reader, 1009 too large).
  std::uint16_t close_code() const;
  void close();

 private:
  explicit ClientStream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bw::relayclient
