// The public HTTPS server for real, over loopback sockets: requests reach the handler on a
// worker, responses carry the security and CORS headers, keep-alive works, and every limit
// (headers, body, connections, queue, time) answers the way server.hpp promises.
#include "bw/http/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "bw/testing/temp_dir.hpp"
#include "system_fixture.hpp"

namespace bw::http {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A raw client connection (plain or TLS) that sends bytes and reads what comes back.
class Client {
 public:
  Client(std::uint16_t port, const std::string* ca_file) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    if (connected_ && ca_file) {
      ctx_ = SSL_CTX_new(TLS_client_method());
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
      SSL_CTX_load_verify_locations(ctx_, ca_file->c_str(), nullptr);
      ssl_ = SSL_new(ctx_);
      SSL_set_fd(ssl_, fd_);
      SSL_set1_host(ssl_, "localhost");
      connected_ = SSL_connect(ssl_) == 1;
    }
  }
  ~Client() {
    if (ssl_) SSL_free(ssl_);
    if (ctx_) SSL_CTX_free(ctx_);
    ::close(fd_);
  }
  bool connected() const { return connected_; }
  void send(const std::string& bytes) {
    if (ssl_) SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
    else ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }
  // Reads one response (headers + Content-Length body); "" when the server closed.
  std::string response() {
    while (true) {
      const auto end = pending_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t length = 0;
        const auto cl = lower(pending_.substr(0, end)).find("content-length: ");
        if (cl != std::string::npos) length = std::stoul(pending_.substr(cl + 16));
        if (pending_.size() >= end + 4 + length) {
          auto out = pending_.substr(0, end + 4 + length);
          pending_.erase(0, end + 4 + length);
          return out;
        }
      }
      char buf[4096];
      const int n = ssl_ ? SSL_read(ssl_, buf, sizeof buf) : static_cast<int>(::recv(fd_, buf, sizeof buf, 0));
      if (n <= 0) return "";
      pending_.append(buf, static_cast<std::size_t>(n));
    }
  }
  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

 private:
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool connected_ = false;
  std::string pending_;
};

int status_of(const std::string& response) {
  return response.size() > 12 ? std::stoi(response.substr(9, 3)) : 0;
}
bool has_header(const std::string& response, const std::string& line) {
  return Client::lower(response).find("\r\n" + Client::lower(line)) != std::string::npos;
}
std::string body_of(const std::string& response) {
  const auto end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}
std::string post(const std::string& path, const std::string& body, const std::string& extra = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class HttpServer : public testing::SystemFixture {
 protected:
  static ServerOptions options(bool plaintext) {
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.plaintext = plaintext;
    if (!plaintext) {
      o.cert_pem = read_file(pki("auth.pem"));
      o.key_pem = read_file(pki("auth-key.pem"));
    }
    o.cors.origin = "https://app.example.com";
    return o;
  }
  static Response echo(const Request& r) {
    Response res;
    res.body = r.method + " " + r.path + " ?" + r.query + " " + r.body + " from " + r.peer +
               (r.tls ? " tls" : " plain") + " ct=" + std::string(r.header("content-type").value_or("-"));
    return res;
  }
};

TEST_F(HttpServer, AnswersOverTlsWithSecurityHeadersAndKeepsTheConnection) {
  auto server = start_server(options(false), echo);
  ASSERT_TRUE(server) << server.error().message;
  const std::string ca = ca_file();
  Client c((*server)->port(), &ca);
  ASSERT_TRUE(c.connected());
  c.send(post("/v1/echo?x=1", R"({"a":1})"));
  const auto first = c.response();
  EXPECT_EQ(status_of(first), 200) << first;
  EXPECT_EQ(body_of(first), R"(POST /v1/echo ?x=1 {"a":1} from 127.0.0.1 tls ct=application/json)");
  EXPECT_TRUE(has_header(first, "X-Frame-Options: DENY"));
  EXPECT_TRUE(has_header(first, "Cache-Control: no-store"));
  EXPECT_TRUE(has_header(first, "Strict-Transport-Security: max-age="));
  EXPECT_TRUE(has_header(first, "Content-Security-Policy: default-src 'none'"));
  c.send(post("/v1/again", "{}"));  // same connection: keep-alive
  EXPECT_EQ(body_of(c.response()).rfind("POST /v1/again", 0), 0u);
}

TEST_F(HttpServer, PlaintextOnlyWhenConfiguredAndThenWithoutHsts) {
  auto server = start_server(options(true), echo);
  ASSERT_TRUE(server) << server.error().message;
  Client c((*server)->port(), nullptr);
  c.send("GET /v1/me HTTP/1.1\r\nHost: localhost\r\n\r\n");
  const auto r = c.response();
  EXPECT_EQ(status_of(r), 200);
  EXPECT_FALSE(has_header(r, "Strict-Transport-Security"));
  auto tls = start_server(options(false), echo);
  ASSERT_TRUE(tls);
  Client plain_to_tls((*tls)->port(), nullptr);  // a plaintext request to the TLS port gets nothing
  plain_to_tls.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
  EXPECT_EQ(status_of(plain_to_tls.response()), 0);
}

TEST_F(HttpServer, RefusesOversizedAndMalformedRequests) {
  auto o = options(true);
  o.max_body_bytes = 100;
  auto server = start_server(o, echo);
  ASSERT_TRUE(server);
  {
    Client c((*server)->port(), nullptr);
    c.send(post("/v1/x", std::string(101, 'a')));
    EXPECT_EQ(status_of(c.response()), 413);
  }
  {
    Client c((*server)->port(), nullptr);
    c.send("GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n");
    EXPECT_EQ(status_of(c.response()), 431);
  }
  {
    Client c((*server)->port(), nullptr);
    c.send("NOT HTTP AT ALL\r\n\r\n");
    const auto r = c.response();
    EXPECT_EQ(status_of(r), 400);
    EXPECT_TRUE(has_header(r, "X-Content-Type-Options: nosniff"));  // errors carry the headers too
  }
}

TEST_F(HttpServer, AThrowingHandlerGetsAGeneric500) {
  auto server = start_server(options(true), [](const Request&) -> Response { throw std::runtime_error("secret detail"); });
  ASSERT_TRUE(server);
  Client c((*server)->port(), nullptr);
  c.send(post("/v1/x", "{}"));
  const auto r = c.response();
  EXPECT_EQ(status_of(r), 500);
  EXPECT_EQ(r.find("secret detail"), std::string::npos);
}

TEST_F(HttpServer, CorsOnlyForTheConfiguredOrigin) {
  auto server = start_server(options(true), echo);
  ASSERT_TRUE(server);
  Client c((*server)->port(), nullptr);
  c.send("OPTIONS /v1/login HTTP/1.1\r\nHost: localhost\r\nOrigin: https://app.example.com\r\n"
         "Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\r\n");
  auto ok = c.response();
  EXPECT_EQ(status_of(ok), 204) << ok;
  EXPECT_TRUE(has_header(ok, "Access-Control-Allow-Origin: https://app.example.com"));
  c.send("OPTIONS /v1/login HTTP/1.1\r\nHost: localhost\r\nOrigin: https://evil.example.com\r\n"
         "Access-Control-Request-Method: POST\r\n\r\n");
  auto refused = c.response();
  EXPECT_EQ(status_of(refused), 403);
  EXPECT_FALSE(has_header(refused, "Access-Control-Allow-Origin"));
  c.send(post("/v1/login", "{}", "Origin: https://app.example.com\r\n"));
  EXPECT_TRUE(has_header(c.response(), "Access-Control-Allow-Origin: https://app.example.com"));
  c.send(post("/v1/login", "{}", "Origin: https://evil.example.com\r\n"));
  EXPECT_FALSE(has_header(c.response(), "Access-Control-Allow-Origin"));
}

TEST_F(HttpServer, ABusyServerSays503InsteadOfQueueingWithoutLimit) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> entered{0};
  auto o = options(true);
  o.workers = 1;
  o.max_queued = 1;
  auto server = start_server(o, [&](const Request& r) {
    ++entered;
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return release; });
    return echo(r);
  });
  ASSERT_TRUE(server);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<Client>((*server)->port(), nullptr));
    clients.back()->send(post("/v1/slow", "{}"));
    if (i == 0) {
      for (int w = 0; w < 200 && entered.load() == 0; ++w) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  // One runs, one waits in the queue, the other two are refused at once.
  const auto third = clients[2]->response();
  const auto fourth = clients[3]->response();
  EXPECT_EQ(status_of(third), 503);
  EXPECT_TRUE(has_header(third, "Retry-After: 1"));
  EXPECT_EQ(status_of(fourth), 503);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  EXPECT_EQ(status_of(clients[0]->response()), 200);
  EXPECT_EQ(status_of(clients[1]->response()), 200);
}

TEST_F(HttpServer, ConnectionsAndIdleTimeAreBounded) {
  auto o = options(true);
  o.max_connections = 2;
  o.request_timeout = std::chrono::milliseconds(300);
  auto server = start_server(o, echo);
  ASSERT_TRUE(server);
  Client a((*server)->port(), nullptr), b((*server)->port(), nullptr);
  for (int w = 0; w < 200 && (*server)->open_connections() < 2; ++w) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ((*server)->open_connections(), 2u);
  Client third((*server)->port(), nullptr);
  third.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
  EXPECT_EQ(third.response(), "");  // closed without an answer
  EXPECT_EQ(a.response(), "");      // sent nothing: closed when request_timeout passed
  for (int w = 0; w < 300 && (*server)->open_connections() > 0; ++w) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ((*server)->open_connections(), 0u);
}

TEST_F(HttpServer, BadOptionsAreRefused) {
  auto o = options(false);
  o.key_pem = "not a key";
  EXPECT_EQ(start_server(o, echo).error().code, kBadTls);
  o = options(true);
  o.listen = "127.0.0.1";
  EXPECT_EQ(start_server(o, echo).error().code, kBadAddress);
}

}  // namespace
}  // namespace bw::http
