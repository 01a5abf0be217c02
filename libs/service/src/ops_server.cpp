// Operations HTTP server on Boost.Beast (see ops_server.hpp). Each connection is a Session
// templated on its stream (plain TCP or TLS over TCP); the acceptor runs on one io_context
// thread. Sessions keep themselves alive through shared_from_this until they finish.
#include "bw/service/ops_server.hpp"

#include "bw/host_port.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>

#include <thread>

namespace bw::service {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::uint32_t kHeaderLimit = 8 * 1024;

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, const OpsHandler& handler, std::chrono::milliseconds deadline)
      : stream_(std::move(stream)), handler_(handler), deadline_(deadline) {}

  void start() {
    beast::get_lowest_layer(stream_).expires_after(deadline_);
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read();
    } else {
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->read();
                              });
    }
  }

 private:
  void read() {
    parser_.header_limit(kHeaderLimit);
    parser_.body_limit(0);
    http::async_read(stream_, buffer_, parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->reply_error(ec);
                       self->respond();
                     });
  }

  void reply_error(beast::error_code ec) {
    if (ec == http::error::header_limit || ec == http::error::body_limit || ec == http::error::bad_target ||
        ec == http::error::bad_method || ec == http::error::bad_version) {
      write(400, "text/plain; charset=utf-8", "bad request\n", false);
    }
  }

  void respond() {
    const auto& req = parser_.get();
    OpsResponse r = handler_(std::string_view(req.method_string().data(), req.method_string().size()),
                             std::string_view(req.target().data(), req.target().size()));
    write(r.status, r.content_type, std::move(r.body), req.method() == http::verb::head);
  }

  void write(int status, const std::string& type, std::string body, bool head) {
    res_.result(static_cast<unsigned>(status));
    res_.version(11);
    res_.set(http::field::server, "breakwater");
    res_.set(http::field::content_type, type);
    res_.set(http::field::cache_control, "no-store");
    res_.set("X-Content-Type-Options", "nosniff");
    res_.keep_alive(false);
    res_.body() = head ? std::string() : std::move(body);
    res_.prepare_payload();
    http::async_write(stream_, res_, [self = this->shared_from_this()](beast::error_code, std::size_t) {
      self->close();
    });
  }

  void close() {
    beast::error_code ec;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    } else {
      beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Stream stream_;
  const OpsHandler& handler_;
  std::chrono::milliseconds deadline_;
  beast::flat_buffer buffer_;
  http::request_parser<http::empty_body> parser_;
  http::response<http::string_body> res_;
};

class OpsServerImpl final : public OpsServer {
 public:
  OpsServerImpl(OpsHandler handler, bool plaintext, std::chrono::milliseconds deadline)
      : handler_(std::move(handler)), ssl_(asio::ssl::context::tls_server), plaintext_(plaintext), deadline_(deadline) {}
  ~OpsServerImpl() override { stop(); }

  Status init(const OpsServerOptions& o) {
    auto hp = split_host_port(o.listen);
    if (!hp) return hp.error();
    beast::error_code ec;
    auto addr = asio::ip::make_address(hp->first, ec);
    if (ec) return Error{kOpsBadAddress, "ops: bad listen address " + o.listen};
    if (!plaintext_) {
      ssl_.set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                       asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
      ssl_.use_certificate_chain(asio::buffer(o.cert_pem), ec);
      if (!ec) ssl_.use_private_key(asio::buffer(o.key_pem), asio::ssl::context::pem, ec);
      if (ec) return Error{kOpsBadTls, "ops: cannot use the TLS certificate/key: " + ec.message()};
    }
    tcp::endpoint ep(addr, hp->second);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Error{kOpsCannotListen, "ops: cannot listen on " + o.listen + ": " + ec.message()};
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
    return {};
  }

  std::uint16_t port() const override { return port_; }

  void stop() override {
    if (stopped_.exchange(true)) return;
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
    beast::error_code ec;
    acceptor_.close(ec);  // safe: the I/O thread has ended
  }

 private:
  void accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        // Out of descriptors or memory: retry after a pause instead of spinning.
        if (ec != asio::error::operation_aborted && acceptor_.is_open()) {
          retry_.expires_after(std::chrono::milliseconds(100));
          retry_.async_wait([this](beast::error_code wait_ec) {
            if (!wait_ec) accept();
          });
        }
        return;
      }
      if (plaintext_) {
        std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), handler_, deadline_)->start();
      } else {
        using TlsStream = beast::ssl_stream<beast::tcp_stream>;
        std::make_shared<Session<TlsStream>>(TlsStream(beast::tcp_stream(std::move(socket)), ssl_), handler_,
                                             deadline_)
            ->start();
      }
      accept();
    });
  }

  OpsHandler handler_;
  asio::io_context ioc_{1};
  asio::ssl::context ssl_;
  tcp::acceptor acceptor_{ioc_};
  asio::steady_timer retry_{ioc_};
  std::thread thread_;
  std::atomic<bool> stopped_{false};
  bool plaintext_;
  std::chrono::milliseconds deadline_;
  std::uint16_t port_ = 0;
};

}  // namespace

Result<std::pair<std::string, std::uint16_t>> split_host_port(std::string_view address) {
  return bw::split_host_port(address, kOpsBadAddress);
}

Result<std::unique_ptr<OpsServer>> start_ops_server(const OpsServerOptions& options, OpsHandler handler) {
  auto server = std::make_unique<OpsServerImpl>(std::move(handler), options.plaintext, options.connection_deadline);
  if (auto st = server->init(options); !st) return st.error();
  return std::unique_ptr<OpsServer>(std::move(server));
}

}  // namespace bw::service
