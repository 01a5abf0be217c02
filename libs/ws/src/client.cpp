// The synchronous WebSocket client (see client.hpp). Every call starts asynchronous Beast
// operations on a private io_context and runs it until they finish or the call's deadline
// passes, so timeouts need no extra thread. A read left pending by a timed-out receive()
// stays pending and is picked up by the next call.
#include "bw/ws/client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <charconv>

namespace bw::ws {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Url {
  std::string host;  // without brackets
  std::string port;
  std::string host_header;
  std::string path;
};

Result<Url> parse_url(std::string_view url) {
  auto bad = [](const char* why) { return Error{kBadUrl, std::string("ws client: bad url: ") + why}; };
  constexpr std::string_view kScheme = "wss://";
  if (url.substr(0, kScheme.size()) != kScheme) return bad("must start with wss://");
  url.remove_prefix(kScheme.size());
  if (url.find_first_of("?#") != std::string_view::npos) return bad("no query or fragment (never put a token in a URL)");
  const auto slash = url.find('/');
  const auto authority = url.substr(0, slash);
  Url u;
  u.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (authority.empty() || authority.find_first_of("@ \t\r\n\\") != std::string_view::npos) return bad("bad host");
  std::string_view host = authority, port = "443";
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("bad IPv6 host");
    host = authority.substr(1, close - 1);
    const auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad("bad port");
      port = rest.substr(1);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (host.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
    return bad("bad host or port");
  }
  u.host = std::string(host);
  u.port = std::string(port);
  u.host_header = std::string(authority);
  return u;
}

class ClientImpl final : public Client {
 public:
  explicit ClientImpl(const ClientOptions& options) : options_(options) {}

  Status connect(const Url& url) {
    const auto deadline = Clock::now() + options_.timeout;
    beast::error_code ec;
    ssl_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    ssl_.set_verify_mode(asio::ssl::verify_peer);
    if (options_.ca_file.empty()) ssl_.set_default_verify_paths(ec);
    else ssl_.load_verify_file(options_.ca_file, ec);
    if (ec) return Error{kConnectFailed, "ws client: cannot load the CA file: " + ec.message()};
    SSL* ssl = ws_.next_layer().native_handle();
    asio::ip::make_address(url.host, ec);
    if (!ec) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url.host.c_str());
    } else {
      SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(url.host.c_str()));  // SNI
      SSL_set1_host(ssl, url.host.c_str());
    }
    tcp::resolver resolver(ioc_);
    tcp::resolver::results_type endpoints;
    bool done = false;
    resolver.async_resolve(url.host, url.port, [&](beast::error_code e, tcp::resolver::results_type r) {
      ec = e;
      endpoints = std::move(r);
      done = true;
    });
    if (!run_until(deadline, [&] { return done; })) return Error{kTimedOut, "ws client: resolving timed out"};
    if (ec) return Error{kConnectFailed, "ws client: cannot resolve " + url.host + ": " + ec.message()};
    auto& tcp_layer = beast::get_lowest_layer(ws_);
    tcp_layer.expires_at(deadline);
    if (auto st = step(deadline, "connect", [&](auto h) { tcp_layer.async_connect(endpoints, h); }); !st) return st;
    // Small frames (envelopes, acks) must leave at once: no Nagle delay waiting for an ACK.
    beast::error_code nodelay_ec;
    tcp_layer.socket().set_option(asio::ip::tcp::no_delay(true), nodelay_ec);
    if (auto st = step(deadline, "TLS handshake", [&](auto h) { ws_.next_layer().async_handshake(asio::ssl::stream_base::client, h); }); !st) return st;
    ws_.read_message_max(options_.max_message_bytes);
    ws_.set_option(websocket::stream_base::decorator([origin = options_.origin](websocket::request_type& r) {
      r.set(beast::http::field::user_agent, "breakwater-ws");
      if (origin) r.set(beast::http::field::origin, *origin);
    }));
    websocket::response_type response;
    auto st = step(deadline, "upgrade", [&](auto h) { ws_.async_handshake(response, url.host_header, url.path, h); });
    if (!st && st.error().code == kConnectFailed && response.result_int() != 0 && response.result_int() != 101) {
      return Error{kUpgradeRefused, "ws client: upgrade refused: HTTP " + std::to_string(response.result_int())};
    }
    if (!st) return st;
    tcp_layer.expires_never();
    return {};
  }

  Status send(std::string_view bytes, std::chrono::milliseconds timeout) override {
    if (ended_) return Error{kClosed, "ws client: the connection has ended"};
    const auto deadline = Clock::now() + timeout;
    ws_.binary(true);
    bool done = false;
    beast::error_code ec;
    ws_.async_write(asio::buffer(bytes.data(), bytes.size()), [&](beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    if (!run_until(deadline, [&] { return done; })) {
      cut();  // the write is still in flight: the stream cannot be used again
      return Error{kTimedOut, "ws client: send timed out"};
    }
    if (ec) {
      end_with(ec);
      return Error{kClosed, "ws client: the connection has ended"};
    }
    return {};
  }

  Received receive(std::chrono::milliseconds timeout) override {
    if (ended_) return Received{Received::Kind::kClosed, {}, close_info_};
    if (!read_pending_ && !read_done_) {
      read_pending_ = true;
      ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
        read_pending_ = false;
        read_done_ = true;
        read_ec_ = ec;
      });
    }
    if (!run_until(Clock::now() + timeout, [this] { return read_done_; })) return Received{};
    read_done_ = false;
    if (read_ec_) {
      end_with(read_ec_);
      return Received{Received::Kind::kClosed, {}, close_info_};
    }
    Received r{Received::Kind::kMessage, beast::buffers_to_string(buffer_.data()), {}};
    buffer_.consume(buffer_.size());
    return r;
  }

  void close(std::uint16_t code, std::string_view reason, std::chrono::milliseconds timeout) override {
    if (ended_) return;
    bool done = false;
    ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), beast::string_view(reason.data(), reason.size())), [&](beast::error_code) { done = true; });
    run_until(Clock::now() + timeout, [&] { return done && !read_pending_; });
    close_info_ = CloseInfo{code, std::string(reason), false};
    cut();
  }

 private:
  // Starts one operation through `start(handler)` and waits for it; errors become
  // kConnectFailed / kTimedOut naming the step.
  template <class Start>
  Status step(Clock::time_point deadline, const char* what, Start start) {
    bool done = false;
    beast::error_code ec;
    start([&](beast::error_code e, auto&&...) {
      ec = e;
      done = true;
    });
    if (!run_until(deadline, [&] { return done; }) || ec == beast::error::timeout) {
      return Error{kTimedOut, std::string("ws client: ") + what + " timed out"};
    }
    if (ec) return Error{kConnectFailed, std::string("ws client: ") + what + " failed: " + ec.message()};
    return {};
  }

  // Runs the io_context until `done()` or `deadline`; false on timeout or when nothing is
  // left that could make `done()` true.
  template <class Done>
  bool run_until(Clock::time_point deadline, Done done) {
    while (!done()) {
      if (ioc_.stopped()) ioc_.restart();
      if (ioc_.run_one_until(deadline) == 0 && !done()) return false;
    }
    return true;
  }

  void end_with(beast::error_code ec) {
    if (ec == websocket::error::closed) {
      const auto& r = ws_.reason();
      close_info_ = CloseInfo{static_cast<std::uint16_t>(r.code), std::string(r.reason.data(), r.reason.size()), true};
    } else {
      close_info_ = CloseInfo{ec == websocket::error::message_too_big ? std::uint16_t{kCloseTooBig}
                                                                      : std::uint16_t{kCloseAbnormal},
                              "", ec != websocket::error::message_too_big};
    }
    cut();
  }

  void cut() {
    ended_ = true;
    beast::get_lowest_layer(ws_).close();
  }

  ClientOptions options_;
  asio::io_context ioc_{1};
  asio::ssl::context ssl_{asio::ssl::context::tls_client};
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws_{ioc_, ssl_};
  beast::flat_buffer buffer_;
  bool read_pending_ = false;
  bool read_done_ = false;
  beast::error_code read_ec_;
  bool ended_ = false;
  CloseInfo close_info_;
};

}  // namespace

Result<std::unique_ptr<Client>> Client::connect(const ClientOptions& options) {
  auto url = parse_url(options.url);
  if (!url) return url.error();
  auto client = std::make_unique<ClientImpl>(options);
  if (auto st = client->connect(*url); !st) return st.error();
  return std::unique_ptr<Client>(std::move(client));
}

}  // namespace bw::ws
