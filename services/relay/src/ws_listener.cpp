#include "ws_listener.hpp"

#include <mutex>
#include <unordered_map>

namespace bw::relay {
namespace {

namespace v1 = breakwater::relay::v1;

class WsOutbound final : public Outbound {
 public:
  explicit WsOutbound(std::shared_ptr<ws::Connection> c) : connection_(std::move(c)) {}
  bool send(const v1::RelayFrame& frame) override { return connection_->send(frame.SerializeAsString()); }
  void close(const std::string& reason) override {
    connection_->close(reason == "slow_reader" ? ws::kClosePolicy : ws::kCloseNormal, reason);
  }
  const char* transport() const override { return "websocket"; }

 private:
  std::shared_ptr<ws::Connection> connection_;
};

}  // namespace

struct WsListener::Impl final : ws::Handler {
  std::shared_ptr<Relay> relay;
  std::unique_ptr<ws::Server> server;
  std::mutex mu;
  std::unordered_map<std::uint64_t, Relay::InboundFn> sessions;

  void on_open(std::shared_ptr<ws::Connection> connection) override {
    const auto id = connection->id();
    auto fn = relay->open(std::make_shared<WsOutbound>(std::move(connection)));
    std::lock_guard lock(mu);
    sessions.emplace(id, std::move(fn));
  }

  void on_message(ws::Connection& connection, std::string bytes) override {
    Relay::InboundFn fn;
    {
      std::lock_guard lock(mu);
      auto it = sessions.find(connection.id());
      if (it == sessions.end()) return;
      fn = it->second;
    }
    Inbound in;
    DecodeError error;
    if (decode_client_frame(bytes, in, error)) {
      fn(&in);
      return;
    }
    v1::RelayFrame f;
    f.mutable_error()->set_code(v1::Error::MALFORMED);
    f.mutable_error()->set_message(error.message);
    connection.send(f.SerializeAsString());
  }

  void on_close(ws::Connection& connection, const ws::CloseInfo&) override {
    Relay::InboundFn fn;
    {
      std::lock_guard lock(mu);
      auto it = sessions.find(connection.id());
      if (it == sessions.end()) return;
      fn = std::move(it->second);
      sessions.erase(it);
    }
    fn(nullptr);
  }
};

WsListener::WsListener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WsListener::~WsListener() { stop(); }

Result<std::unique_ptr<WsListener>> WsListener::start(ws::ServerOptions options, std::shared_ptr<Relay> relay) {
  auto impl = std::make_unique<Impl>();
  impl->relay = std::move(relay);
  auto server = ws::start_server(std::move(options), *impl);
  if (!server) return server.error();
  impl->server = std::move(server.value());
  return std::unique_ptr<WsListener>(new WsListener(std::move(impl)));
}

std::uint16_t WsListener::port() const { return impl_->server->port(); }

const ws::Stats& WsListener::stats() const { return impl_->server->stats(); }

std::vector<StatSample> WsListener::samples() const {
  const auto& s = impl_->server->stats();
  const char* refused = "WebSocket handshakes refused before the upgrade, by reason";
  const char* closed = "WebSocket connections closed, by reason";
  return {
      {"ws_accepted", "WebSocket connections upgraded", {}, s.accepted.load()},
      {"ws_refused", refused, {{"reason", "path"}}, s.refused.path.load()},
      {"ws_refused", refused, {{"reason", "query"}}, s.refused.query.load()},
      {"ws_refused", refused, {{"reason", "origin"}}, s.refused.origin.load()},
      {"ws_refused", refused, {{"reason", "host"}}, s.refused.host.load()},
      {"ws_refused", refused, {{"reason", "not_upgrade"}}, s.refused.not_upgrade.load()},
      {"ws_refused", refused, {{"reason", "malformed"}}, s.refused.malformed.load()},
      {"ws_refused", refused, {{"reason", "capacity"}}, s.refused.capacity.load()},
      {"ws_refused", refused, {{"reason", "tls"}}, s.refused.tls.load()},
      {"ws_refused", refused, {{"reason", "handshake_timeout"}}, s.refused.handshake_timeout.load()},
      {"ws_closed", closed, {{"reason", "idle"}}, s.closed.idle.load()},
      {"ws_closed", closed, {{"reason", "slow_reader"}}, s.closed.slow_reader.load()},
      {"ws_closed", closed, {{"reason", "too_large"}}, s.closed.too_large.load()},
      {"ws_closed", closed, {{"reason", "text"}}, s.closed.text.load()},
      {"ws_closed", closed, {{"reason", "peer"}}, s.closed.peer.load()},
      {"ws_closed", closed, {{"reason", "server"}}, s.closed.server.load()},
      {"ws_messages", "WebSocket messages, by direction", {{"direction", "in"}}, s.messages_in.load()},
      {"ws_messages", "WebSocket messages, by direction", {{"direction", "out"}}, s.messages_out.load()},
      {"ws_bytes", "WebSocket payload bytes, by direction", {{"direction", "in"}}, s.bytes_in.load()},
      {"ws_bytes", "WebSocket payload bytes, by direction", {{"direction", "out"}}, s.bytes_out.load()},
      {"ws_open_connections", "WebSocket connections open now", {}, impl_->server->open_connections(), true},
  };
}

void WsListener::stop() {
  if (impl_ && impl_->server) impl_->server->stop();
}

}  // namespace bw::relay
