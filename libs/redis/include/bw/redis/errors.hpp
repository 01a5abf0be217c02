// The Redis client's error codes: stable numbers carried in bw::Error::code, so callers and
// metrics can tell "Redis is down" from "the outcome of my write is unknown" from "Redis
// said no". Never renumber; add new codes at the end.
#pragma once

#include <string>
#include <string_view>

#include "bw/result.hpp"

namespace bw::redis {

enum class Errc : int {
  kConnect = 1,          // no connection could be made within the retry policy; not sent
  kTimeout = 2,          // no (complete) reply within the command timeout; outcome unknown
  kConnectionLost = 3,   // the connection broke after the command may have been sent;
                         // outcome unknown
  kProtocol = 4,         // the reply could not be parsed or had an unexpected shape
  kServerError = 5,      // the server answered with an error reply (message = its text)
  kNoScript = 6,         // EVALSHA of a script the server does not have (NOSCRIPT)
  kAuth = 7,             // AUTH was refused, or the server demands one (NOAUTH / WRONGPASS)
  kInvalidArgument = 8,  // rejected before anything was sent (empty command, bad key part)
  kPoolExhausted = 9,    // no pooled connection became free in time
};

// Stable lower-case name for logs and metric labels, e.g. "connection_lost".
std::string_view errc_name(Errc code);

inline Error make_error(Errc code, std::string message) {
  return Error{static_cast<int>(code), std::move(message)};
}

inline bool has_code(const Error& error, Errc code) {
  return error.code == static_cast<int>(code);
}

// The code for a server error reply, from its first word: NOSCRIPT → kNoScript,
// NOAUTH / WRONGPASS → kAuth, anything else → kServerError.
Errc classify_server_error(std::string_view text);

}  // namespace bw::redis
