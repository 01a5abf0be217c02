// The public HTTPS server on Boost.Beast (see server.hpp). One I/O thread runs the acceptor
// and every connection (a Session per connection, templated on plain or TLS streams);
// handlers run on a fixed worker pool and their responses are posted back to the session.
#include "bw/http/server.hpp"

#include "bw/host_port.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace bw::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

// A fixed pool of threads with a bounded queue; try_post() refuses when it is full.
class WorkerPool {
 public:
  WorkerPool(std::size_t threads, std::size_t max_queued) : max_queued_(max_queued) {
    for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i) threads_.emplace_back([this] { run(); });
  }
  ~WorkerPool() { stop(); }

  bool try_post(std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      if (stopping_ || queue_.size() >= max_queued_) return false;
      queue_.push_back(std::move(task));
    }
    cv_.notify_one();
    return true;
  }

  void stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
      queue_.clear();
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  std::size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

struct Shared {
  ServerOptions options;
  Handler handler;
  std::atomic<std::size_t> connections{0};
  std::atomic<bool> stopping{false};
  std::unique_ptr<WorkerPool> workers;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, Shared& shared, std::string peer, bool tls)
      : stream_(std::move(stream)), shared_(shared), peer_(std::move(peer)), tls_(tls) {
    ++shared_.connections;
  }
  ~Session() { --shared_.connections; }

  void start() {
    beast::get_lowest_layer(stream_).expires_after(shared_.options.request_timeout);
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read(true);
    } else {
      stream_.async_handshake(asio::ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (!ec) self->read(true);
      });
    }
  }

 private:
  void read(bool first) {
    parser_.emplace();
    parser_->header_limit(shared_.options.max_header_bytes);
    parser_->body_limit(shared_.options.max_body_bytes);
    beast::get_lowest_layer(stream_).expires_after(first ? shared_.options.request_timeout
                                                         : shared_.options.idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::header_limit) return fail(431, "request headers too large");
    if (ec == bhttp::error::body_limit) return fail(413, "request body too large");
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
      return close();
    }
    if (ec) return fail(400, "malformed request");
    auto& msg = parser_->get();
    auto req = std::make_shared<Request>();
    req->method = std::string(msg.method_string().data(), msg.method_string().size());
    req->target = std::string(msg.target().data(), msg.target().size());
    const auto q = req->target.find('?');
    req->path = req->target.substr(0, q);
    req->query = q == std::string::npos ? std::string() : req->target.substr(q + 1);
    for (const auto& f : msg) {
      const auto name = f.name_string();
      req->headers.emplace_back(lower(std::string_view(name.data(), name.size())), std::string(f.value()));
    }
    req->body = std::move(msg.body());
    req->peer = peer_;
    req->tls = tls_;
    keep_alive_ = msg.keep_alive();
    if (is_preflight(req->method, req->header("origin"), req->header("access-control-request-method"))) {
      auto p = preflight(shared_.options.cors, *req->header("origin"), *req->header("access-control-request-method"),
                         req->header("access-control-request-headers").value_or(""));
      Response r;
      r.status = p.allowed ? 204 : 403;
      r.content_type.clear();
      r.headers = std::move(p.headers);
      return write(std::move(r), req->header("origin"));
    }
    auto origin = req->header("origin") ? std::optional<std::string>(std::string(*req->header("origin"))) : std::nullopt;
    const bool queued = shared_.workers->try_post([self = this->shared_from_this(), req, origin] {
      Response r;
      try {
        r = self->shared_.handler(*req);
      } catch (...) {
        r = Response{500, "application/json", {}, R"({"error":"internal","message":"internal error"})", false};
      }
      asio::post(self->stream_.get_executor(), [self, r = std::move(r), origin]() mutable {
        self->write(std::move(r), origin);
      });
    });
    if (!queued) {
      Response busy{503, "application/json", {{"Retry-After", "1"}}, R"({"error":"unavailable","message":"busy, retry shortly"})", false};
      write(std::move(busy), origin);
    }
  }

  void fail(int status, const char* message) {
    keep_alive_ = false;
    Response r{status, "application/json", {}, std::string(R"({"error":"bad_request","message":")") + message + "\"}", false};
    write(std::move(r), std::nullopt);
  }

  void write(Response r, std::optional<std::string_view> origin) {
    res_ = {};
    res_.version(11);
    res_.result(static_cast<unsigned>(r.status));
    res_.set(bhttp::field::server, "breakwater");
    for (const auto& [k, v] : security_headers(tls_, r.cacheable)) res_.set(k, v);
    for (const auto& [k, v] : cors_response_headers(shared_.options.cors, origin)) res_.set(k, v);
    for (const auto& [k, v] : r.headers) res_.set(k, v);
    if (!r.content_type.empty()) res_.set(bhttp::field::content_type, r.content_type);
    res_.body() = std::move(r.body);
    res_.keep_alive(keep_alive_ && !shared_.stopping);
    res_.prepare_payload();
    bhttp::async_write(stream_, res_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec || !self->res_.keep_alive()) return self->close();
      self->read(false);
    });
  }

  void close() {
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  Stream stream_;
  Shared& shared_;
  std::string peer_;
  bool tls_;
  bool keep_alive_ = false;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
};

class ServerImpl final : public Server {
 public:
  ServerImpl(ServerOptions options, Handler handler) : ssl_(asio::ssl::context::tls_server) {
    shared_.options = std::move(options);
    shared_.handler = std::move(handler);
  }
  ~ServerImpl() override { stop(); }

  Status init() {
    const auto& o = shared_.options;
    auto hp = split_host_port(o.listen, kBadAddress);
    if (!hp) return hp.error();
    beast::error_code ec;
    auto addr = asio::ip::make_address(hp->first, ec);
    if (ec) return Error{kBadAddress, "bad listen address " + o.listen};
    if (!o.plaintext) {
      ssl_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
      ssl_.use_certificate_chain(asio::buffer(o.cert_pem), ec);
      if (!ec) ssl_.use_private_key(asio::buffer(o.key_pem), asio::ssl::context::pem, ec);
      if (ec) return Error{kBadTls, "cannot use the TLS certificate/key: " + ec.message()};
    }
    tcp::endpoint ep(addr, hp->second);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Error{kCannotListen, "cannot listen on " + o.listen + ": " + ec.message()};
    port_ = acceptor_.local_endpoint().port();
    shared_.workers = std::make_unique<WorkerPool>(o.workers, o.max_queued);
    accept();
    io_ = std::thread([this] { ioc_.run(); });
    return {};
  }

  std::uint16_t port() const override { return port_; }
  std::size_t open_connections() const override { return shared_.connections.load(); }

  void stop() override {
    if (shared_.stopping.exchange(true)) return;
    if (shared_.workers) shared_.workers->stop();  // running handlers end; queued ones are dropped
    ioc_.stop();
    if (io_.joinable()) io_.join();
    beast::error_code ec;
    acceptor_.close(ec);
  }

 private:
  void accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec != asio::error::operation_aborted && acceptor_.is_open()) {
          retry_.expires_after(std::chrono::milliseconds(100));  // out of descriptors: pause, do not spin
          retry_.async_wait([this](beast::error_code wait_ec) {
            if (!wait_ec) accept();
          });
        }
        return;
      }
      if (shared_.connections.load() >= shared_.options.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        beast::error_code peer_ec;
        const auto peer = socket.remote_endpoint(peer_ec).address().to_string();
        if (shared_.options.plaintext) {
          std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), shared_, peer, false)
              ->start();
        } else {
          using TlsStream = beast::ssl_stream<beast::tcp_stream>;
          std::make_shared<Session<TlsStream>>(TlsStream(beast::tcp_stream(std::move(socket)), ssl_), shared_, peer,
                                               true)
              ->start();
        }
      }
      accept();
    });
  }

  Shared shared_;  // outlives ioc_ (declared first): sessions destroyed with ioc_ still see it
  asio::io_context ioc_{1};
  asio::ssl::context ssl_;
  tcp::acceptor acceptor_{ioc_};
  asio::steady_timer retry_{ioc_};
  std::thread io_;
  std::uint16_t port_ = 0;
};

}  // namespace

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

Result<std::unique_ptr<Server>> start_server(ServerOptions options, Handler handler) {
  auto server = std::make_unique<ServerImpl>(std::move(options), std::move(handler));
  if (auto st = server->init(); !st) return st.error();
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace bw::http
