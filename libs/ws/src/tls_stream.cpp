// TlsStream's non-template half (see tls_stream.hpp for the design and invariants).
#include "tls_stream.hpp"

#include <boost/asio/ssl/error.hpp>

#include <sys/socket.h>

#include <cerrno>

namespace bw::ws::detail {

namespace {

// OpenSSL's socket BIO writes with write(2), which raises SIGPIPE when the peer has gone.
// This one is the socket BIO with its write replaced by send(MSG_NOSIGNAL), so a vanished
// peer is an EPIPE error of that connection, never a signal for the whole process.
int send_no_signal(BIO* bio, const char* data, int len) {
  int fd = -1;
  BIO_get_fd(bio, &fd);
  BIO_clear_retry_flags(bio);
  const ssize_t n = ::send(fd, data, static_cast<std::size_t>(len), MSG_NOSIGNAL);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) BIO_set_retry_write(bio);
  return static_cast<int>(n);
}

const BIO_METHOD* socket_method() {
  static const BIO_METHOD* method = []() -> const BIO_METHOD* {
    const BIO_METHOD* base = BIO_s_socket();
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "bw socket");
    if (m == nullptr) return nullptr;
    BIO_meth_set_write(m, send_no_signal);
    BIO_meth_set_read(m, BIO_meth_get_read(base));
    BIO_meth_set_puts(m, BIO_meth_get_puts(base));
    BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(base));
    BIO_meth_set_create(m, BIO_meth_get_create(base));
    BIO_meth_set_destroy(m, BIO_meth_get_destroy(base));
    return m;
  }();
  return method;
}

}  // namespace

TlsStream::State::State(tls_asio::ip::tcp::socket s, SSL_CTX* ctx)
    : socket(std::move(s)), timer(socket.get_executor()), ssl(SSL_new(ctx)) {
  tls_beast::error_code nb_ec;
  socket.non_blocking(true, nb_ec);  // OpenSSL does the reads and writes: they must not block the strand
  BIO* bio = socket_method() != nullptr ? BIO_new(socket_method()) : nullptr;
  if (ssl == nullptr || bio == nullptr || nb_ec) {
    BIO_free(bio);
    fatal = true;
    fatal_ec = nb_ec ? nb_ec : tls_beast::error_code(tls_asio::error::no_memory);
    return;
  }
  BIO_set_fd(bio, static_cast<int>(socket.native_handle()), BIO_NOCLOSE);
  SSL_set_bio(ssl, bio, bio);  // one reference for both directions, now the SSL's
  // Partial writes let a write complete with what fit; the buffer moves between retries
  // because each attempt copies the caller's sequence onto its own stack.
  SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  // Read-ahead: one recv takes whatever has arrived (not a record header, then its body);
  // the read buffer is still given back once OpenSSL has handed all of it out.
  SSL_set_read_ahead(ssl, 1);
  SSL_set_accept_state(ssl);
}

TlsStream::State::~State() {
  if (ssl != nullptr) SSL_free(ssl);  // the BIO does not own the descriptor; the socket closes it
}

tls_beast::error_code TlsStream::State::blocked() const {
  if (closed) return tls_asio::error::operation_aborted;
  if (expired) return tls_beast::error::timeout;
  if (fatal) return fatal_ec;
  return {};
}

TlsStream::Step TlsStream::State::finish_call(int ok, std::size_t n) {
  const int saved_errno = errno;
  if (ok == 1) return Step::done({}, n);
  const int kind = SSL_get_error(ssl, ok);
  switch (kind) {
    case SSL_ERROR_WANT_READ: return Step::wait(Step::kWaitRead);
    case SSL_ERROR_WANT_WRITE: return Step::wait(Step::kWaitWrite);
    case SSL_ERROR_ZERO_RETURN: return Step::done(tls_asio::error::eof);  // the peer's close_notify
    default: break;
  }
  const unsigned long err = ERR_get_error();
  ERR_clear_error();
  tls_beast::error_code ec;
  if (kind == SSL_ERROR_SYSCALL && err == 0) {
    // EOF without close_notify, or the socket's own error.
    ec = saved_errno == 0 ? tls_beast::error_code(tls_asio::ssl::error::stream_truncated)
                          : tls_beast::error_code(saved_errno, boost::system::system_category());
  } else if (ERR_SYSTEM_ERROR(err)) {
    ec = tls_beast::error_code(ERR_GET_REASON(err), boost::system::system_category());
  } else if (ERR_GET_LIB(err) == ERR_LIB_SSL && ERR_GET_REASON(err) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
    ec = tls_asio::ssl::error::stream_truncated;
  } else {
    ec = tls_beast::error_code(static_cast<int>(err), tls_asio::error::get_ssl_category());
  }
  // From now on OpenSSL is not called again on this connection, and the other direction's
  // wait (if any) ends with the same error instead of waiting on a healthy socket.
  fatal = true;
  fatal_ec = ec;
  tls_beast::error_code ignored;
  socket.cancel(ignored);
  return Step::done(ec);
}

TlsStream::TlsStream(tls_asio::ip::tcp::socket socket, SSL_CTX* ctx)
    : st_(std::make_shared<State>(std::move(socket), ctx)) {}

void TlsStream::expires_after(std::chrono::steady_clock::duration d) {
  const auto generation = ++st_->deadline_generation;
  st_->expired = false;
  st_->timer.expires_after(d);
  st_->timer.async_wait([weak = std::weak_ptr<State>(st_), generation](tls_beast::error_code ec) {
    if (ec) return;  // cancelled, or the state is going away
    const auto st = weak.lock();
    if (!st || st->deadline_generation != generation || st->closed) return;
    st->expired = true;
    tls_beast::error_code ignored;
    st->socket.cancel(ignored);  // waits in flight end; they report the timeout
  });
}

void TlsStream::expires_never() {
  ++st_->deadline_generation;
  st_->expired = false;
  st_->timer.cancel();
}

void TlsStream::close() {
  st_->closed = true;
  st_->timer.cancel();
  tls_beast::error_code ignored;
  st_->socket.close(ignored);
}

void TlsStream::shutdown_and_close() {
  if (!st_->closed && !st_->fatal && SSL_is_init_finished(st_->ssl)) {
    ERR_clear_error();
    SSL_shutdown(st_->ssl);  // sends close_notify if the socket takes it now; never waits
    ERR_clear_error();
  }
  if (!st_->closed) {
    tls_beast::error_code ignored;
    st_->socket.shutdown(tls_asio::ip::tcp::socket::shutdown_both, ignored);
  }
  close();
}

void teardown(tls_beast::role_type, TlsStream& stream, tls_beast::error_code& ec) {
  stream.shutdown_and_close();
  ec = {};
}

}  // namespace bw::ws::detail
