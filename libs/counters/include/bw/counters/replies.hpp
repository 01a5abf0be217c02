// Decoding the counter scripts' replies into typed decisions. Pure: used by Counters for
// single calls and by callers that pipeline the commands themselves. A reply of the wrong
// shape (or an error reply) is an Error — kProtocol for a shape we did not expect, the
// server's own code (e.g. kNoScript, kServerError) for an error reply — never a guess.
#pragma once

#include "bw/counters/types.hpp"
#include "bw/redis/reply.hpp"
#include "bw/result.hpp"

namespace bw::counters {

Result<WindowDecision> parse_window_decision(const redis::Reply& reply);
Result<GcraDecision> parse_gcra_decision(const redis::Reply& reply);
Result<LockoutState> parse_lockout_state(const redis::Reply& reply);
Result<LeaseGrant> parse_lease_grant(const redis::Reply& reply);
Result<std::int64_t> parse_lease_credit(const redis::Reply& reply);
// SET … NX PX: +OK → true (first use), nil → false (duplicate).
Result<bool> parse_check_and_record(const redis::Reply& reply);

}  // namespace bw::counters
