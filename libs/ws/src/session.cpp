// One connection's life (see session.hpp for the invariants): TLS handshake, the upgrade
// request and its check, the WebSocket accept, then a read loop that hands each message to
// the handler, a write loop that drains the bounded queue, and one way out (finish()).
#include "session.hpp"

#include <boost/asio/dispatch.hpp>

#include <openssl/ssl.h>

#include "bw/http/policy.hpp"

namespace bw::ws::detail {

namespace {

constexpr std::size_t kMaxHeaderBytes = 8 * 1024;
constexpr std::size_t kKeptReadBuffer = 2 * 1024;  // a bigger read buffer is freed after the message
constexpr std::size_t kMaxReasonBytes = 123;       // RFC 6455 §5.5: control payload ≤ 125

bool is_sendable_code(std::uint16_t c) {
  return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}

}  // namespace

void Shared::enroll(std::uint64_t id, std::weak_ptr<SessionBase> s) {
  std::lock_guard lock(mu);
  sessions.emplace(id, std::move(s));
}

void Shared::leave(std::uint64_t id) {
  {
    std::lock_guard lock(mu);
    sessions.erase(id);
  }
  cv.notify_all();
}

template <class Stream>
typename Session<Stream>::WsStream Session<Stream>::make_stream(tcp::socket socket, asio::ssl::context* tls) {
  if constexpr (kTls) {
    return WsStream(std::move(socket), tls->native_handle());
  } else {
    (void)tls;
    return WsStream(std::move(socket));
  }
}

template <class Stream>
Session<Stream>::Session(std::shared_ptr<Shared> shared, std::string peer, tcp::socket socket, asio::ssl::context* tls)
    : shared_(std::move(shared)),
      peer_(std::move(peer)),
      id_(shared_->next_id.fetch_add(1)),
      ws_(make_stream(std::move(socket), tls)),
      executor_(ws_.get_executor()),
      timer_(executor_) {
  ++shared_->handshaking;
}

template <class Stream>
void Session<Stream>::start() {
  shared_->enroll(id_, self());
  // On the connection's strand from the first step: the TLS handshake's first step runs
  // inline, and on the acceptor's strand it would hold up accepting.
  asio::dispatch(executor_, [s = self()] { s->begin(); });
}

template <class Stream>
void Session<Stream>::begin() {
  beast::get_lowest_layer(ws_).expires_after(shared_->options.handshake_timeout);
  if constexpr (kTls) {
    ws_.next_layer().async_handshake(asio::ssl::stream_base::server,
                                     [s = self()](beast::error_code ec) { s->on_tls(ec); });
  } else {
    read_request();
  }
}

template <class Stream>
void Session<Stream>::on_tls(beast::error_code ec) {
  if (ec) {
    if (ec == beast::error::timeout) ++shared_->stats.refused.handshake_timeout;
    else if (ec != asio::error::operation_aborted) ++shared_->stats.refused.tls;
    return finish_unopened();
  }
  read_request();
}

template <class Stream>
void Session<Stream>::read_request() {
  parser_.emplace();
  parser_->header_limit(kMaxHeaderBytes);
  bhttp::async_read(ws_.next_layer(), buffer_, *parser_,
                    [s = self()](beast::error_code ec, std::size_t) { s->on_request(ec); });
}

template <class Stream>
void Session<Stream>::on_request(beast::error_code ec) {
  auto& refused = shared_->stats.refused;
  if (ec == beast::error::timeout) {
    ++refused.handshake_timeout;
    return finish_unopened();
  }
  if (ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::operation_aborted ||
      ec == asio::ssl::error::stream_truncated || ec == asio::error::connection_reset) {
    return finish_unopened();  // the peer left before asking anything: not a refusal
  }
  if (ec) return refuse(refused.malformed, 400);
  const auto& req = parser_->get();
  UpgradeView view;
  view.target = std::string_view(req.target().data(), req.target().size());
  view.is_upgrade = websocket::is_upgrade(req);
  view.host_count = req.count(bhttp::field::host);
  view.origin_count = req.count(bhttp::field::origin);
  if (const auto h = req.find(bhttp::field::host); h != req.end()) view.host = std::string_view(h->value().data(), h->value().size());
  if (const auto o = req.find(bhttp::field::origin); o != req.end()) {
    view.origin = std::string_view(o->value().data(), o->value().size());
  }
  switch (check_upgrade(view, shared_->rules)) {
    case Refusal::kNone: break;
    case Refusal::kQuery: return refuse(refused.query, 400);
    case Refusal::kPath: return refuse(refused.path, 404);
    case Refusal::kNotUpgrade: return refuse(refused.not_upgrade, 426);
    case Refusal::kHost: return refuse(refused.host, 403);
    case Refusal::kOrigin: return refuse(refused.origin, 403);
  }
  if (shared_->stopping.load()) return refuse(refused.capacity, 503);
  if (shared_->open.fetch_add(1) >= shared_->options.max_connections) {
    --shared_->open;
    return refuse(refused.capacity, 503);
  }
  holds_slot_ = true;
  accept();
}

template <class Stream>
void Session<Stream>::refuse(Counter& counter, unsigned status) {
  ++counter;
  parser_.reset();
  refusal_.emplace(static_cast<bhttp::status>(status), 11);
  auto& r = *refusal_;
  r.set(bhttp::field::server, "breakwater");
  for (const auto& [k, v] : http::security_headers(kTls)) r.set(k, v);
  if (status == 426) r.set(bhttp::field::upgrade, "websocket");
  if (status == 503) r.set(bhttp::field::retry_after, "1");
  r.keep_alive(false);
  r.prepare_payload();
  bhttp::async_write(ws_.next_layer(), r, [s = self()](beast::error_code, std::size_t) {
    beast::error_code ignored;
    beast::get_lowest_layer(s->ws_).socket().shutdown(tcp::socket::shutdown_send, ignored);
    s->finish_unopened();
  });
}

template <class Stream>
void Session<Stream>::accept() {
  const auto& o = shared_->options;
  ws_.read_message_max(0);  // the limit is ours (do_read), so the close can say why
  buffer_.max_size(o.max_message_bytes + 1);
  ws_.auto_fragment(false);
  websocket::stream_base::timeout t{};
  t.handshake_timeout = o.handshake_timeout;
  t.idle_timeout = o.ping_interval.count() > 0 ? 2 * o.ping_interval : websocket::stream_base::none();
  t.keep_alive_pings = o.ping_interval.count() > 0;
  ws_.set_option(t);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& r) { r.set(bhttp::field::server, "breakwater"); }));
  beast::get_lowest_layer(ws_).expires_never();  // Beast's own timeouts from here on
  ws_.async_accept(parser_->get(), [s = self()](beast::error_code ec) { s->on_accept(ec); });
}

template <class Stream>
void Session<Stream>::on_accept(beast::error_code ec) {
  parser_.reset();
  // Give back what reading the request took. A client may not send frames before it has
  // the 101 (RFC 6455 §4.1), so nothing read past the request is kept.
  buffer_.consume(buffer_.size());
  buffer_.shrink_to_fit();
  if (ec) {
    if (ec == beast::error::timeout) ++shared_->stats.refused.handshake_timeout;
    else if (ec != asio::error::operation_aborted) ++shared_->stats.refused.not_upgrade;  // bad key/version
    return finish_unopened();
  }
  in_handshake_ = false;
  --shared_->handshaking;
  opened_ = true;
  ++shared_->stats.accepted;
  {
    std::lock_guard lock(mu_);
    accepting_ = true;
  }
  last_activity_ = Clock::now();
  arm_idle();
  try {
    shared_->handler->on_open(self());
  } catch (...) {
    begin_close(kCloseInternal, "internal error", shared_->stats.closed.server, true);
  }
  if (!closing_) do_read();
}

template <class Stream>
void Session<Stream>::do_read() {
  // Reads a message piece by piece and never asks for more than one byte past the limit, so
  // an oversized message is caught with at most max_message_bytes + 1 buffered and closed by
  // us with a proper 1009 (Beast's own read_message_max would fail the stream instead, and
  // the close could not be told apart from a vanished peer).
  const std::size_t limit = shared_->options.max_message_bytes + 1 - buffer_.size();
  ws_.async_read_some(buffer_, std::min<std::size_t>(limit, 64 * 1024),
                      [s = self()](beast::error_code ec, std::size_t n) { s->on_read(ec, n); });
}

template <class Stream>
void Session<Stream>::on_read(beast::error_code ec, std::size_t) {
  if (ec) return on_transport_end(ec);
  last_activity_ = Clock::now();
  auto& closed = shared_->stats.closed;
  if (ws_.got_text()) return drop_and_close(kCloseUnsupportedData, "binary messages only", closed.text);
  if (buffer_.size() > shared_->options.max_message_bytes) {
    return drop_and_close(kCloseTooBig, "message too big", closed.too_large);
  }
  if (!ws_.is_message_done()) return do_read();
  if (closing_) {
    // Cannot happen (no read is started once closing) but a message then is dropped.
    buffer_.consume(buffer_.size());
    return;
  }
  std::string message = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  if (buffer_.capacity() > kKeptReadBuffer) buffer_.shrink_to_fit();
  ++shared_->stats.messages_in;
  shared_->stats.bytes_in += message.size();
  deliver(std::move(message));
  // Once closing, Beast's close operation reads (and drops) whatever precedes the peer's
  // close frame; a read of ours beside it is not allowed.
  if (!closing_) do_read();
}

template <class Stream>
void Session<Stream>::drop_and_close(std::uint16_t code, const char* reason, Counter& counter) {
  buffer_.consume(buffer_.size());
  buffer_.shrink_to_fit();
  begin_close(code, reason, counter, true);
}

template <class Stream>
void Session<Stream>::deliver(std::string message) {
  try {
    shared_->handler->on_message(*this, std::move(message));
  } catch (...) {
    begin_close(kCloseInternal, "internal error", shared_->stats.closed.server, true);
  }
}

template <class Stream>
bool Session<Stream>::send(std::string bytes) {
  std::unique_lock lock(mu_);
  if (!accepting_) return false;
  if (out_bytes_ + bytes.size() > shared_->options.max_outbound_bytes) {
    accepting_ = false;  // nothing more is queued; what is queued is dropped
    out_.clear();
    out_bytes_ = in_flight_;
    lock.unlock();
    asio::post(executor_, [s = self()] {
      s->begin_close(kClosePolicy, "slow reader", s->shared_->stats.closed.slow_reader, true);
    });
    return false;
  }
  out_bytes_ += bytes.size();
  out_.push_back(std::move(bytes));
  if (write_active_) return true;
  write_active_ = true;
  lock.unlock();
  asio::post(executor_, [s = self()] { s->do_write(); });
  return true;
}

template <class Stream>
void Session<Stream>::do_write() {
  std::unique_lock lock(mu_);
  if (out_.empty() || finished_) {
    write_active_ = false;
    const bool close_now = close_after_writes_ && !finished_;
    close_after_writes_ = false;
    lock.unlock();
    if (close_now) {
      ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(close_info_.code),
                                              beast::string_view(close_info_.reason.data(), close_info_.reason.size())),
                      [s = self()](beast::error_code ec) {
                        s->on_transport_end(ec ? ec : beast::error_code(websocket::error::closed));
                      });
    }
    return;
  }
  current_ = std::move(out_.front());
  out_.pop_front();
  in_flight_ = current_.size();
  lock.unlock();
  ws_.binary(true);
  ws_.async_write(asio::buffer(current_), [s = self()](beast::error_code ec, std::size_t n) { s->on_write(ec, n); });
}

template <class Stream>
void Session<Stream>::on_write(beast::error_code ec, std::size_t bytes) {
  {
    std::lock_guard lock(mu_);
    out_bytes_ -= in_flight_;
    in_flight_ = 0;
    if (ec) {
      write_active_ = false;
      close_after_writes_ = false;
    }
  }
  current_ = std::string();
  if (ec) return;  // the read side sees the same failure and finishes
  ++shared_->stats.messages_out;
  shared_->stats.bytes_out += bytes;
  last_activity_ = Clock::now();
  do_write();
}

template <class Stream>
void Session<Stream>::close(std::uint16_t code, std::string reason) {
  {
    std::lock_guard lock(mu_);
    if (!live_) return;
  }
  asio::post(executor_, [s = self(), code, reason = std::move(reason)]() mutable {
    s->begin_close(code, std::move(reason), s->shared_->stats.closed.server, false);
  });
}

template <class Stream>
std::size_t Session<Stream>::queued_bytes() const {
  std::lock_guard lock(mu_);
  return out_bytes_;
}

template <class Stream>
void Session<Stream>::begin_close(std::uint16_t code, std::string reason, Counter& counter, bool drop_queue) {
  if (!opened_ || closing_ || finished_) return;
  closing_ = true;
  if (reason.size() > kMaxReasonBytes) reason.resize(kMaxReasonBytes);
  close_info_ = CloseInfo{is_sendable_code(code) ? code : std::uint16_t{kCloseNormal}, std::move(reason), false};
  close_counter_ = &counter;
  bool write_now = false;
  {
    std::lock_guard lock(mu_);
    accepting_ = false;
    if (drop_queue) {
      out_.clear();
      out_bytes_ = in_flight_;
    }
    close_after_writes_ = true;
    if (!write_active_) write_active_ = write_now = true;  // the write loop sends the close frame
  }
  if (write_now) do_write();
  timer_.expires_after(shared_->options.handshake_timeout);  // whatever the peer does
  timer_.async_wait([s = self()](beast::error_code ec) { s->on_timer(ec); });
}

template <class Stream>
void Session<Stream>::arm_idle() {
  const auto idle = shared_->options.idle_timeout;
  const auto left = idle - std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - last_activity_);
  timer_.expires_after(std::max(left, std::chrono::milliseconds(1)));
  timer_.async_wait([s = self()](beast::error_code ec) { s->on_timer(ec); });
}

template <class Stream>
void Session<Stream>::on_timer(beast::error_code ec) {
  if (ec || finished_) return;  // cancelled: re-armed or finished
  if (closing_) return cut();   // the close deadline passed
  if (Clock::now() - last_activity_ >= shared_->options.idle_timeout) {
    return begin_close(kCloseNormal, "idle timeout", shared_->stats.closed.idle, false);
  }
  arm_idle();
}

template <class Stream>
void Session<Stream>::cut() {
  beast::get_lowest_layer(ws_).close();  // every pending operation ends with operation_aborted
}

template <class Stream>
void Session<Stream>::on_transport_end(beast::error_code ec) {
  auto& closed = shared_->stats.closed;
  if (closing_) return finish(close_info_, *close_counter_);
  if (ec == websocket::error::closed) {
    const auto& r = ws_.reason();
    return finish(CloseInfo{static_cast<std::uint16_t>(r.code), std::string(r.reason.data(), r.reason.size()), true},
                  closed.peer);
  }
  if (ec == websocket::error::message_too_big) return finish(CloseInfo{kCloseTooBig, "", false}, closed.too_large);
  if (ec == beast::error::timeout) return finish(CloseInfo{kCloseAbnormal, "no pong", false}, closed.idle);
  if (ec == asio::error::operation_aborted) return finish(CloseInfo{kCloseGoingAway, "going away", false}, closed.server);
  finish(CloseInfo{kCloseAbnormal, "", true}, closed.peer);  // the peer vanished or broke the protocol
}

template <class Stream>
void Session<Stream>::finish(CloseInfo info, Counter& counter) {
  if (finished_) return;
  finished_ = true;
  timer_.cancel();
  {
    std::lock_guard lock(mu_);
    live_ = accepting_ = false;
    out_.clear();
    out_bytes_ = in_flight_;
  }
  ++counter;
  cut();
  try {
    shared_->handler->on_close(*this, info);
  } catch (...) {
    // Nothing left to close; the handler's failure must not take the I/O thread down.
  }
  finish_unopened();
}

template <class Stream>
void Session<Stream>::finish_unopened() {
  {
    std::lock_guard lock(mu_);
    live_ = accepting_ = false;
  }
  timer_.cancel();
  if (in_handshake_) {
    in_handshake_ = false;
    --shared_->handshaking;
  }
  if (holds_slot_) {
    holds_slot_ = false;
    --shared_->open;
  }
  shared_->leave(id_);
}

template <class Stream>
void Session<Stream>::shutdown(bool hard) {
  asio::post(executor_, [s = self(), hard] {
    if (s->finished_) return;
    if (!hard && s->opened_) {
      return s->begin_close(kCloseGoingAway, "going away", s->shared_->stats.closed.server, false);
    }
    if (s->opened_ && !s->closing_) {
      s->closing_ = true;
      s->close_info_ = CloseInfo{kCloseGoingAway, "going away", false};
      s->close_counter_ = &s->shared_->stats.closed.server;
    }
    s->timer_.cancel();
    s->cut();
  });
}

template <class Stream>
void Session<Stream>::mark_dead() {
  std::lock_guard lock(mu_);
  live_ = accepting_ = false;
}

template class Session<beast::tcp_stream>;
template class Session<TlsStream>;

}  // namespace bw::ws::detail
