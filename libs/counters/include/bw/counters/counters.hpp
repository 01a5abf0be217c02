// Counters: atomic Redis counter decisions — fixed window, GCRA, one-time use, lockout,
// quota leases —
// each one EVALSHA (or one SET NX) with Redis TIME as the only clock inside Redis.
//
// Guarantees:
// - Exactness: each decision reads and writes its state in one atomic step, so any number
//   of threads and service instances sharing a Redis admit exactly the limit, never more.
// - Cluster safety: every key is checked to carry a hash tag (bw::redis::tagged_key); a
//   call touches only keys derived from the one the caller gives, so one slot.
// - Every key written carries a TTL (see scripts/*.lua for which).
// - Bad input (validate.hpp) is an Error before any round trip.
// - NOSCRIPT (SCRIPT FLUSH, restart, fail-over) is recovered: the script is loaded and the
//   call re-run once; NOSCRIPT means it did not run, so nothing is counted twice.
// - No decision is resent after a lost connection (the outcome is unknown): callers see
//   kConnectionLost / kTimeout and choose fail-open or fail-closed.
// Errors: bw::redis::Errc codes (kInvalidArgument from validation, transport and server
// codes from the Connection, kProtocol for an unexpected reply shape).
//
// Thread-safety: a Counters is immutable after construction; share one across threads.
// Each Connection is used by one thread at a time (take it from a bw::redis::Pool).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bw/counters/types.hpp"
#include "bw/redis/connection.hpp"
#include "bw/redis/reply.hpp"
#include "bw/redis/script.hpp"
#include "bw/result.hpp"

namespace bw::counters {

// One command's argv, for Connection::pipeline / Counters::pipeline.
using Command = std::vector<std::string>;

// The two keys of a lockout: "<prefix>:f" (failures) and "<prefix>:ban".
struct LockoutKeys {
  std::string failures;
  std::string ban;
};
LockoutKeys lockout_keys(std::string_view prefix);

class Counters {
 public:
  Counters();  // the scripts embedded from libs/counters/scripts

  // --- One decision per call (one round trip; two after a NOSCRIPT). -------------------

  // Counts `hits` against the fixed window of `key` (hits = 0 only reads).
  Result<WindowDecision> fixed_window(redis::Connection& conn, std::string_view key,
                                      const FixedWindowLimit& limit, std::int64_t hits) const;
  // Spends `hits` cells of the GCRA bucket `key` (hits = 0 only reads).
  Result<GcraDecision> gcra(redis::Connection& conn, std::string_view key,
                            const GcraLimit& limit, std::int64_t hits) const;
  // true: first use of `key` (now recorded for ttl_ms); false: seen within its TTL.
  Result<bool> check_and_record(redis::Connection& conn, std::string_view key,
                                std::int64_t ttl_ms) const;
  // Counts one failure unless banned. To bound parallel guesses, record the attempt
  // *before* checking the secret (proceed only if `recorded`) and clear_lockout() on success.
  Result<LockoutState> record_failure(redis::Connection& conn, std::string_view prefix,
                                      const LockoutPolicy& policy) const;
  Result<LockoutState> lockout_state(redis::Connection& conn, std::string_view prefix) const;
  Status clear_lockout(redis::Connection& conn, std::string_view prefix) const;

  // Quota leases (scripts/lease_*.lua): take up to `requested` tokens from the counter
  // `key` (the same key fixed_window()/gcra() use, so both share one budget) and write the
  // lease record `record_key` (same hash tag as `key`; one per lease, e.g. from a random
  // lease id) valid for at most ttl_ms — for a fixed window never past the window's end.
  // Returning credits min(unspent, granted) back once, only while the record is valid (and,
  // for a window, in the same window); anything else credits 0.
  Result<LeaseGrant> take_lease(redis::Connection& conn, std::string_view key, std::string_view record_key,
                                const FixedWindowLimit& limit, std::int64_t requested, std::int64_t ttl_ms) const;
  Result<LeaseGrant> take_lease(redis::Connection& conn, std::string_view key, std::string_view record_key,
                                const GcraLimit& limit, std::int64_t requested, std::int64_t ttl_ms) const;
  Result<std::int64_t> return_lease(redis::Connection& conn, std::string_view key, std::string_view record_key,
                                    const FixedWindowLimit& limit, std::int64_t unspent) const;
  Result<std::int64_t> return_lease(redis::Connection& conn, std::string_view key, std::string_view record_key,
                                    const GcraLimit& limit, std::int64_t unspent) const;

  // --- Commands for pipelining: validate, then build the EVALSHA / SET argv. -----------
  // Decode each reply with replies.hpp. Run them with pipeline() below, or load() first.

  Result<Command> fixed_window_command(std::string_view key, const FixedWindowLimit& limit,
                                       std::int64_t hits) const;
  Result<Command> gcra_command(std::string_view key, const GcraLimit& limit,
                               std::int64_t hits) const;
  Result<Command> check_and_record_command(std::string_view key, std::int64_t ttl_ms) const;
  Result<Command> record_failure_command(std::string_view prefix,
                                         const LockoutPolicy& policy) const;
  Result<Command> lockout_state_command(std::string_view prefix) const;
  Result<Command> take_lease_command(std::string_view key, std::string_view record_key,
                                     const FixedWindowLimit& limit, std::int64_t requested,
                                     std::int64_t ttl_ms) const;
  Result<Command> take_lease_command(std::string_view key, std::string_view record_key,
                                     const GcraLimit& limit, std::int64_t requested, std::int64_t ttl_ms) const;
  Result<Command> return_lease_command(std::string_view key, std::string_view record_key,
                                       const FixedWindowLimit& limit, std::int64_t unspent) const;
  Result<Command> return_lease_command(std::string_view key, std::string_view record_key,
                                       const GcraLimit& limit, std::int64_t unspent) const;

  // One round trip for all commands; those answered NOSCRIPT (they did not run) are run
  // again once after load(), in their relative order but after the others — harmless for
  // counting, but do not rely on order across keys. Replies are in the commands' order;
  // per-command error replies stay in place.
  // Errors: transport errors of Connection::pipeline (any prefix may have run).
  Result<std::vector<redis::Reply>> pipeline(redis::Connection& conn,
                                             const std::vector<Command>& commands) const;

  // SCRIPT LOAD of every counter script.
  Status load(redis::Connection& conn) const;

 private:
  redis::Script fixed_window_;
  redis::Script gcra_;
  redis::Script lockout_record_;
  redis::Script lockout_check_;
  redis::Script lease_window_;
  redis::Script lease_gcra_;
};

}  // namespace bw::counters
