// The clients' transport: WebSocket connections (libs/ws) fed to connection actors. One
// binary WebSocket message = one serialized ClientFrame in, one RelayFrame out.
#pragma once

#include <memory>

#include "bw/result.hpp"
#include "bw/ws/server.hpp"
#include "relay_core.hpp"
#include "stats_exporter.hpp"

namespace bw::relay {

class WsListener {
 public:
  // Starts listening; the relay must outlive the listener.
  static Result<std::unique_ptr<WsListener>> start(ws::ServerOptions options, std::shared_ptr<Relay> relay);
  ~WsListener();
  std::uint16_t port() const;
  const ws::Stats& stats() const;
  // The server's counters as metric samples (refusals and closes by reason, traffic).
  std::vector<StatSample> samples() const;
  void stop();

 private:
  struct Impl;
  explicit WsListener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bw::relay
