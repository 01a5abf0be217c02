// See openssl_util.hpp.
#include "openssl_util.hpp"

#include <openssl/err.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

namespace bw::crypto::detail {

void fatal(const char* what) {
  std::fprintf(stderr, "bw::crypto: fatal: %s\n", what);
  ERR_print_errors_fp(stderr);
  std::fflush(stderr);
  std::abort();
}

const unsigned char* nonnull(ByteView data) {
  static const unsigned char kDummy = 0;
  return data.empty() ? &kDummy : data.data();
}

Error openssl_failure(const char* what) {
  std::string message = std::string(what) + " failed";
  if (unsigned long code = ERR_peek_last_error(); code != 0) {
    char reason[256];
    ERR_error_string_n(code, reason, sizeof reason);
    message += ": ";
    message += reason;
  }
  ERR_clear_error();
  return make_error(Errc::kInternal, std::move(message));
}

Error rejected(Errc code, const char* message) {
  ERR_clear_error();
  return make_error(code, message);
}

}  // namespace bw::crypto::detail
