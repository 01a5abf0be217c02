// RelayLink: the agent's one stream to the relay, kept open: it reconnects with exponential
// backoff and full jitter, resumes after the last acknowledged mailbox offset, and
// acknowledges a delivery only once the caller says it was durably processed.
//
// Guarantees:
//  - Backoff (reconnect_delay, pure): attempt k waits a uniformly random time in
//    [0, min(cap, initial·2^k)] ("full jitter"), plus the relay's GoAway.reconnect_after_ms
//    or Error.retry_after_ms hint if one came; attempts reset after a stream that reached
//    Welcome and stayed up at least `stable_after`.
//  - Offsets: the last acknowledged offset lives in <state folder>/relay-offset (0600,
//    written and synced before the Ack is sent), so a restarted agent resumes too. An Ack
//    is sent only after on_delivery returned kProcessed (the e2e state already committed);
//    kRetry closes the stream without acknowledging, so the delivery comes again.
//  - The device token travels only in Hello (AgentStream). Nothing here logs content.
// Thread-safety: run() on one thread; send() and stop() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "bw/result.hpp"

namespace breakwater::relay::v1 {
class AgentFrame;
class RelayFrame;
class Delivery;
class Hello;
}  // namespace breakwater::relay::v1

namespace bw::relayclient {
class AgentStream;
}

namespace bw::agent {

struct BackoffPolicy {
  std::chrono::milliseconds initial{250};
  std::chrono::milliseconds cap{30'000};
  std::chrono::milliseconds stable_after{10'000};
};

// Pure: the wait before reconnect attempt `attempt` (0 = the first after a drop), given a
// uniformly random 64-bit value and the relay's hint (0 = none).
std::chrono::milliseconds reconnect_delay(const BackoffPolicy& p, unsigned attempt, std::uint64_t random,
                                          std::chrono::milliseconds hint);

// A mailbox offset (relay.proto MailboxOffset), ordered as (ms, seq).
struct Offset {
  std::uint64_t ms = 0, seq = 0;
  friend auto operator<=>(const Offset&, const Offset&) = default;
};
inline constexpr const char* kOffsetFile = "relay-offset";
Status save_offset(const std::string& state_dir, const Offset& o);
// (0, 0) when nothing was stored. Errors: an unreadable or damaged file.
Result<Offset> load_offset(const std::string& state_dir);

struct LinkStats {
  std::atomic<std::uint64_t> connects{0}, connect_failures{0}, go_aways{0}, deliveries{0}, acks{0}, retries{0};
};

class RelayLink {
 public:
  enum class Disposition { kProcessed, kRetry };
  struct Options {
    std::string target, ca_file, server_name;
    bool plaintext = false;
    std::string state_dir;     // for relay-offset
    std::string device_token;  // never logged
    std::string agent_version;
    BackoffPolicy backoff;
  };
  using OnDelivery = std::function<Disposition(const breakwater::relay::v1::Delivery&)>;
  using OnFrame = std::function<void(const breakwater::relay::v1::RelayFrame&)>;  // all but deliveries
  using OnConnected = std::function<void()>;

  explicit RelayLink(Options o);
  ~RelayLink();
  // Connects, pumps frames to the callbacks, reconnects, until stop(). Returns an error only
  // when the relay refused the credential for good (UNAUTHENTICATED or GoAway
  // DEVICE_REVOKED) or the offset file cannot be read/written.
  Status run(const OnDelivery& on_delivery, const OnFrame& on_frame, const OnConnected& on_connected = {});
  void stop();
  // Sends on the current stream; false when there is none (the caller decides what is lost).
  bool send(const breakwater::relay::v1::AgentFrame& f);
  const LinkStats& stats() const { return stats_; }

 private:
  enum class End { kStopped, kDropped, kFatal };
  End pump(relayclient::AgentStream& s, const OnDelivery& on_delivery, const OnFrame& on_frame,
           std::chrono::milliseconds& hint, Status& fatal);
  bool wait(std::chrono::milliseconds d);

  Options options_;
  Offset acked_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;  // guards stream_
  std::shared_ptr<relayclient::AgentStream> stream_;
  LinkStats stats_;
};

}  // namespace bw::agent
