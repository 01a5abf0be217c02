// One accepted socket, from TLS handshake to the end of its WebSocket (see server.hpp for
// the guarantees). Internal to libs/ws; included by server.cpp only.
//
// Invariants:
//  - Everything but send()/close()/queued_bytes()/user data runs on the socket's strand.
//  - `mu_` guards the outbound queue and the flags other threads read: `live_` (the strand
//    still takes posts), `accepting_` (send() may queue), `out_bytes_` (queued + in flight,
//    never above max_outbound_bytes) and `write_active_` (a write is posted or in flight).
//  - At most one async_read and one async_write are outstanding; the next read starts only
//    after on_message returned.
//  - finish() runs once per opened connection and is the only place on_close is called and
//    the open-connection slot is given back.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "bw/ws/server.hpp"
#include "tls_stream.hpp"
#include "upgrade_check.hpp"

namespace bw::ws::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Counter = std::atomic<std::uint64_t>;

class SessionBase : public Connection {
 public:
  // For stop(): graceful close with 1001 (cut at once when not yet upgraded), or cut now
  // (which also cancels the session's timer, so no handler keeps it alive afterwards).
  virtual void shutdown(bool hard) = 0;
  // After the I/O threads are gone: make send()/close() no-ops without touching the strand.
  virtual void mark_dead() = 0;
};

// State every session shares with the server. Sessions keep it alive, and with it the
// io_context their sockets and timers belong to, so a Connection the owner still holds after
// the server is gone stays safe to use (send/close then do nothing).
struct Shared {
  explicit Shared(int threads) : tls(asio::ssl::context::tls_server), ioc(threads) {}
  asio::ssl::context tls;  // outlives ioc, and so every TLS stream
  asio::io_context ioc;
  ServerOptions options;
  UpgradeRules rules;
  Handler* handler = nullptr;
  Stats stats;
  std::atomic<std::size_t> open{0};         // upgraded (or being upgraded) connections
  std::atomic<std::size_t> handshaking{0};  // before the upgrade
  std::atomic<std::uint64_t> next_id{1};
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable cv;  // notified when a session leaves `sessions`
  std::unordered_map<std::uint64_t, std::weak_ptr<SessionBase>> sessions;

  void enroll(std::uint64_t id, std::weak_ptr<SessionBase> s);
  void leave(std::uint64_t id);
};

template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  // `tls` is used (and required) only for the TLS stream.
  Session(std::shared_ptr<Shared> shared, std::string peer, tcp::socket socket, asio::ssl::context* tls);

  void start();

  std::uint64_t id() const override { return id_; }
  const std::string& remote_address() const override { return peer_; }
  bool send(std::string bytes) override;
  void close(std::uint16_t code, std::string reason) override;
  std::size_t queued_bytes() const override;
  void set_user_data(std::uint64_t value) override { user_data_.store(value); }
  std::uint64_t user_data() const override { return user_data_.load(); }
  void shutdown(bool hard) override;
  void mark_dead() override;

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  // permessage-deflate is compiled out (never offered: compression side channels, inflate
  // bombs, and its per-connection state).
  using WsStream = websocket::stream<Stream, false>;
  static WsStream make_stream(tcp::socket socket, asio::ssl::context* tls);

  void begin();
  void on_tls(beast::error_code ec);
  void read_request();
  void on_request(beast::error_code ec);
  void refuse(Counter& counter, unsigned status);
  void accept();
  void on_accept(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void deliver(std::string message);
  void drop_and_close(std::uint16_t code, const char* reason, Counter& counter);
  void do_write();
  void on_write(beast::error_code ec, std::size_t bytes);
  void begin_close(std::uint16_t code, std::string reason, Counter& counter, bool drop_queue);
  void arm_idle();
  void on_timer(beast::error_code ec);
  void cut();
  void on_transport_end(beast::error_code ec);
  void finish(CloseInfo info, Counter& counter);
  void finish_unopened();
  auto self() { return this->shared_from_this(); }

  std::shared_ptr<Shared> shared_;
  std::string peer_;
  std::uint64_t id_;
  WsStream ws_;
  asio::any_io_executor executor_;  // the connection's strand
  asio::steady_timer timer_;        // handshake/idle timeout, then the close deadline
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::empty_body>> parser_;  // only during the handshake
  std::optional<bhttp::response<bhttp::empty_body>> refusal_;       // only while refusing
  std::atomic<std::uint64_t> user_data_{0};

  // Strand-only state.
  bool in_handshake_ = true;
  bool holds_slot_ = false;  // counted in shared_->open
  bool opened_ = false;      // on_open was called
  bool closing_ = false;
  bool finished_ = false;
  CloseInfo close_info_;
  Counter* close_counter_ = nullptr;
  Clock::time_point last_activity_;
  std::string current_;  // the message being written

  // Guarded by mu_.
  mutable std::mutex mu_;
  bool live_ = true;
  bool accepting_ = false;
  bool write_active_ = false;
  bool close_after_writes_ = false;
  std::list<std::string> out_;  // a list allocates nothing while empty (a deque does)
  std::size_t out_bytes_ = 0;
  std::size_t in_flight_ = 0;
};

using PlainSession = Session<beast::tcp_stream>;
using TlsSession = Session<TlsStream>;

}  // namespace bw::ws::detail
