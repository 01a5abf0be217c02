// HTTPS probe over OpenSSL (see tls_probe.hpp).
#include "tls_probe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace bw::testing {

HttpsResult https_get(std::uint16_t port, const std::string& ca_file, const std::string& path,
                      const std::string& host) {
  HttpsResult result;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return result;
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1) {  // no CA: no handshake
    SSL_CTX_free(ctx);
    ::close(fd);
    return result;
  }
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str()));
  SSL_set1_host(ssl, host.c_str());
  if (SSL_connect(ssl) == 1) {
    result.handshake_ok = true;
    const std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
    SSL_write(ssl, req.data(), static_cast<int>(req.size()));
    std::string raw;
    char buf[4096];
    for (int n; (n = SSL_read(ssl, buf, sizeof buf)) > 0;) raw.append(buf, static_cast<std::size_t>(n));
    if (raw.rfind("HTTP/1.1 ", 0) == 0 && raw.size() > 12) result.status = std::stoi(raw.substr(9, 3));
    const auto body = raw.find("\r\n\r\n");
    if (body != std::string::npos) result.body = raw.substr(body + 4);
  }
  SSL_free(ssl);
  ::close(fd);
  SSL_CTX_free(ctx);
  return result;
}

}  // namespace bw::testing
