// The HTTPS JSON client (client.hpp) on Boost.Beast. Each request runs its asynchronous
// steps (resolve, connect, handshake, write, read) one after another on a private
// io_context; one steady timer bounds them all, so a stalled server can never hold the
// caller past the deadline. The response parser carries the size limits.
#include "bw/http/client.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>

// OpenSSL's SSL_set_tlsext_host_name is a macro with a C cast.
#pragma GCC diagnostic ignored "-Wold-style-cast"

namespace bw::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

std::optional<std::string_view> ClientResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::string describe_failure(const ClientResponse& response) {
  std::string out = "HTTP " + std::to_string(response.status);
  const auto j = nlohmann::json::parse(response.body, nullptr, false);
  if (j.is_object()) {
    if (auto e = j.find("error"); e != j.end() && e->is_string()) out += ": " + e->get<std::string>().substr(0, 200);
    if (auto m = j.find("message"); m != j.end() && m->is_string()) out += " (" + m->get<std::string>().substr(0, 200) + ")";
  }
  return out;
}

std::string BaseUrl::origin() const {
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return "https://" + h + (port == 443 ? "" : ":" + std::to_string(port));
}

Result<BaseUrl> parse_base_url(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  auto bad = [&](const std::string& why) { return Error{kClientBadUrl, "bad URL (" + why + "); expected https://host[:port][/path]"}; };
  if (url.substr(0, kScheme.size()) != kScheme) return bad("not https");
  std::string_view rest = url.substr(kScheme.size());
  if (rest.find_first_of("?#@") != std::string_view::npos) return bad("query, fragment or user part");
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  while (!path.empty() && path.back() == '/') path.pop_back();
  BaseUrl out;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed [");
    out.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return bad("text after ]");
    if (!after.empty()) port_text = after.substr(1);
  } else {
    const auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) return bad("no host");
  for (char c : out.host) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':')) return bad("host");
  }
  if (!port_text.empty() || authority.back() == ':') {
    unsigned p = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || p == 0 || p > 65535) return bad("port");
    out.port = static_cast<std::uint16_t>(p);
  }
  out.base_path = path;
  return out;
}

struct Client::Impl {
  BaseUrl url;
  ClientOptions options;
  asio::ssl::context ssl{asio::ssl::context::tls_client};
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
const BaseUrl& Client::url() const { return impl_->url; }

Result<Client> Client::create(std::string_view base_url, ClientOptions options) {
  auto url = parse_base_url(base_url);
  if (!url) return url.error();
  auto impl = std::make_unique<Impl>();
  impl->url = std::move(url).value();
  impl->options = std::move(options);
  boost::system::error_code ec;
  impl->ssl.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  if (impl->options.ca_file.empty()) {
    impl->ssl.set_default_verify_paths(ec);
  } else {
    impl->ssl.load_verify_file(impl->options.ca_file, ec);
  }
  if (ec) return Error{kClientTls, "cannot load the CA certificates" + (impl->options.ca_file.empty() ? std::string() : " from " + impl->options.ca_file)};
  impl->ssl.set_verify_mode(asio::ssl::verify_peer);
  return Client(std::move(impl));
}

Result<ClientResponse> Client::request(std::string_view method, std::string_view path, std::string_view json_body,
                                       std::string_view bearer) {
  const auto& url = impl_->url;
  const std::string where = url.origin();
  asio::io_context io;
  beast::ssl_stream<beast::tcp_stream> stream(io, impl_->ssl);
  beast::get_lowest_layer(stream).expires_after(impl_->options.timeout);
  SSL* ssl = stream.native_handle();
  if (!is_ip_literal(url.host)) SSL_set_tlsext_host_name(ssl, url.host.c_str());
  SSL_set1_host(ssl, url.host.c_str());  // hostname (or IP) checked against the certificate

  // Resolve (blocking resolver: names of the auth service resolve quickly or fail).
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(url.host, std::to_string(url.port), ec);
  if (ec) return Error{kClientConnect, where + ": cannot resolve host"};

  auto timed_out = [&](const boost::system::error_code& e) { return e == beast::error::timeout; };
  beast::get_lowest_layer(stream).async_connect(endpoints, [&](auto e, auto) { ec = e; });
  io.run();
  if (ec) return Error{timed_out(ec) ? kClientTimeout : kClientConnect, where + ": cannot connect (" + ec.message() + ")"};
  io.restart();
  stream.async_handshake(asio::ssl::stream_base::client, [&](auto e) { ec = e; });
  io.run();
  if (ec) return Error{timed_out(ec) ? kClientTimeout : kClientTls, where + ": TLS handshake failed (" + ec.message() + ")"};

  const auto verb = bhttp::string_to_verb(beast::string_view(method.data(), method.size()));
  if (verb == bhttp::verb::unknown) return Error{kClientProtocol, "unknown HTTP method"};
  bhttp::request<bhttp::string_body> req{verb, url.base_path + std::string(path), 11};
  req.set(bhttp::field::host, url.port == 443 ? url.host : url.host + ":" + std::to_string(url.port));
  req.set(bhttp::field::user_agent, "breakwater-cli");
  req.set(bhttp::field::accept, "application/json");
  req.set(bhttp::field::connection, "close");
  if (!bearer.empty()) req.set(bhttp::field::authorization, "Bearer " + std::string(bearer));
  if (!json_body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = std::string(json_body);
  }
  req.prepare_payload();
  io.restart();
  bhttp::async_write(stream, req, [&](auto e, auto) { ec = e; });
  io.run();
  if (ec) return Error{timed_out(ec) ? kClientTimeout : kClientProtocol, where + ": cannot send the request (" + ec.message() + ")"};

  beast::flat_buffer buffer(std::min<std::size_t>(impl_->options.max_response_bytes, 64 * 1024));
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(impl_->options.max_response_bytes, 64 * 1024)));
  parser.body_limit(impl_->options.max_response_bytes);
  const auto too_large = Error{kClientTooLarge, where + ": the response is larger than allowed"};
  io.restart();
  bhttp::async_read_header(stream, buffer, parser, [&](auto e, auto) { ec = e; });
  io.run();
  if (!ec && parser.content_length() && *parser.content_length() > impl_->options.max_response_bytes) return too_large;
  // The body piece by piece (each read is bounded by the buffer), so a chunked or
  // close-delimited answer cannot grow past the limit by more than one buffer either.
  while (!ec && !parser.is_done()) {
    io.restart();
    bhttp::async_read_some(stream, buffer, parser, [&](auto e, auto) { ec = e; });
    io.run();
    if (parser.get().body().size() > impl_->options.max_response_bytes) return too_large;
  }
  if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
    return too_large;
  }
  if (ec) return Error{timed_out(ec) ? kClientTimeout : kClientProtocol, where + ": cannot read the response (" + ec.message() + ")"};
  auto res = parser.release();
  if (res.body().size() > impl_->options.max_response_bytes) return too_large;
  ClientResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.headers.emplace_back(std::move(name), std::string(f.value()));
  }
  out.body = std::move(res.body());
  // Connection: close — a TLS shutdown is a courtesy; its errors do not matter.
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
  io.restart();
  stream.async_shutdown([](auto) {});
  io.run();
  return out;
}

}  // namespace bw::http
