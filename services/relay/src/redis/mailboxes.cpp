// Mailboxes over Redis streams (mailboxes.hpp). The Lua step is the whole contract of
// append(); the C++ around it only builds keys, pipelines and parses replies.
#include "redis/mailboxes.hpp"

#include <algorithm>
#include <stdexcept>

#include "bw/redis/errors.hpp"
#include "bw/redis/pool.hpp"
#include "bw/redis/script.hpp"
#include "redis/channel_message.hpp"

namespace bw::relay::redis {
namespace {

using bw::redis::Errc;
using bw::redis::Idempotent;
using bw::redis::make_error;
using bw::redis::Reply;

// KEYS[1] mailbox, KEYS[2] nonce, KEYS[3] cut. ARGV[1] envelope, ARGV[2] max entries,
// ARGV[3] max age ms, ARGV[4] nonce window ms, ARGV[5] channel, ARGV[6] largest envelope
// published inline (`mail`; larger ones are announced by `entry`).
// Checks first, writes last: an error part-way leaves nothing recorded but the age trim.
constexpr const char* kAppendLua = R"lua(
if redis.call('EXISTS', KEYS[2]) == 1 then return {1, '', 0} end
local max_age = tonumber(ARGV[3])
local now = redis.call('TIME')
local cutoff = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - max_age
local trimmed = 0
if cutoff > 0 then
  local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
  if #first > 0 and tonumber(string.match(first[1][1], '^(%d+)-')) < cutoff then
    local min_id = string.format('%.0f', cutoff) .. '-0'
    local last = redis.call('XREVRANGE', KEYS[1], '(' .. min_id, '-', 'COUNT', 1)
    trimmed = redis.call('XTRIM', KEYS[1], 'MINID', min_id)
    if #last > 0 then redis.call('SET', KEYS[3], last[1][1], 'PX', max_age) end
  end
end
local held = redis.call('XLEN', KEYS[1])
if held >= tonumber(ARGV[2]) then return {2, '', trimmed} end
local previous = '0-0'
if held > 0 then previous = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1][1] end
local id = redis.call('XADD', KEYS[1], '*', 'e', ARGV[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[4])
redis.call('PEXPIRE', KEYS[1], max_age)
redis.call('PEXPIRE', KEYS[3], max_age)
if #ARGV[1] > 0 and #ARGV[1] <= tonumber(ARGV[6]) then
  redis.call('SPUBLISH', ARGV[5], 'mail ' .. id .. ' ' .. previous .. ' ' .. ARGV[1])
else
  redis.call('SPUBLISH', ARGV[5], 'entry ' .. id)
end
return {0, id, trimmed}
)lua";

constexpr const char* kEnvelopeField = "e";

Error protocol_error(const std::string& what) {
  return make_error(Errc::kProtocol, "mailbox: " + what);
}

Result<AppendResult> parse_append_reply(const Reply& reply) {
  if (reply.is_error()) return bw::redis::error_reply_to_result(reply).error();
  if (!reply.is_array() || reply.as_array().size() != 3) return protocol_error("bad append reply");
  const auto& parts = reply.as_array();
  if (!parts[0].is_integer() || !parts[1].is_string() || !parts[2].is_integer() ||
      parts[2].as_integer() < 0) {
    return protocol_error("bad append reply");
  }
  AppendResult result;
  result.trimmed_by_age = static_cast<std::uint64_t>(parts[2].as_integer());
  switch (parts[0].as_integer()) {
    case 0: {
      auto offset = parse_offset(parts[1].as_string());
      if (!offset) return protocol_error("bad stream id from append");
      result.outcome = AppendOutcome::kAppended;
      result.offset = *offset;
      return result;
    }
    case 1:
      result.outcome = AppendOutcome::kReplayed;
      return result;
    case 2:
      result.outcome = AppendOutcome::kFull;
      return result;
    default:
      return protocol_error("unknown append outcome");
  }
}

bool is_noscript(const Reply& reply) {
  return reply.is_error() &&
         bw::redis::classify_server_error(reply.as_string()) == Errc::kNoScript;
}

// One stream entry [id, [field, value, ...]] → MailboxEntry; nullopt when malformed.
std::optional<MailboxEntry> parse_entry(const Reply& entry) {
  if (!entry.is_array() || entry.as_array().size() != 2) return std::nullopt;
  const auto& parts = entry.as_array();
  if (!parts[0].is_string() || !parts[1].is_array()) return std::nullopt;
  auto offset = parse_offset(parts[0].as_string());
  if (!offset) return std::nullopt;
  const auto& fields = parts[1].as_array();
  if (fields.size() != 2 || !fields[0].is_string() || !fields[1].is_string() ||
      fields[0].as_string() != kEnvelopeField) {
    return std::nullopt;
  }
  return MailboxEntry{*offset, fields[1].as_string()};
}

std::string millis_text(std::chrono::milliseconds ms) { return std::to_string(ms.count()); }

}  // namespace

Mailboxes::Mailboxes(std::shared_ptr<bw::redis::Pool> pool, MailboxLimits limits)
    : pool_(std::move(pool)), limits_(limits) {
  if (!pool_) throw std::invalid_argument("mailboxes: no Redis pool");
  if (limits_.max_entries == 0 || limits_.max_age.count() <= 0 ||
      limits_.nonce_window.count() <= 0 || limits_.max_envelope_bytes == 0 ||
      limits_.max_batch == 0 || limits_.max_read == 0 || limits_.checkout_wait.count() < 0) {
    throw std::invalid_argument("mailboxes: every limit must be positive");
  }
}

Mailboxes::~Mailboxes() = default;

const bw::redis::Script& Mailboxes::append_script() {
  static const bw::redis::Script script("relay_mailbox_append", kAppendLua);
  return script;
}

std::vector<std::string> Mailboxes::append_args(const MailboxLimits& limits,
                                                const AppendRequest& request) {
  return {request.envelope, std::to_string(limits.max_entries), millis_text(limits.max_age),
          millis_text(limits.nonce_window), device_channel(request.recipient),
          std::to_string(std::min(limits.max_inline_bytes, kMaxInlineEnvelope))};
}

// Sends the requests `pending` of `batch` in one pipeline and fills their results; the
// requests refused with NOSCRIPT (which did not run) are sent once more after SCRIPT LOAD.
// An Error is returned only when the first pipeline failed (then no result is known); a
// failure after that concerns only the requests sent again and becomes their results.
Status Mailboxes::send_batch(bw::redis::Connection& connection,
                             std::span<const AppendRequest> batch,
                             std::vector<std::size_t> pending,
                             std::vector<Result<AppendResult>>& results) {
  const auto& script = append_script();
  for (int round = 0; round < 2 && !pending.empty(); ++round) {
    std::vector<std::vector<std::string>> commands;
    commands.reserve(pending.size());
    for (std::size_t i : pending) {
      const auto& request = batch[i];
      commands.push_back(script.evalsha_command(
          {mailbox_key(request.recipient), nonce_key(request.recipient, request.nonce),
           cut_key(request.recipient)},
          append_args(limits_, request)));
    }
    auto replies = connection.pipeline(commands, Idempotent::kNo);
    if (!replies && round == 0) return replies.error();
    if (!replies) {  // the others have their answers: only these are in doubt
      for (std::size_t i : pending) results[i] = replies.error();
      return {};
    }
    std::vector<std::size_t> missing;
    for (std::size_t k = 0; k < pending.size(); ++k) {
      const Reply& reply = (*replies)[k];
      if (is_noscript(reply) && round == 0) {
        missing.push_back(pending[k]);
      } else {
        results[pending[k]] = parse_append_reply(reply);
      }
    }
    pending = std::move(missing);
    if (!pending.empty()) {
      ++stats_.script_loads;
      if (Status loaded = script.load(connection); !loaded) {
        for (std::size_t i : pending) results[i] = loaded.error();  // they did not run
        return {};
      }
    }
  }
  return {};
}

void Mailboxes::count(const std::vector<Result<AppendResult>>& results) {
  for (const auto& result : results) {
    if (!result) {
      ++stats_.errors;
      continue;
    }
    stats_.trimmed_by_age += result->trimmed_by_age;
    switch (result->outcome) {
      case AppendOutcome::kAppended: ++stats_.appended; break;
      case AppendOutcome::kReplayed: ++stats_.replayed; break;
      case AppendOutcome::kFull: ++stats_.full; break;
    }
  }
}

Result<std::vector<Result<AppendResult>>> Mailboxes::append(
    std::span<const AppendRequest> batch) {
  if (batch.size() > limits_.max_batch) {
    ++stats_.errors;
    return make_error(Errc::kInvalidArgument, "mailbox: batch larger than max_batch");
  }
  std::vector<Result<AppendResult>> results(
      batch.size(), make_error(Errc::kInvalidArgument, "mailbox: envelope too large"));
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].envelope.size() <= limits_.max_envelope_bytes) pending.push_back(i);
  }
  if (!pending.empty()) {
    auto lease = pool_->checkout(limits_.checkout_wait);
    Status sent = lease ? send_batch(**lease, batch, std::move(pending), results)
                        : Status(lease.error());
    if (!sent) {
      ++stats_.errors;
      return sent.error();
    }
  }
  count(results);
  return results;
}

Result<std::vector<MailboxEntry>> Mailboxes::read_after(const DeviceId& recipient, Offset after,
                                                        std::size_t max_count) {
  std::vector<MailboxEntry> entries;
  const std::size_t count = std::min(max_count, limits_.max_read);
  if (count == 0 || !next_offset(after)) return entries;  // nothing can follow the last id
  auto lease = pool_->checkout(limits_.checkout_wait);
  if (!lease) {
    ++stats_.errors;
    return lease.error();
  }
  auto reply = (*lease)->command({"XRANGE", mailbox_key(recipient), "(" + to_stream_id(after),
                                  "+", "COUNT", std::to_string(count)},
                                 Idempotent::kYes);
  if (!reply) {
    ++stats_.errors;
    return reply.error();
  }
  if (!reply->is_array()) {
    ++stats_.errors;
    return protocol_error("XRANGE did not return an array");
  }
  for (const Reply& raw : reply->as_array()) {
    auto entry = parse_entry(raw);
    if (!entry) {
      ++stats_.malformed_entries;
      continue;
    }
    entries.push_back(std::move(*entry));
  }
  return entries;
}

Result<std::uint64_t> Mailboxes::ack(const DeviceId& recipient, Offset up_to) {
  auto lease = pool_->checkout(limits_.checkout_wait);
  if (!lease) {
    ++stats_.errors;
    return lease.error();
  }
  auto next = next_offset(up_to);
  std::vector<std::string> command{"XTRIM", mailbox_key(recipient)};
  if (next) {
    command.insert(command.end(), {"MINID", to_stream_id(*next)});
  } else {
    command.insert(command.end(), {"MAXLEN", "0"});  // up_to is the largest offset: all
  }
  auto reply = (*lease)->command(command, Idempotent::kYes);
  if (!reply) {
    ++stats_.errors;
    return reply.error();
  }
  if (!reply->is_integer() || reply->as_integer() < 0) {
    ++stats_.errors;
    return protocol_error("XTRIM did not return a count");
  }
  const auto dropped = static_cast<std::uint64_t>(reply->as_integer());
  stats_.acked_trimmed += dropped;
  return dropped;
}

Result<ResumePoint> Mailboxes::resume_point(const DeviceId& recipient, Offset after) {
  auto lease = pool_->checkout(limits_.checkout_wait);
  if (!lease) {
    ++stats_.errors;
    return lease.error();
  }
  auto reply = (*lease)->command({"GET", cut_key(recipient)}, Idempotent::kYes);
  if (!reply) {
    ++stats_.errors;
    return reply.error();
  }
  ResumePoint point{after, false};
  if (reply->is_nil()) return point;
  std::optional<Offset> cut;
  if (reply->is_string()) cut = parse_offset(reply->as_string());
  if (!cut) {
    ++stats_.errors;
    return protocol_error("bad cut record");
  }
  if (*cut > after) point = ResumePoint{*cut, true};
  return point;
}

}  // namespace bw::relay::redis
