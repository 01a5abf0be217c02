// Mailboxes: each device's mailbox as a Redis stream (DESIGN §4), with the nonce check,
// the append and the notification as ONE atomic Lua step.
//
// Guarantees:
// - append(): per request, one EVALSHA of append_script() that, atomically:
//     1. refuses a nonce already recorded for the recipient within nonce_window → kReplayed
//        (nothing changes);
//     2. drops the entries older than max_age (XTRIM MINID on the server clock), counts
//        them in trimmed_by_age and records the highest dropped offset (the "cut");
//     3. refuses when the mailbox still holds max_entries → kFull (the nonce is NOT
//        recorded, so the same envelope can be sent again later);
//     4. otherwise XADDs the envelope (Redis picks the offset), records the nonce for
//        nonce_window, sets the mailbox's (and cut's) TTL to max_age and SPUBLISHes on the
//        recipient's channel (channel_message.hpp) "mail <offset> <previous> <envelope>"
//        when the envelope is at most max_inline_bytes (previous: the newest entry held
//        before, 0-0 when none), else "entry <offset>".
//   All writes come after all checks, so a script that fails part-way has recorded nothing
//   but the age trim. A batch is pipelined on one pooled connection: one round trip, and
//   requests for one recipient are appended in batch order (a request re-sent after
//   NOSCRIPT can only land after others if the script vanished in mid-pipeline).
// - Offsets of one recipient increase with every append (stream ids); read_after() returns
//   entries strictly after the given offset, oldest first; ack() drops entries ≤ up_to.
// - Every key has a TTL; every key and the channel of one recipient share its hash tag.
// - Bounded: batches ≤ max_batch, envelopes ≤ max_envelope_bytes, reads ≤ max_read entries;
//   Redis holds at most max_entries × max_envelope_bytes per mailbox (size both together).
//
// Failure behaviour (the caller's mapping to relay.proto Error codes):
// - Error kConnect / kPoolExhausted: nothing was sent, nothing recorded → UNAVAILABLE.
// - Error kTimeout / kConnectionLost from append(): the outcome of every request of the
//   batch is unknown; any of them may have been recorded (and notified) → INTERNAL. A
//   resend of such an envelope is then refused as kReplayed and the original stays queued,
//   exactly the INTERNAL semantics of relay.proto; if it was not recorded, it is appended.
// - A per-request Error inside an ok result: a server error reply (kServerError, e.g. a
//   key of the wrong type, OOM): that script recorded nothing → INTERNAL;
//   kInvalidArgument: refused before sending (too large) → TOO_LARGE / MALFORMED; and,
//   only for requests sent again after NOSCRIPT, the transport codes above with the same
//   meaning (the rest of the batch has its answers).
// - A script missing on the server (restart, fail-over, SCRIPT FLUSH) is loaded and the
//   refused requests are sent again: NOSCRIPT means they did not run.
// - Reads and acks are idempotent: resent within the retry policy after a lost connection.
//
// Thread-safety: every method may be called from any thread at once (connections come
// from the Pool); stats() counters are atomics.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bw/result.hpp"
#include "redis/channel_message.hpp"
#include "redis/offset.hpp"
#include "redis/relay_keys.hpp"

namespace bw::redis {
class Connection;
class Pool;
class Script;
}  // namespace bw::redis

namespace bw::relay::redis {

struct MailboxLimits {
  std::uint64_t max_entries = 10000;              // per mailbox; beyond → kFull
  std::chrono::milliseconds max_age{std::chrono::hours(24)};      // older entries dropped
  std::chrono::milliseconds nonce_window{std::chrono::minutes(10)};  // ≥ 2 × clock skew
  std::size_t max_envelope_bytes = 1100 * 1024;   // serialized Envelope
  std::size_t max_batch = 256;                    // requests per append() call
  std::size_t max_read = 256;                     // entries per read_after() call
  std::size_t max_inline_bytes = kMaxInlineEnvelope;  // published with its notification (≤ kMaxInlineEnvelope)
  std::chrono::milliseconds checkout_wait{200};   // waiting for a pooled connection
};

struct AppendRequest {
  DeviceId recipient{};
  Nonce nonce{};
  std::string envelope;  // the serialized Envelope, opaque here
};

enum class AppendOutcome { kAppended, kReplayed, kFull };

struct AppendResult {
  AppendOutcome outcome = AppendOutcome::kAppended;
  Offset offset;                    // kAppended only
  std::uint64_t trimmed_by_age = 0;  // entries the age bound dropped in this step
};

struct MailboxEntry {
  Offset offset;
  std::string envelope;
};

// Where delivery resumes: strictly after `start_after`. `gap` is true when the age bound
// dropped entries after the offset the device asked for (they are lost to it).
struct ResumePoint {
  Offset start_after;
  bool gap = false;
};

struct MailboxStats {
  std::atomic<std::uint64_t> appended{0};
  std::atomic<std::uint64_t> replayed{0};
  std::atomic<std::uint64_t> full{0};
  std::atomic<std::uint64_t> trimmed_by_age{0};
  std::atomic<std::uint64_t> acked_trimmed{0};      // entries dropped by ack()
  std::atomic<std::uint64_t> malformed_entries{0};  // stream entries without an envelope
  std::atomic<std::uint64_t> script_loads{0};       // NOSCRIPT recoveries
  std::atomic<std::uint64_t> errors{0};             // calls or requests that ended in Error
};

class Mailboxes {
 public:
  // Throws std::invalid_argument for limits that are zero (start-up only).
  Mailboxes(std::shared_ptr<bw::redis::Pool> pool, MailboxLimits limits);
  ~Mailboxes();
  Mailboxes(const Mailboxes&) = delete;
  Mailboxes& operator=(const Mailboxes&) = delete;

  // One result per request, in order; see the failure behaviour above. An empty batch
  // gives an empty vector; more than max_batch requests: Error kInvalidArgument.
  Result<std::vector<Result<AppendResult>>> append(std::span<const AppendRequest> batch);

  // Up to min(max_count, max_read) entries strictly after `after`, oldest first. Entries
  // lacking an envelope field (never written by this class) are skipped and counted.
  Result<std::vector<MailboxEntry>> read_after(const DeviceId& recipient, Offset after,
                                               std::size_t max_count);

  // Drops every entry ≤ up_to; returns how many. Acking past the newest entry only drops
  // what exists (offsets issued later are larger than any existing one). The relay should
  // pass at most the highest offset it delivered on that connection: a device acking ahead
  // only loses its own undelivered entries, but that is still a loss.
  Result<std::uint64_t> ack(const DeviceId& recipient, Offset up_to);

  // For a device resuming after `after` (its last acknowledged offset): `after`, or the
  // highest offset the age bound dropped if that is later (then gap = true).
  // Known limit: after a whole mailbox expires (no append for max_age) this record is gone
  // too; the end-to-end (epoch, seq) check still shows the gap to the user.
  Result<ResumePoint> resume_point(const DeviceId& recipient, Offset after);

  // The Lua step append() runs, for benchmarks that drive it straight at Redis.
  // KEYS: mailbox_key, nonce_key, cut_key; ARGV: envelope, max_entries, max_age_ms,
  // nonce_window_ms, device_channel. Reply: {outcome 0|1|2, "<ms>-<seq>" or "", trimmed}.
  static const bw::redis::Script& append_script();
  // The ARGV for append_script() under these limits.
  static std::vector<std::string> append_args(const MailboxLimits& limits,
                                              const AppendRequest& request);

  const MailboxLimits& limits() const { return limits_; }
  const MailboxStats& stats() const { return stats_; }

 private:
  Status send_batch(bw::redis::Connection& connection, std::span<const AppendRequest> batch,
                    std::vector<std::size_t> pending, std::vector<Result<AppendResult>>& results);
  void count(const std::vector<Result<AppendResult>>& results);

  std::shared_ptr<bw::redis::Pool> pool_;
  MailboxLimits limits_;
  MailboxStats stats_;
};

}  // namespace bw::relay::redis
