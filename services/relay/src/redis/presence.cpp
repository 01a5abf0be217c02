// Presence over Redis (presence.hpp): three small Lua steps on the owner record.
#include "redis/presence.hpp"

#include <charconv>

#include "bw/redis/errors.hpp"
#include "bw/redis/pool.hpp"
#include "bw/redis/script.hpp"

namespace bw::relay::redis {
namespace {

using bw::redis::Errc;
using bw::redis::Idempotent;
using bw::redis::make_error;
using bw::redis::Reply;

// KEYS[1] owner. ARGV[1] pod, ARGV[2] connection, ARGV[3] ttl ms, ARGV[4] channel.
// Reply {replaced 0|1, was_online 0|1, since_ms}.
constexpr const char* kClaimLua = R"lua(
local old = redis.call('GET', KEYS[1])
local now = redis.call('TIME')
local since = string.format('%.0f', tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
local replaced, was_online = 0, 0
if old then
  local old_conn, old_since = string.match(old, '^%S+ (%S+) (%d+)$')
  was_online = 1
  if old_since then since = old_since end
  if old_conn ~= ARGV[2] then replaced = 1 end
end
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. ARGV[2] .. ' ' .. since, 'PX', ARGV[3])
if replaced == 1 then redis.call('SPUBLISH', ARGV[4], 'kick ' .. ARGV[2]) end
return {replaced, was_online, tonumber(since)}
)lua";

// KEYS[1] owner. ARGV[1] connection, ARGV[2] ttl ms. 1 when extended.
constexpr const char* kRefreshLua = R"lua(
local old = redis.call('GET', KEYS[1])
if not old or string.match(old, '^%S+ (%S+) %d+$') ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
)lua";

// KEYS[1] owner. ARGV[1] connection. 1 when deleted.
constexpr const char* kReleaseLua = R"lua(
local old = redis.call('GET', KEYS[1])
if not old or string.match(old, '^%S+ (%S+) %d+$') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
)lua";

const bw::redis::Script& claim_script() {
  static const bw::redis::Script script("relay_presence_claim", kClaimLua);
  return script;
}
const bw::redis::Script& refresh_script() {
  static const bw::redis::Script script("relay_presence_refresh", kRefreshLua);
  return script;
}
const bw::redis::Script& release_script() {
  static const bw::redis::Script script("relay_presence_release", kReleaseLua);
  return script;
}

Error protocol_error(const std::string& what) {
  return make_error(Errc::kProtocol, "presence: " + what);
}

Status check_ttl(std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0) return make_error(Errc::kInvalidArgument, "presence: ttl must be positive");
  return {};
}

// "<pod> <connection> <since>" → presence; nullopt when malformed.
std::optional<DevicePresence> parse_owner(const std::string& value) {
  const auto space = value.rfind(' ');
  if (space == std::string::npos) return std::nullopt;
  std::uint64_t since = 0;
  const char* begin = value.data() + space + 1;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(begin, end, since);
  if (ec != std::errc() || ptr != end || begin == end) return std::nullopt;
  return DevicePresence{true, since};
}

Result<bool> as_flag(Result<Reply> reply, const char* what) {
  if (!reply) return reply.error();
  if (!reply->is_integer()) return protocol_error(std::string(what) + ": unexpected reply");
  return reply->as_integer() == 1;
}

}  // namespace

Presence::Presence(std::shared_ptr<bw::redis::Pool> pool, std::chrono::milliseconds checkout_wait)
    : pool_(std::move(pool)), checkout_wait_(checkout_wait) {}

Result<ClaimResult> Presence::claim(const DeviceId& device, std::string_view pod_id,
                                    std::string_view connection_id,
                                    std::chrono::milliseconds ttl) {
  if (!is_valid_token(pod_id) || !is_valid_token(connection_id)) {
    return make_error(Errc::kInvalidArgument, "presence: pod or connection id is not a token");
  }
  if (Status ok = check_ttl(ttl); !ok) return ok.error();
  auto lease = pool_->checkout(checkout_wait_);
  if (!lease) return lease.error();
  auto reply = claim_script().eval(
      **lease, {owner_key(device)},
      {std::string(pod_id), std::string(connection_id), std::to_string(ttl.count()),
       device_channel(device)});
  if (!reply) return reply.error();
  if (!reply->is_array() || reply->as_array().size() != 3) return protocol_error("bad claim reply");
  const auto& parts = reply->as_array();
  for (const auto& part : parts) {
    if (!part.is_integer() || part.as_integer() < 0) return protocol_error("bad claim reply");
  }
  return ClaimResult{parts[0].as_integer() == 1, parts[1].as_integer() == 1,
                     static_cast<std::uint64_t>(parts[2].as_integer())};
}

Result<bool> Presence::refresh(const DeviceId& device, std::string_view connection_id,
                               std::chrono::milliseconds ttl) {
  if (!is_valid_token(connection_id)) {
    return make_error(Errc::kInvalidArgument, "presence: connection id is not a token");
  }
  if (Status ok = check_ttl(ttl); !ok) return ok.error();
  auto lease = pool_->checkout(checkout_wait_);
  if (!lease) return lease.error();
  return as_flag(refresh_script().eval(**lease, {owner_key(device)},
                                       {std::string(connection_id), std::to_string(ttl.count())},
                                       Idempotent::kYes),
                 "refresh");
}

Result<bool> Presence::mark_offline(const DeviceId& device, std::string_view connection_id) {
  if (!is_valid_token(connection_id)) {
    return make_error(Errc::kInvalidArgument, "presence: connection id is not a token");
  }
  auto lease = pool_->checkout(checkout_wait_);
  if (!lease) return lease.error();
  return as_flag(release_script().eval(**lease, {owner_key(device)}, {std::string(connection_id)},
                                       Idempotent::kYes),
                 "mark_offline");
}

Result<std::vector<bool>> Presence::refresh_many(std::span<const Held> held, std::chrono::milliseconds ttl) {
  std::vector<bool> out;
  if (held.size() > kMaxDevicesPerCall) {
    return make_error(Errc::kInvalidArgument, "presence: too many devices in one call");
  }
  for (const auto& h : held) {
    if (!is_valid_token(h.connection_id)) {
      return make_error(Errc::kInvalidArgument, "presence: connection id is not a token");
    }
  }
  if (Status ok = check_ttl(ttl); !ok) return ok.error();
  if (held.empty()) return out;
  auto lease = pool_->checkout(checkout_wait_);
  if (!lease) return lease.error();
  const auto& script = refresh_script();
  if (Status loaded = script.load(**lease); !loaded) return loaded.error();
  std::vector<std::vector<std::string>> commands;
  commands.reserve(held.size());
  for (const auto& h : held) {
    commands.push_back(script.evalsha_command({owner_key(h.device)}, {h.connection_id, std::to_string(ttl.count())}));
  }
  auto replies = (*lease)->pipeline(commands, Idempotent::kYes);
  if (!replies) return replies.error();
  for (const Reply& reply : *replies) {
    if (reply.is_error()) return bw::redis::error_reply_to_result(reply).error();
    auto flag = as_flag(reply, "refresh");
    if (!flag) return flag.error();
    out.push_back(*flag);
  }
  return out;
}

Result<std::vector<DevicePresence>> Presence::is_online(std::span<const DeviceId> devices) {
  std::vector<DevicePresence> out;
  if (devices.size() > kMaxDevicesPerCall) {
    return make_error(Errc::kInvalidArgument, "presence: too many devices in one call");
  }
  if (devices.empty()) return out;
  std::vector<std::vector<std::string>> commands;
  for (const auto& device : devices) commands.push_back({"GET", owner_key(device)});
  auto lease = pool_->checkout(checkout_wait_);
  if (!lease) return lease.error();
  auto replies = (*lease)->pipeline(commands, Idempotent::kYes);
  if (!replies) return replies.error();
  for (const Reply& reply : *replies) {
    if (reply.is_nil()) {
      out.push_back(DevicePresence{});
      continue;
    }
    if (reply.is_error()) return bw::redis::error_reply_to_result(reply).error();
    std::optional<DevicePresence> presence;
    if (reply.is_string()) presence = parse_owner(reply.as_string());
    if (!presence) return protocol_error("malformed owner record");
    out.push_back(*presence);
  }
  return out;
}

Result<std::uint64_t> Presence::publish(const PresenceChange& change,
                                        std::span<const DeviceId> peers) {
  if (peers.size() > kMaxDevicesPerCall) {
    return make_error(Errc::kInvalidArgument, "presence: too many peers in one call");
  }
  if (peers.empty()) return std::uint64_t{0};
  const std::string message = encode_channel_message(change);
  std::vector<std::vector<std::string>> commands;
  for (const auto& peer : peers) commands.push_back({"SPUBLISH", device_channel(peer), message});
  auto lease = pool_->checkout(checkout_wait_);
  if (!lease) return lease.error();
  auto replies = (*lease)->pipeline(commands, Idempotent::kNo);
  if (!replies) return replies.error();
  std::uint64_t receivers = 0;
  for (const Reply& reply : *replies) {
    if (reply.is_error()) return bw::redis::error_reply_to_result(reply).error();
    if (!reply.is_integer() || reply.as_integer() < 0) return protocol_error("bad SPUBLISH reply");
    receivers += static_cast<std::uint64_t>(reply.as_integer());
  }
  return receivers;
}

}  // namespace bw::relay::redis
