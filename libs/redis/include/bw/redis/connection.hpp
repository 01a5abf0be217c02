// Connection: one synchronous connection to one Redis server (hiredis 0.14 underneath; no
// hiredis type in this header).
//
// Failure rules — what a caller can rely on:
// - A call never hangs: connecting is bounded by connect_timeout per attempt, waiting for a
//   reply by command_timeout, and reconnect attempts by RetryPolicy (max_attempts, budget).
//   Worst case per call ≈ max_attempts·connect_timeout + budget + command_timeout. Against a
//   server that is down (connection refused) the default policy gives up in ~50–100 ms.
// - The connection is made lazily and re-made after any failure, with capped exponential
//   backoff and jitter between attempts of one call (see retry_policy.hpp).
// - A command is only sent again if it cannot have reached the server, or if the caller
//   marked it Idempotent::kYes. Precisely:
//     * connect/AUTH/SELECT failures happen before the command is written: always retried;
//     * before writing, a connection the server has already closed (e.g. after a restart)
//       is detected with a zero-timeout poll and replaced — also safe, nothing was sent;
//     * once written, a broken connection (EOF, reset) gives kConnectionLost — the outcome
//       is unknown — unless the call is Idempotent::kYes, which resends it in the budget;
//     * a timeout (kTimeout) is never resent, idempotent or not: the server may be alive
//       and busy, and resending would multiply the wait. The connection is dropped (a late
//       reply must not be read as the answer to the next command).
// - Server error replies are values: command() turns a top-level error reply into an Error
//   (kServerError / kNoScript / kAuth); pipeline() keeps per-command error replies in place.
// - SIGPIPE from writing to a dead socket is blocked and consumed for the calling thread
//   during the write; the process's SIGPIPE disposition is not changed.
// - The socket is made close-on-exec right after connecting, so programs the service
//   starts do not inherit it (hiredis 0.14 cannot create it that way: a fork+exec in another
//   thread during that instant could still inherit it).
//
// Thread-safety: a Connection is used by one thread at a time (it is not locked). Share a
// Pool between threads instead. Pub/sub and MONITOR need a dedicated reader and are refused.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bw/redis/reply.hpp"
#include "bw/redis/retry_policy.hpp"
#include "bw/result.hpp"

namespace bw::redis {

struct ConnectionOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string password;                              // empty: no AUTH
  int db = 0;                                        // SELECT db when non-zero
  std::chrono::milliseconds connect_timeout{500};    // TCP connect, per attempt
  std::chrono::milliseconds command_timeout{1000};   // each socket read/write
  RetryPolicy retry;
};

// Whether a command may be written again after the connection broke while it was in flight.
enum class Idempotent { kNo, kYes };

// Counters for degraded modes; export them as metrics.
struct ConnectionStats {
  std::uint64_t connects = 0;          // connections established
  std::uint64_t connect_failures = 0;  // failed connect/AUTH/SELECT attempts
  std::uint64_t stale_replaced = 0;    // connections found closed by the server before a call
  std::uint64_t resends = 0;           // idempotent calls written again after a lost connection
  std::uint64_t timeouts = 0;          // calls that ended in kTimeout
  std::uint64_t lost = 0;              // calls that ended in kConnectionLost
};

class Connection {
 public:
  explicit Connection(ConnectionOptions options);  // does not connect yet
  ~Connection();
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;  // a moved-from Connection may only be
                                                 // destroyed or assigned to

  // Connects now (with the retry policy) instead of on the first call. Errors: kConnect,
  // kTimeout, kAuth (password refused), kServerError (SELECT refused).
  Status connect();
  bool connected() const;
  void disconnect();

  // Sends one command (binary-safe: arguments may hold any bytes) and returns its reply.
  // Errors: kInvalidArgument (empty argv, SUBSCRIBE-family or MONITOR), the connect errors
  // above, kTimeout, kConnectionLost, kProtocol, and kServerError / kNoScript / kAuth for an
  // error reply.
  Result<Reply> command(const std::vector<std::string>& argv,
                        Idempotent idempotent = Idempotent::kNo);

  // Writes all commands, then reads all replies, in order (one round trip). Error replies
  // stay in the vector as Reply::error. Errors: as command(), for the transport only; on
  // kTimeout / kConnectionLost any prefix of the commands may have been executed.
  Result<std::vector<Reply>> pipeline(const std::vector<std::vector<std::string>>& commands,
                                      Idempotent idempotent = Idempotent::kNo);

  const ConnectionOptions& options() const;
  const ConnectionStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bw::redis
