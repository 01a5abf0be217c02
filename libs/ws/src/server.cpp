// The WebSocket server (see server.hpp): options checked at start, one acceptor, a pool of
// I/O threads, a strand per connection (session.cpp), and a stop() that drains in two
// steps — close handshakes first, then cutting whatever is left — before joining.
#include "bw/ws/server.hpp"

#include <openssl/ssl.h>

#include <boost/asio/strand.hpp>

#include <thread>

#include "bw/host_port.hpp"
#include "session.hpp"

namespace bw::ws {
namespace {

using namespace detail;

Status check_options(const ServerOptions& o) {
  auto bad = [](std::string what) { return Error{kBadOptions, "ws server: " + std::move(what)}; };
  if (o.path.empty() || o.path.front() != '/' || o.path.find_first_of("?#") != std::string::npos) {
    return bad("path must start with '/' and carry no query or fragment");
  }
  if (o.allowed_hosts.empty()) return bad("allowed_hosts is empty: no Host would be accepted");
  if (o.allowed_origins.empty() && !o.allow_missing_origin) {
    return bad("allowed_origins is empty and allow_missing_origin is off: nobody could connect");
  }
  if (o.max_message_bytes == 0 || o.max_outbound_bytes == 0 || o.max_connections == 0 || o.max_handshakes == 0 ||
      o.io_threads == 0) {
    return bad("max_message_bytes, max_outbound_bytes, max_connections, max_handshakes and io_threads must be > 0");
  }
  if (o.handshake_timeout.count() <= 0 || o.idle_timeout.count() <= 0 || o.ping_interval.count() < 0) {
    return bad("handshake_timeout and idle_timeout must be > 0, ping_interval >= 0");
  }
  if (!o.plaintext && (o.cert_pem.empty() || o.key_pem.empty())) return bad("TLS needs cert_pem and key_pem");
  return {};
}

class ServerImpl final : public Server {
 public:
  ServerImpl(ServerOptions options, Handler& handler)
      : shared_(std::make_shared<Shared>(static_cast<int>(options.io_threads))), ssl_(shared_->tls), ioc_(shared_->ioc) {
    shared_->rules = UpgradeRules{options.path, options.allowed_origins, options.allow_missing_origin,
                                  options.allowed_hosts};
    shared_->options = std::move(options);
    shared_->handler = &handler;
  }
  ~ServerImpl() override { stop(); }

  Status init() {
    const auto& o = shared_->options;
    if (auto st = check_options(o); !st) return st;
    auto hp = split_host_port(o.listen, kBadOptions);
    if (!hp) return hp.error();
    beast::error_code ec;
    const auto addr = asio::ip::make_address(hp->first, ec);
    if (ec) return Error{kBadOptions, "ws server: bad listen address " + o.listen};
    if (!o.plaintext) {
      ssl_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                       SSL_OP_NO_RENEGOTIATION);
      // Idle connections give their TLS record buffers back to the allocator.
      SSL_CTX_set_mode(ssl_.native_handle(), SSL_MODE_RELEASE_BUFFERS);
      ssl_.use_certificate_chain(asio::buffer(o.cert_pem), ec);
      if (!ec) ssl_.use_private_key(asio::buffer(o.key_pem), asio::ssl::context::pem, ec);
      if (ec) return Error{kBadTls, "ws server: cannot use the TLS certificate/key: " + ec.message()};
    }
    tcp::endpoint ep(addr, hp->second);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Error{kCannotListen, "ws server: cannot listen on " + o.listen + ": " + ec.message()};
    port_ = acceptor_.local_endpoint().port();
    accept();
    for (std::size_t i = 0; i < o.io_threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
    return {};
  }

  std::uint16_t port() const override { return port_; }
  std::size_t open_connections() const override { return shared_->open.load(); }
  const Stats& stats() const override { return shared_->stats; }

  void stop() override {
    if (shared_->stopping.exchange(true)) return;
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
      retry_.cancel();
    });
    if (!threads_.empty()) {
      shutdown_all(false);
      if (!wait_empty(shared_->options.stop_timeout)) {
        shutdown_all(true);
        wait_empty(std::chrono::milliseconds(1000));
      }
    }
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    // Whatever the threads left: cut it and run the completions here, so no queued handler
    // keeps a session (and with it the io_context) alive.
    shutdown_all(true);
    ioc_.restart();
    for (int i = 0; i < 100'000 && ioc_.poll() > 0; ++i) {
    }
    for (auto& s : snapshot()) s->mark_dead();
  }

 private:
  std::vector<std::shared_ptr<SessionBase>> snapshot() {
    std::vector<std::shared_ptr<SessionBase>> out;
    std::lock_guard lock(shared_->mu);
    for (auto& [id, weak] : shared_->sessions) {
      if (auto s = weak.lock()) out.push_back(std::move(s));
    }
    return out;
  }

  void shutdown_all(bool hard) {
    for (auto& s : snapshot()) s->shutdown(hard);
  }

  bool wait_empty(std::chrono::milliseconds timeout) {
    std::unique_lock lock(shared_->mu);
    return shared_->cv.wait_for(lock, timeout, [this] { return shared_->sessions.empty(); });
  }

  void accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec != asio::error::operation_aborted && acceptor_.is_open()) {
          retry_.expires_after(std::chrono::milliseconds(100));  // out of descriptors: pause, do not spin
          retry_.async_wait([this](beast::error_code wait_ec) {
            if (!wait_ec && acceptor_.is_open()) accept();
          });
        }
        return;
      }
      on_socket(std::move(socket));
      accept();
    });
  }

  void on_socket(tcp::socket socket) {
    beast::error_code ec;
    if (shared_->stopping.load()) {
      socket.close(ec);
      return;
    }
    if (shared_->handshaking.load() >= shared_->options.max_handshakes) {
      ++shared_->stats.refused.capacity;
      socket.close(ec);
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    const auto peer = socket.remote_endpoint(ec).address().to_string();
    if (shared_->options.plaintext) {
      std::make_shared<PlainSession>(shared_, peer, std::move(socket), nullptr)->start();
    } else {
      std::make_shared<TlsSession>(shared_, peer, std::move(socket), &ssl_)->start();
    }
  }

  std::shared_ptr<Shared> shared_;  // declared first: the members below use its io_context
  asio::ssl::context& ssl_;
  asio::io_context& ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(ioc_);
  tcp::acceptor acceptor_{asio::make_strand(ioc_)};
  asio::steady_timer retry_{acceptor_.get_executor()};
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;
};

}  // namespace

Result<std::unique_ptr<Server>> start_server(ServerOptions options, Handler& handler) {
  auto server = std::make_unique<ServerImpl>(std::move(options), handler);
  if (auto st = server->init(); !st) return st.error();
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace bw::ws
