// Names and server-error classification for bw::redis::Errc.
#include "bw/redis/errors.hpp"

namespace bw::redis {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::kConnect: return "connect";
    case Errc::kTimeout: return "timeout";
    case Errc::kConnectionLost: return "connection_lost";
    case Errc::kProtocol: return "protocol";
    case Errc::kServerError: return "server_error";
    case Errc::kNoScript: return "noscript";
    case Errc::kAuth: return "auth";
    case Errc::kInvalidArgument: return "invalid_argument";
    case Errc::kPoolExhausted: return "pool_exhausted";
  }
  return "unknown";
}

Errc classify_server_error(std::string_view text) {
  auto starts = [&](std::string_view word) {
    return text.substr(0, word.size()) == word &&
           (text.size() == word.size() || text[word.size()] == ' ');
  };
  if (starts("NOSCRIPT")) return Errc::kNoScript;
  if (starts("NOAUTH") || starts("WRONGPASS")) return Errc::kAuth;
  return Errc::kServerError;
}

}  // namespace bw::redis
