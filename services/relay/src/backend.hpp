// RelayBackend: the blocking operations the relay's actors delegate to I/O workers — the
// mailboxes, presence and revocation state in Redis. One implementation runs on Redis
// (redis_backend.cpp); the interface keeps Redis types out of the actors.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bw/result.hpp"
#include "stats_exporter.hpp"
#include "transport.hpp"

namespace bw::relay {

struct AppendItem {
  std::string recipient;  // 16 bytes
  std::string nonce;      // 16 bytes
  std::string envelope;   // serialized Envelope, opaque here
};

enum class Appended { kOk, kReplayed, kFull };

struct AppendOutcome {
  Appended outcome = Appended::kOk;
  MboxOffset offset;
  std::uint64_t trimmed_by_age = 0;
};

struct MailboxEntry {
  MboxOffset offset;
  std::string envelope;
};

// What arrives on a device's notification channel.
struct ChannelEvent {
  enum class Type { kMailbox, kPresence, kKick, kResync };
  Type type = Type::kMailbox;
  std::string peer;              // kPresence: the device whose state changed
  bool online = false;           // kPresence
  std::uint64_t since_ms = 0;    // kPresence
  std::string connection;        // kKick: the connection that now owns the device
  // kMailbox with the entry itself (its envelope non-empty): deliverable without reading
  // the mailbox by a connection that has delivered `previous` or later.
  MboxOffset offset;
  MboxOffset previous;
  std::string envelope;
};

class RelayBackend {
 public:
  virtual ~RelayBackend() = default;

  // One atomic step per item (nonce check + mailbox append + notify), pipelined. An error
  // for an item means the outcome is unknown (it may have been recorded).
  virtual std::vector<Result<AppendOutcome>> append(const std::vector<AppendItem>& items) = 0;
  // Entries strictly after `after`, oldest first, at most max.
  virtual Result<std::vector<MailboxEntry>> read_after(const std::string& device, MboxOffset after,
                                                       std::size_t max) = 0;
  // Trims entries up to and including up_to.
  virtual Status ack(const std::string& device, MboxOffset up_to) = 0;
  // Where delivery resumes for a device that acknowledged `after`: `after`, or later when
  // the age bound dropped entries after it (a gap the endpoints will see).
  virtual Result<MboxOffset> resume_point(const std::string& device, MboxOffset after) = 0;

  // Records that connection `connection` on this pod now owns device (others get a kick)
  // and that the device is online.
  virtual Status claim(const std::string& device, const std::string& connection) = 0;
  // Marks the device offline unless another connection owns it now.
  virtual Status release(const std::string& device, const std::string& connection) = 0;
  // Which of these devices are online.
  virtual Result<std::vector<bool>> online(const std::vector<std::string>& devices) = 0;
  // Tells each peer that device changed state.
  virtual Status publish_presence(const std::vector<std::string>& peers, const std::string& device, bool online,
                                  std::uint64_t since_ms) = 0;
  // Keeps the presence records of (device, connection) alive (called periodically); returns
  // the devices whose record another connection holds now (superseded: a kick was missed).
  virtual Result<std::vector<std::string>> refresh(
      const std::vector<std::pair<std::string, std::string>>& device_connections) = 0;

  // Notifications for a device's channel go to the sink given at construction.
  virtual void subscribe(const std::string& device) = 0;
  virtual void unsubscribe(const std::string& device) = 0;

  // Stops the notification thread: no sink call happens after it returns. Idempotent.
  virtual void stop() {}
  // Its counters, for the metrics exporter.
  virtual std::vector<StatSample> stats() const { return {}; }

  // The user's revocation epoch as auth published it (0 when none is recorded).
  virtual Result<std::uint64_t> revocation_epoch(const std::string& tenant, const std::string& user) = 0;
};

using ChannelSink = std::function<void(const std::string& device, const ChannelEvent& event)>;

}  // namespace bw::relay
