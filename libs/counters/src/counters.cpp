// Counters: validation, argv building and NOSCRIPT recovery around the embedded scripts.
// The decisions themselves live in scripts/*.lua (mirrored by math.cpp).
#include "bw/counters/counters.hpp"

#include "bw/counters/math.hpp"
#include "bw/counters/replies.hpp"
#include "bw/counters/scripts.hpp"
#include "bw/counters/validate.hpp"
#include "bw/redis/errors.hpp"

namespace bw::counters {
namespace {

using redis::Connection;
using redis::Reply;

std::string str(std::int64_t value) { return std::to_string(value); }

bool is_noscript(const Reply& reply) {
  return reply.is_error() &&
         redis::classify_server_error(reply.as_string()) == redis::Errc::kNoScript;
}

}  // namespace

LockoutKeys lockout_keys(std::string_view prefix) {
  std::string base(prefix);
  return {base + ":f", base + ":ban"};
}

Counters::Counters()
    : fixed_window_("bw_fixed_window", std::string(scripts::fixed_window())),
      gcra_("bw_gcra", std::string(scripts::gcra())),
      lockout_record_("bw_lockout_record", std::string(scripts::lockout_record())),
      lockout_check_("bw_lockout_check", std::string(scripts::lockout_check())),
      lease_window_("bw_lease_window", std::string(scripts::lease_window())),
      lease_gcra_("bw_lease_gcra", std::string(scripts::lease_gcra())) {}

Result<Command> Counters::fixed_window_command(std::string_view key,
                                               const FixedWindowLimit& limit,
                                               std::int64_t hits) const {
  if (Status s = validate_key(key); !s) return s.error();
  if (Status s = validate(limit); !s) return s.error();
  if (Status s = validate_hits(hits); !s) return s.error();
  return fixed_window_.evalsha_command(
      {std::string(key)},
      {str(limit.limit), str(limit.unit_seconds), str(hits), limit.count_denied ? "1" : "0"});
}

Result<Command> Counters::gcra_command(std::string_view key, const GcraLimit& limit,
                                       std::int64_t hits) const {
  if (Status s = validate_key(key); !s) return s.error();
  if (Status s = validate(limit); !s) return s.error();
  if (Status s = validate_hits(hits); !s) return s.error();
  return gcra_.evalsha_command({std::string(key)},
                               {str(emission_interval_us(limit)), str(limit.burst), str(hits)});
}

Result<Command> Counters::check_and_record_command(std::string_view key,
                                                   std::int64_t ttl_ms) const {
  if (Status s = validate_key(key); !s) return s.error();
  if (Status s = validate_ttl_ms(ttl_ms); !s) return s.error();
  return Command{"SET", std::string(key), "1", "NX", "PX", str(ttl_ms)};
}

Result<Command> Counters::record_failure_command(std::string_view prefix,
                                                 const LockoutPolicy& policy) const {
  if (Status s = validate_key(prefix); !s) return s.error();
  if (Status s = validate(policy); !s) return s.error();
  LockoutKeys keys = lockout_keys(prefix);
  return lockout_record_.evalsha_command(
      {keys.failures, keys.ban},
      {str(policy.threshold), str(policy.window_ms), str(policy.ban_ms)});
}

Result<Command> Counters::lockout_state_command(std::string_view prefix) const {
  if (Status s = validate_key(prefix); !s) return s.error();
  LockoutKeys keys = lockout_keys(prefix);
  return lockout_check_.evalsha_command({keys.failures, keys.ban}, {});
}

Result<Command> Counters::take_lease_command(std::string_view key, std::string_view record_key,
                                            const FixedWindowLimit& limit, std::int64_t requested,
                                            std::int64_t ttl_ms) const {
  if (Status s = validate_record_key(key, record_key); !s) return s.error();
  if (Status s = validate(limit); !s) return s.error();
  if (Status s = validate_requested(requested); !s) return s.error();
  if (Status s = validate_ttl_ms(ttl_ms); !s) return s.error();
  return lease_window_.evalsha_command(
      {std::string(key), std::string(record_key)},
      {"take", str(limit.limit), str(limit.unit_seconds), str(requested), str(ttl_ms)});
}

Result<Command> Counters::take_lease_command(std::string_view key, std::string_view record_key,
                                            const GcraLimit& limit, std::int64_t requested,
                                            std::int64_t ttl_ms) const {
  if (Status s = validate_record_key(key, record_key); !s) return s.error();
  if (Status s = validate(limit); !s) return s.error();
  if (Status s = validate_requested(requested); !s) return s.error();
  if (Status s = validate_ttl_ms(ttl_ms); !s) return s.error();
  return lease_gcra_.evalsha_command(
      {std::string(key), std::string(record_key)},
      {"take", str(emission_interval_us(limit)), str(limit.burst), str(requested), str(ttl_ms)});
}

Result<Command> Counters::return_lease_command(std::string_view key, std::string_view record_key,
                                              const FixedWindowLimit& limit, std::int64_t unspent) const {
  if (Status s = validate_record_key(key, record_key); !s) return s.error();
  if (Status s = validate(limit); !s) return s.error();
  if (Status s = validate_unspent(unspent); !s) return s.error();
  return lease_window_.evalsha_command({std::string(key), std::string(record_key)},
                                       {"return", str(limit.unit_seconds), str(unspent)});
}

Result<Command> Counters::return_lease_command(std::string_view key, std::string_view record_key,
                                              const GcraLimit& limit, std::int64_t unspent) const {
  if (Status s = validate_record_key(key, record_key); !s) return s.error();
  if (Status s = validate(limit); !s) return s.error();
  if (Status s = validate_unspent(unspent); !s) return s.error();
  return lease_gcra_.evalsha_command({std::string(key), std::string(record_key)},
                                     {"return", str(emission_interval_us(limit)), str(unspent)});
}

Status Counters::load(Connection& conn) const {
  for (const redis::Script* script :
       {&fixed_window_, &gcra_, &lockout_record_, &lockout_check_, &lease_window_, &lease_gcra_}) {
    if (Status loaded = script->load(conn); !loaded) return loaded;
  }
  return {};
}

Result<std::vector<Reply>> Counters::pipeline(Connection& conn,
                                              const std::vector<Command>& commands) const {
  auto replies = conn.pipeline(commands);
  if (!replies) return replies;
  std::vector<std::size_t> again;
  for (std::size_t i = 0; i < replies->size(); ++i) {
    if (is_noscript((*replies)[i])) again.push_back(i);
  }
  if (again.empty()) return replies;
  if (Status loaded = load(conn); !loaded) return loaded.error();
  std::vector<Command> retry;
  for (std::size_t i : again) retry.push_back(commands[i]);
  auto second = conn.pipeline(retry);
  if (!second) return second.error();
  for (std::size_t j = 0; j < again.size(); ++j) (*replies)[again[j]] = (*second)[j];
  return replies;
}

namespace {

// Runs one built command through Counters::pipeline (for its NOSCRIPT recovery).
Result<Reply> run_one(const Counters& counters, Connection& conn, Result<Command> command) {
  if (!command) return command.error();
  auto replies = counters.pipeline(conn, {std::move(command).value()});
  if (!replies) return replies.error();
  return std::move(replies->front());
}

}  // namespace

Result<WindowDecision> Counters::fixed_window(Connection& conn, std::string_view key,
                                              const FixedWindowLimit& limit,
                                              std::int64_t hits) const {
  auto reply = run_one(*this, conn, fixed_window_command(key, limit, hits));
  if (!reply) return reply.error();
  return parse_window_decision(*reply);
}

Result<GcraDecision> Counters::gcra(Connection& conn, std::string_view key,
                                    const GcraLimit& limit, std::int64_t hits) const {
  auto reply = run_one(*this, conn, gcra_command(key, limit, hits));
  if (!reply) return reply.error();
  return parse_gcra_decision(*reply);
}

Result<bool> Counters::check_and_record(Connection& conn, std::string_view key,
                                        std::int64_t ttl_ms) const {
  auto reply = run_one(*this, conn, check_and_record_command(key, ttl_ms));
  if (!reply) return reply.error();
  return parse_check_and_record(*reply);
}

Result<LockoutState> Counters::record_failure(Connection& conn, std::string_view prefix,
                                              const LockoutPolicy& policy) const {
  auto reply = run_one(*this, conn, record_failure_command(prefix, policy));
  if (!reply) return reply.error();
  return parse_lockout_state(*reply);
}

Result<LockoutState> Counters::lockout_state(Connection& conn, std::string_view prefix) const {
  auto reply = run_one(*this, conn, lockout_state_command(prefix));
  if (!reply) return reply.error();
  return parse_lockout_state(*reply);
}

Result<LeaseGrant> Counters::take_lease(Connection& conn, std::string_view key, std::string_view record_key,
                                       const FixedWindowLimit& limit, std::int64_t requested,
                                       std::int64_t ttl_ms) const {
  auto reply = run_one(*this, conn, take_lease_command(key, record_key, limit, requested, ttl_ms));
  if (!reply) return reply.error();
  return parse_lease_grant(*reply);
}

Result<LeaseGrant> Counters::take_lease(Connection& conn, std::string_view key, std::string_view record_key,
                                       const GcraLimit& limit, std::int64_t requested,
                                       std::int64_t ttl_ms) const {
  auto reply = run_one(*this, conn, take_lease_command(key, record_key, limit, requested, ttl_ms));
  if (!reply) return reply.error();
  return parse_lease_grant(*reply);
}

Result<std::int64_t> Counters::return_lease(Connection& conn, std::string_view key, std::string_view record_key,
                                           const FixedWindowLimit& limit, std::int64_t unspent) const {
  auto reply = run_one(*this, conn, return_lease_command(key, record_key, limit, unspent));
  if (!reply) return reply.error();
  return parse_lease_credit(*reply);
}

Result<std::int64_t> Counters::return_lease(Connection& conn, std::string_view key, std::string_view record_key,
                                           const GcraLimit& limit, std::int64_t unspent) const {
  auto reply = run_one(*this, conn, return_lease_command(key, record_key, limit, unspent));
  if (!reply) return reply.error();
  return parse_lease_credit(*reply);
}

Status Counters::clear_lockout(Connection& conn, std::string_view prefix) const {
  if (Status s = validate_key(prefix); !s) return s;
  LockoutKeys keys = lockout_keys(prefix);
  auto deleted = conn.command({"DEL", keys.failures, keys.ban}, redis::Idempotent::kYes);
  if (!deleted) return deleted.error();
  return {};
}

}  // namespace bw::counters
