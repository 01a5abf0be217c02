// The ops HTTP server over real sockets: plain and TLS, good and hostile requests.
#include "bw/service/ops_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bw/service/tls.hpp"

namespace bw::service {
namespace {

int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

std::string plain_request(std::uint16_t port, const std::string& request) {
  int fd = connect_loopback(port);
  if (fd < 0) return "connect failed";
  (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

OpsHandler fixed_handler() {
  return [](std::string_view method, std::string_view target) {
    return route_ops(method, target, {true, false, {}}, [] { return std::string("metric 1\n"); });
  };
}

TEST(OpsServer, ServesHealthOverPlainHttp) {
  auto server = start_ops_server({"127.0.0.1:0", true, "", ""}, fixed_handler());
  ASSERT_TRUE(server) << server.error().message;
  const auto port = server.value()->port();
  ASSERT_NE(port, 0);
  auto res = plain_request(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(res.rfind("HTTP/1.1 200", 0), 0u) << res;
  EXPECT_NE(res.find("Cache-Control: no-store"), std::string::npos);
  res = plain_request(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(res.find("metric 1"), std::string::npos);
  res = plain_request(port, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(res.rfind("HTTP/1.1 404", 0), 0u);
}

TEST(OpsServer, RejectsOversizedHeadersAndGarbage) {
  auto server = start_ops_server({"127.0.0.1:0", true, "", ""}, fixed_handler());
  ASSERT_TRUE(server);
  const auto port = server.value()->port();
  auto res = plain_request(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_EQ(res.find("HTTP/1.1 200"), std::string::npos) << res.substr(0, 64);
  res = plain_request(port, "\x16\x03\x01garbage\r\n\r\n");
  EXPECT_EQ(res.find("HTTP/1.1 200"), std::string::npos);
  // It still serves after the abuse.
  EXPECT_EQ(plain_request(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 200", 0), 0u);
}

TEST(OpsServer, ClosesIdleConnections) {
  auto server = start_ops_server({"127.0.0.1:0", true, "", "", std::chrono::milliseconds(200)}, fixed_handler());
  ASSERT_TRUE(server);
  int fd = connect_loopback(server.value()->port());
  ASSERT_GE(fd, 0);
  char c;
  EXPECT_LE(::recv(fd, &c, 1, 0), 0);  // the server hangs up though we send nothing (recv times out at 10 s)
  ::close(fd);
}

TEST(OpsServer, StopReleasesThePort) {
  auto server = start_ops_server({"127.0.0.1:0", true, "", ""}, fixed_handler());
  ASSERT_TRUE(server);
  const auto port = server.value()->port();
  server.value()->stop();
  EXPECT_LT(connect_loopback(port), 0);
}

TEST(OpsServer, RefusesBadAddresses) {
  EXPECT_FALSE(start_ops_server({"nonsense", true, "", ""}, fixed_handler()));
  EXPECT_FALSE(start_ops_server({"127.0.0.1:99999", true, "", ""}, fixed_handler()));
  EXPECT_FALSE(start_ops_server({"not-an-ip:80", true, "", ""}, fixed_handler()));
}

class OpsServerTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string((std::filesystem::temp_directory_path() / ("bw-ops-pki-" + std::to_string(::getpid()))).string());
    const char* src = std::getenv("BW_SOURCE_DIR");
    ASSERT_NE(src, nullptr) << "BW_SOURCE_DIR is not set (run through ctest)";
    const std::string cmd = "bash " + std::string(src) + "/scripts/dev-pki.sh " + *dir_ + " auth";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static std::string file(const std::string& name) {
    std::ifstream in(*dir_ + "/" + name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static std::string* dir_;
};
std::string* OpsServerTls::dir_ = nullptr;

// A TLS GET that verifies the server against the dev CA; returns the response or "".
std::string tls_get(std::uint16_t port, const std::string& ca_path, const std::string& path) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_load_verify_locations(ctx, ca_path.c_str(), nullptr);
  int fd = connect_loopback(port);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  SSL_set1_host(ssl, "localhost");
  std::string out;
  if (SSL_connect(ssl) == 1) {
    const std::string req = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    SSL_write(ssl, req.data(), static_cast<int>(req.size()));
    char buf[4096];
    for (int n; (n = SSL_read(ssl, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  }
  SSL_free(ssl);
  ::close(fd);
  SSL_CTX_free(ctx);
  return out;
}

TEST_F(OpsServerTls, ServesOverVerifiedTls) {
  auto server = start_ops_server({"127.0.0.1:0", false, file("auth.pem"), file("auth-key.pem")}, fixed_handler());
  ASSERT_TRUE(server) << server.error().message;
  auto res = tls_get(server.value()->port(), *dir_ + "/ca.pem", "/readyz");
  EXPECT_EQ(res.rfind("HTTP/1.1 200", 0), 0u) << res;
}

TEST_F(OpsServerTls, PlainHttpToTheTlsPortGetsNothing) {
  auto server = start_ops_server({"127.0.0.1:0", false, file("auth.pem"), file("auth-key.pem")}, fixed_handler());
  ASSERT_TRUE(server);
  auto res = plain_request(server.value()->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(res.find("200"), std::string::npos);
}

TEST_F(OpsServerTls, RefusesAMismatchedKey) {
  auto server = start_ops_server({"127.0.0.1:0", false, file("auth.pem"), file("ca-key.pem")}, fixed_handler());
  EXPECT_FALSE(server);
}

}  // namespace
}  // namespace bw::service
