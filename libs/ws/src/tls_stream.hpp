// The server side of TLS for connections that sit idle most of their life: OpenSSL reads
// and writes the socket itself (a socket BIO), so between messages a connection holds its SSL
// object and nothing else. Internal to libs/ws (session.cpp).
//
// Why not asio::ssl::stream: it keeps a BIO pair (2 × 17 KiB) and two 17 KiB record
// vectors per connection for the connection's whole life, ~68 KiB whether anything moves
// or not. With SSL_MODE_RELEASE_BUFFERS and no BIO pair, OpenSSL's record buffers exist
// only while a record is being read or written.
//
// Invariants:
//  - Every operation runs on the socket's executor (a strand), with at most one read and
//    one write outstanding (Beast's http and websocket layers keep to that).
//  - Each step calls OpenSSL first and waits on the socket only when OpenSSL asks for it
//    (WANT_READ / WANT_WRITE), so bytes OpenSSL has already buffered are never waited for.
//  - After close(), and after a fatal TLS error, OpenSSL is not called again: the
//    descriptor number may already belong to another connection.
//  - expires_after() cancels waits in flight when it passes and fails later operations
//    with beast::error::timeout until the next expires_after() or expires_never().
//  - Operations hold the state (shared), so nothing they touch goes away under them.
#pragma once

#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>

namespace bw::ws::detail {

namespace tls_asio = boost::asio;
namespace tls_beast = boost::beast;

class TlsStream {
 public:
  using executor_type = tls_asio::any_io_executor;

  // What one OpenSSL call asks for next.
  struct Step {
    enum Kind { kDone, kWaitRead, kWaitWrite } kind = kDone;
    tls_beast::error_code ec;
    std::size_t bytes = 0;

    static Step done(tls_beast::error_code e, std::size_t n = 0) { return Step{kDone, e, n}; }
    static Step wait(Kind k) { return Step{k, {}, 0}; }
  };

  struct State {
    State(tls_asio::ip::tcp::socket s, SSL_CTX* ctx);
    ~State();
    // Before each OpenSSL call: no error left from another connection on this thread, and
    // errno cleared (an EOF sets none, and a stale one would be taken for the cause).
    static void before_call() {
      ERR_clear_error();
      errno = 0;
    }
    // One OpenSSL call and what it means: done (with an error or a byte count) or a wait.
    Step finish_call(int ok, std::size_t n);
    // Why an operation cannot start (closed, timed out, broken), or no error.
    tls_beast::error_code blocked() const;

    tls_asio::ip::tcp::socket socket;
    tls_asio::steady_timer timer;
    SSL* ssl = nullptr;
    std::uint64_t deadline_generation = 0;
    bool expired = false;  // the deadline passed
    bool closed = false;   // close() ran: never call OpenSSL again
    bool fatal = false;    // OpenSSL failed: no further call (not even SSL_shutdown)
    tls_beast::error_code fatal_ec;  // why, reported to every later operation
  };

  // Takes the accepted socket (made non-blocking) and starts an SSL in server mode; an
  // SSL_new failure shows up as an error of the handshake.
  TlsStream(tls_asio::ip::tcp::socket socket, SSL_CTX* ctx);

  executor_type get_executor() noexcept { return st_->socket.get_executor(); }
  tls_asio::ip::tcp::socket& socket() noexcept { return st_->socket; }

  // Deadline for the operations in flight and those started before it is changed.
  void expires_after(std::chrono::steady_clock::duration d);
  void expires_never();
  // Closes the socket: operations in flight end with operation_aborted.
  void close();
  // Best effort close_notify (never waits), then close().
  void shutdown_and_close();

  template <class Token>
  auto async_handshake(tls_asio::ssl::stream_base::handshake_type, Token&& token) {
    return run<void(tls_beast::error_code)>(
        [](State& s) {
          s.before_call();
          return s.finish_call(SSL_do_handshake(s.ssl), 0);
        },
        std::forward<Token>(token));
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return run<void(tls_beast::error_code, std::size_t)>(
        [buffers](State& s) {
          for (auto it = tls_asio::buffer_sequence_begin(buffers); it != tls_asio::buffer_sequence_end(buffers); ++it) {
            const tls_asio::mutable_buffer b = *it;
            if (b.size() == 0) continue;
            std::size_t n = 0;
            s.before_call();
            const int ok = SSL_read_ex(s.ssl, b.data(), b.size(), &n);
            return s.finish_call(ok, n);
          }
          return Step{};
        },
        std::forward<Token>(token));
  }

  // Writes at most one TLS record's worth: a sequence of several buffers (Beast's frame
  // header and payload) is copied together first, so a message is not split into records.
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return run<void(tls_beast::error_code, std::size_t)>(
        [buffers](State& s) {
          unsigned char flat[kMaxRecord];
          const std::size_t n = tls_asio::buffer_copy(tls_asio::buffer(flat), buffers);
          if (n == 0) return Step{};
          std::size_t written = 0;
          s.before_call();
          const int ok = SSL_write_ex(s.ssl, flat, n, &written);
          OPENSSL_cleanse(flat, n);  // no plaintext left behind on the I/O thread's stack
          return s.finish_call(ok, written);
        },
        std::forward<Token>(token));
  }

 private:
  static constexpr std::size_t kMaxRecord = 16 * 1024;  // TLS plaintext record limit

  // Drives `call` until it is done: the first result is posted (never completed inline),
  // later ones complete from the socket wait that preceded them.
  template <class Call, bool kWithBytes>
  struct Op {
    std::shared_ptr<State> st;
    Call call;
    bool started = false;
    std::optional<Step> posted;

    template <class Self>
    void operator()(Self& self, tls_beast::error_code wait_ec = {}) {
      if (posted) return complete(self, *posted);
      if (wait_ec) {
        // A wait ends early when the deadline passed, the socket closed, or the other
        // direction failed for good (finish_call cancels the waits then).
        const auto why = st->blocked();
        return complete(self, Step::done(why ? why : wait_ec));
      }
      Step step;
      if (const auto why = st->blocked()) step = Step::done(why);
      else step = call(*st);
      const bool first = !started;
      started = true;
      switch (step.kind) {
        case Step::kWaitRead:
          return st->socket.async_wait(tls_asio::socket_base::wait_read, std::move(self));
        case Step::kWaitWrite:
          return st->socket.async_wait(tls_asio::socket_base::wait_write, std::move(self));
        case Step::kDone:
          if (first) {
            posted = step;
            return tls_asio::post(st->socket.get_executor(), std::move(self));
          }
          return complete(self, step);
      }
    }

    template <class Self>
    static void complete(Self& self, const Step& step) {
      if constexpr (kWithBytes) {
        self.complete(step.ec, step.bytes);
      } else {
        self.complete(step.ec);
      }
    }
  };

  template <class Signature, class Call, class Token>
  auto run(Call call, Token&& token) {
    constexpr bool kWithBytes = std::is_same_v<Signature, void(tls_beast::error_code, std::size_t)>;
    return tls_asio::async_compose<Token, Signature>(Op<Call, kWithBytes>{st_, std::move(call), false, std::nullopt}, token, st_->socket);
  }

  std::shared_ptr<State> st_;
};

// Beast closes the lowest layer when its websocket timeout passes.
inline void beast_close_socket(TlsStream& stream) { stream.close(); }

// Beast's websocket close ends with a teardown of the layer below.
void teardown(tls_beast::role_type role, TlsStream& stream, tls_beast::error_code& ec);

template <class Handler>
void async_teardown(tls_beast::role_type, TlsStream& stream, Handler&& handler) {
  stream.shutdown_and_close();
  tls_asio::post(stream.get_executor(),
                 tls_beast::bind_front_handler(std::forward<Handler>(handler), tls_beast::error_code{}));
}

}  // namespace bw::ws::detail
