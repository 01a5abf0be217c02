#include "redis_backend.hpp"

#include <algorithm>

#include "redis/channel_message.hpp"
#include "redis/mailboxes.hpp"
#include "redis/notifications.hpp"
#include "redis/presence.hpp"
#include "redis/revocation_epoch.hpp"

namespace bw::relay {
namespace {

namespace rr = bw::relay::redis;

rr::DeviceId device_id(const std::string& raw) {
  rr::DeviceId id{};
  std::copy_n(raw.begin(), std::min(raw.size(), id.size()), id.begin());
  return id;
}

std::string raw(const rr::DeviceId& id) { return std::string(id.begin(), id.end()); }

rr::Offset to_rr(MboxOffset o) { return rr::Offset{o.ms, o.seq}; }
MboxOffset from_rr(rr::Offset o) { return MboxOffset{o.ms, o.seq}; }

class RedisBackend final : public RelayBackend {
 public:
  RedisBackend(std::shared_ptr<bw::redis::Pool> pool, RedisBackendOptions options, ChannelSink sink)
      : pool_(pool), options_(std::move(options)), presence_(pool) {
    rr::MailboxLimits limits;
    limits.max_entries = options_.mailbox_max_entries;
    limits.max_age = options_.mailbox_max_age;
    limits.nonce_window = options_.nonce_window;
    limits.max_envelope_bytes = options_.max_envelope_bytes;
    limits.max_inline_bytes = options_.notify_inline_max_bytes;
    mailboxes_ = std::make_unique<rr::Mailboxes>(pool, limits);
    rr::NotificationsOptions no;
    no.connection = options_.subscriber;
    notifications_ = std::make_unique<rr::Notifications>(
        no,
        [sink](const rr::DeviceId& device, const rr::ChannelMessage& message) {
          ChannelEvent ev;
          if (std::holds_alternative<rr::NewEntry>(message)) {
            ev.type = ChannelEvent::Type::kMailbox;
          } else if (const auto* m = std::get_if<rr::NewMail>(&message)) {
            ev.type = ChannelEvent::Type::kMailbox;
            ev.offset = from_rr(m->offset);
            ev.previous = from_rr(m->previous);
            ev.envelope = m->envelope;
          } else if (const auto* p = std::get_if<rr::PresenceChange>(&message)) {
            ev.type = ChannelEvent::Type::kPresence;
            ev.peer = raw(p->device);
            ev.online = p->online;
            ev.since_ms = p->since_ms;
          } else if (const auto* k = std::get_if<rr::Kick>(&message)) {
            ev.type = ChannelEvent::Type::kKick;
            ev.connection = k->connection_id;
          }
          sink(raw(device), ev);
        },
        [sink](const rr::DeviceId& device) {
          ChannelEvent ev;
          ev.type = ChannelEvent::Type::kResync;
          sink(raw(device), ev);
        });
  }

  ~RedisBackend() override { notifications_->stop(); }
  void stop() override { notifications_->stop(); }

  std::vector<StatSample> stats() const override {
    const auto& m = mailboxes_->stats();
    const auto& n = notifications_->stats();
    const char* appends = "Atomic Redis append steps, by result";
    std::vector<StatSample> out = {
        {"mailbox_appends", appends, {{"result", "appended"}}, m.appended.load()},
        {"mailbox_appends", appends, {{"result", "replayed"}}, m.replayed.load()},
        {"mailbox_appends", appends, {{"result", "full"}}, m.full.load()},
        {"mailbox_appends", appends, {{"result", "error"}}, m.errors.load()},
        {"mailbox_trimmed", "Mailbox entries removed, by reason (age bound, acknowledged)",
         {{"reason", "age"}}, m.trimmed_by_age.load()},
        {"mailbox_trimmed", "Mailbox entries removed, by reason (age bound, acknowledged)",
         {{"reason", "ack"}}, m.acked_trimmed.load()},
        {"mailbox_malformed_entries", "Stream entries without an envelope (skipped)", {}, m.malformed_entries.load()},
        {"redis_script_loads", "Lua scripts loaded again after NOSCRIPT", {}, m.script_loads.load()},
        {"notify_connected", "1 while the pub/sub subscriber is connected", {}, n.connected.load() ? 1u : 0u, true},
        {"notify_subscribed_devices", "Devices whose channel this pod subscribes", {}, notifications_->subscribed(), true},
        {"notify_connects", "Subscriber connections made", {}, n.connects.load()},
        {"notify_connect_failures", "Subscriber connection attempts that failed", {}, n.connect_failures.load()},
        {"notify_disconnects", "Subscriber connections that broke", {}, n.disconnects.load()},
        {"notify_messages", "Channel messages handled", {}, n.messages.load()},
        {"notify_malformed", "Channel messages dropped as malformed or unknown", {}, n.malformed.load()},
        {"notify_resyncs", "Mailbox re-reads after a (re)subscription", {}, n.resyncs.load()},
    };
    return out;
  }

  std::vector<Result<AppendOutcome>> append(const std::vector<AppendItem>& items) override {
    std::vector<rr::AppendRequest> batch;
    batch.reserve(items.size());
    for (const auto& item : items) {
      rr::AppendRequest r;
      r.recipient = device_id(item.recipient);
      std::copy_n(item.nonce.begin(), std::min(item.nonce.size(), r.nonce.size()), r.nonce.begin());
      r.envelope = item.envelope;
      batch.push_back(std::move(r));
    }
    std::vector<Result<AppendOutcome>> out;
    out.reserve(items.size());
    const std::size_t max_batch = mailboxes_->limits().max_batch;
    for (std::size_t at = 0; at < batch.size(); at += max_batch) {
      const std::size_t n = std::min(max_batch, batch.size() - at);
      auto results = mailboxes_->append(std::span<const rr::AppendRequest>(batch.data() + at, n));
      for (std::size_t i = 0; i < n; ++i) {
        if (!results) {
          out.push_back(results.error());
          continue;
        }
        const auto& r = (*results)[i];
        if (!r) {
          out.push_back(r.error());
          continue;
        }
        AppendOutcome o;
        o.outcome = r->outcome == rr::AppendOutcome::kAppended ? Appended::kOk
                    : r->outcome == rr::AppendOutcome::kReplayed ? Appended::kReplayed
                                                                  : Appended::kFull;
        o.offset = from_rr(r->offset);
        o.trimmed_by_age = r->trimmed_by_age;
        out.push_back(o);
      }
    }
    return out;
  }

  Result<std::vector<MailboxEntry>> read_after(const std::string& device, MboxOffset after, std::size_t max) override {
    auto entries = mailboxes_->read_after(device_id(device), to_rr(after), max);
    if (!entries) return entries.error();
    std::vector<MailboxEntry> out;
    out.reserve(entries->size());
    for (auto& e : *entries) out.push_back({from_rr(e.offset), std::move(e.envelope)});
    return out;
  }

  Status ack(const std::string& device, MboxOffset up_to) override {
    auto r = mailboxes_->ack(device_id(device), to_rr(up_to));
    if (!r) return r.error();
    return {};
  }

  Result<MboxOffset> resume_point(const std::string& device, MboxOffset after) override {
    auto r = mailboxes_->resume_point(device_id(device), to_rr(after));
    if (!r) return r.error();
    return from_rr(r->start_after);
  }

  Status claim(const std::string& device, const std::string& connection) override {
    auto r = presence_.claim(device_id(device), options_.pod_id, connection, options_.presence_ttl);
    if (!r) return r.error();
    return {};
  }

  Status release(const std::string& device, const std::string& connection) override {
    auto r = presence_.mark_offline(device_id(device), connection);
    if (!r) return r.error();
    return {};
  }

  Result<std::vector<bool>> online(const std::vector<std::string>& devices) override {
    std::vector<rr::DeviceId> ids;
    for (const auto& d : devices) ids.push_back(device_id(d));
    std::vector<bool> out;
    for (std::size_t at = 0; at < ids.size(); at += rr::kMaxDevicesPerCall) {
      const std::size_t n = std::min(rr::kMaxDevicesPerCall, ids.size() - at);
      auto r = presence_.is_online(std::span<const rr::DeviceId>(ids.data() + at, n));
      if (!r) return r.error();
      for (const auto& p : *r) out.push_back(p.online);
    }
    return out;
  }

  Status publish_presence(const std::vector<std::string>& peers, const std::string& device, bool is_online,
                          std::uint64_t since_ms) override {
    rr::PresenceChange change{device_id(device), is_online, since_ms};
    std::vector<rr::DeviceId> ids;
    for (const auto& p : peers) ids.push_back(device_id(p));
    for (std::size_t at = 0; at < ids.size(); at += rr::kMaxDevicesPerCall) {
      const std::size_t n = std::min(rr::kMaxDevicesPerCall, ids.size() - at);
      auto r = presence_.publish(change, std::span<const rr::DeviceId>(ids.data() + at, n));
      if (!r) return r.error();
    }
    return {};
  }

  Result<std::vector<std::string>> refresh(
      const std::vector<std::pair<std::string, std::string>>& device_connections) override {
    std::vector<std::string> lost;
    std::vector<rr::Presence::Held> held;
    held.reserve(device_connections.size());
    for (const auto& [device, connection] : device_connections) held.push_back({device_id(device), connection});
    for (std::size_t at = 0; at < held.size(); at += rr::kMaxDevicesPerCall) {
      const std::size_t n = std::min(rr::kMaxDevicesPerCall, held.size() - at);
      auto r = presence_.refresh_many(std::span<const rr::Presence::Held>(held.data() + at, n), options_.presence_ttl);
      if (!r) return r.error();
      for (std::size_t i = 0; i < n; ++i) {
        if (!(*r)[i]) lost.push_back(device_connections[at + i].first);
      }
    }
    return lost;
  }

  void subscribe(const std::string& device) override { (void)notifications_->subscribe(device_id(device)); }
  void unsubscribe(const std::string& device) override { notifications_->unsubscribe(device_id(device)); }

  Result<std::uint64_t> revocation_epoch(const std::string& tenant, const std::string& user) override {
    return rr::revocation_epoch(*pool_, device_id(tenant), device_id(user));
  }

 private:
  std::shared_ptr<bw::redis::Pool> pool_;
  RedisBackendOptions options_;
  rr::Presence presence_;
  std::unique_ptr<rr::Mailboxes> mailboxes_;
  std::unique_ptr<rr::Notifications> notifications_;
};

}  // namespace

std::shared_ptr<RelayBackend> make_redis_backend(std::shared_ptr<bw::redis::Pool> pool, RedisBackendOptions options,
                                                 ChannelSink sink) {
  return std::make_shared<RedisBackend>(std::move(pool), std::move(options), std::move(sink));
}

}  // namespace bw::relay
