// The HTTPS client against the real HTTPS server over loopback: requests and answers,
// certificate and hostname checks, the response size bound, and the deadline.
#include "bw/http/client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "bw/http/server.hpp"
#include "system_fixture.hpp"

namespace bw::http {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class HttpClient : public testing::SystemFixture {
 protected:
  static std::unique_ptr<Server> serve(Handler h, const std::string& listen = "127.0.0.1:0") {
    ServerOptions o;
    o.listen = listen;
    o.cert_pem = slurp(pki("auth.pem"));
    o.key_pem = slurp(pki("auth-key.pem"));
    auto s = start_server(o, std::move(h));
    EXPECT_TRUE(s) << s.error().message;
    return std::move(s).value();
  }
  static Response echo(const Request& r) {
    Response res;
    res.status = 201;
    res.body = r.method + " " + r.path + " " + r.body + " auth=" + std::string(r.header("authorization").value_or("-"));
    return res;
  }
  static std::string url(std::uint16_t port, const std::string& host = "localhost") {
    return "https://" + host + ":" + std::to_string(port) + "/base";
  }
};

TEST_F(HttpClient, SendsJsonWithABearerAndReadsTheAnswer) {
  auto server = serve(echo);
  auto client = Client::create(url(server->port()), {.ca_file = ca_file()});
  ASSERT_TRUE(client) << client.error().message;
  auto r = client->request("POST", "/v1/x", R"({"a":"b"})", "tok123");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, R"(POST /base/v1/x {"a":"b"} auth=Bearer tok123)");
  EXPECT_TRUE(r->header("x-content-type-options"));
  auto get = client->request("GET", "/v1/y");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->body, "GET /base/v1/y  auth=-");
}

TEST_F(HttpClient, RefusesACertificateFromAnotherCa) {
  auto server = serve(echo);
  auto other = other_ca_file();
  ASSERT_TRUE(other);
  auto client = Client::create(url(server->port()), {.ca_file = other.value()});
  ASSERT_TRUE(client);
  auto r = client->request("GET", "/v1/x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kClientTls);
}

TEST_F(HttpClient, RefusesACertificateForAnotherName) {
  auto server = serve(echo, "0.0.0.0:0");
  // 127.0.0.2 reaches the same server, but the certificate names localhost and 127.0.0.1.
  auto client = Client::create(url(server->port(), "127.0.0.2"), {.ca_file = ca_file()});
  ASSERT_TRUE(client);
  auto r = client->request("GET", "/v1/x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kClientTls);
  auto ok = Client::create(url(server->port(), "127.0.0.1"), {.ca_file = ca_file()});
  EXPECT_TRUE(ok->request("GET", "/v1/x"));
}

TEST_F(HttpClient, BoundsTheResponseSize) {
  auto server = serve([](const Request&) {
    Response r;
    r.body = std::string(4096, 'x');
    return r;
  });
  auto client = Client::create(url(server->port()), {.ca_file = ca_file(), .max_response_bytes = 1024});
  auto r = client->request("GET", "/v1/x");
  ASSERT_FALSE(r) << r->status << " " << r->body.size();
  EXPECT_EQ(r.error().code, kClientTooLarge);
}

TEST_F(HttpClient, GivesUpAtTheDeadlineOnASilentServer) {
  // A socket that accepts connections (the kernel's backlog) but never speaks TLS.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  auto client = Client::create(url(ntohs(a.sin_port)), {.ca_file = ca_file(), .timeout = std::chrono::milliseconds(300)});
  const auto start = std::chrono::steady_clock::now();
  auto r = client->request("GET", "/v1/x");
  const auto took = std::chrono::steady_clock::now() - start;
  ::close(fd);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kClientTimeout);
  EXPECT_LT(took, std::chrono::seconds(10));  // the listener never accepts: without the timeout, never
}

TEST(HttpClientUrl, ParsesOnlyHttpsBaseUrls) {
  auto u = parse_base_url("https://auth.example.com:8443/api/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "auth.example.com");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->base_path, "/api");
  EXPECT_EQ(u->origin(), "https://auth.example.com:8443");
  EXPECT_EQ(parse_base_url("https://a.example")->origin(), "https://a.example");
  EXPECT_EQ(parse_base_url("https://[::1]:99")->host, "::1");
  for (const char* bad : {"http://a.example", "a.example", "https://", "https://:80", "https://a:0", "https://a:70000",
                          "https://a:x", "https://a?q=1", "https://u@a", "https://a#f", "https://a b", "https://a:"}) {
    EXPECT_FALSE(parse_base_url(bad)) << bad;
  }
  EXPECT_EQ(Client::create("https://a.example", {.ca_file = "/nonexistent/ca.pem"}).error().code, kClientTls);
}

}  // namespace
}  // namespace bw::http
