// Reply decoding: each script returns an array of integers (see scripts/*.lua).
#include "bw/counters/replies.hpp"

#include <array>
#include <cstdint>
#include <string>

#include "bw/redis/errors.hpp"

namespace bw::counters {
namespace {

using redis::Reply;

template <std::size_t N>
Result<std::array<std::int64_t, N>> integers(const Reply& reply, const char* what) {
  if (reply.is_error()) {
    return redis::make_error(redis::classify_server_error(reply.as_string()),
                             std::string(what) + ": " + reply.as_string());
  }
  bool shaped = reply.is_array() && reply.as_array().size() == N;
  for (std::size_t i = 0; shaped && i < N; ++i) shaped = reply.as_array()[i].is_integer();
  if (!shaped) {
    return redis::make_error(redis::Errc::kProtocol,
                             std::string(what) + ": unexpected reply " + reply.debug_string());
  }
  std::array<std::int64_t, N> values{};
  for (std::size_t i = 0; i < N; ++i) values[i] = reply.as_array()[i].as_integer();
  return values;
}

Result<std::array<std::int64_t, 4>> four_integers(const Reply& reply, const char* what) {
  return integers<4>(reply, what);
}

}  // namespace

Result<WindowDecision> parse_window_decision(const Reply& reply) {
  auto v = four_integers(reply, "fixed_window");
  if (!v) return v.error();
  return WindowDecision{(*v)[0] == 1, (*v)[1], (*v)[2], (*v)[3]};
}

Result<GcraDecision> parse_gcra_decision(const Reply& reply) {
  auto v = four_integers(reply, "gcra");
  if (!v) return v.error();
  return GcraDecision{(*v)[0] == 1, (*v)[1], (*v)[2], (*v)[3]};
}

Result<LockoutState> parse_lockout_state(const Reply& reply) {
  auto v = four_integers(reply, "lockout");
  if (!v) return v.error();
  return LockoutState{(*v)[0] == 1, (*v)[1] == 1, (*v)[2], (*v)[3]};
}

Result<LeaseGrant> parse_lease_grant(const Reply& reply) {
  auto v = four_integers(reply, "lease take");
  if (!v) return v.error();
  if ((*v)[0] < 0 || (*v)[1] < 0 || (*v)[3] < 0) {
    return redis::make_error(redis::Errc::kProtocol, "lease take: negative count " + reply.debug_string());
  }
  return LeaseGrant{(*v)[0], (*v)[1], (*v)[2], (*v)[3]};
}

Result<std::int64_t> parse_lease_credit(const Reply& reply) {
  auto v = integers<1>(reply, "lease return");
  if (!v) return v.error();
  if ((*v)[0] < 0) return redis::make_error(redis::Errc::kProtocol, "lease return: negative credit");
  return (*v)[0];
}

Result<bool> parse_check_and_record(const Reply& reply) {
  if (reply.is_status() && reply.as_string() == "OK") return true;
  if (reply.is_nil()) return false;
  if (reply.is_error()) {
    return redis::make_error(redis::classify_server_error(reply.as_string()),
                             "check_and_record: " + reply.as_string());
  }
  return redis::make_error(redis::Errc::kProtocol,
                           "check_and_record: unexpected reply " + reply.debug_string());
}

}  // namespace bw::counters
