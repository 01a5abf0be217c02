// Pending approval requests and their answers (DESIGN §5), pure apart from a clock passed
// in and a condition variable to wait on. The agent's session code opens a request for each
// tool call its policy sends to the phones, sends the request's bytes (APPROVAL_REQUEST) to
// every paired client, and hands each APPROVAL_ANSWER that the Inbox accepted to answer().
//
// Request body (the plaintext of APPROVAL_REQUEST; docs/protocol.md §5.4): canonical JSON
// {"v":1,"req_id":<32 hex>,"session":…,"tool_use_id":…,"tool_name":…,"tool_input":{…},
//  "cwd":…,"expires_at_ms":…}; h = SHA-256 of exactly those bytes.
// Answer body (the plaintext of APPROVAL_ANSWER): req_id(16) ‖ h(32) ‖ decision(1: 1 allow,
// 2 deny) — 49 bytes, padded by libs/e2e to its fixed 256.
//
// Guarantees:
//  - req_id is 16 random bytes; an answer counts only for a pending req_id, with the same h
//    (so it approves exactly the call shown), before expires_at, from a role that may
//    approve (owner, admin, member — never viewer);
//  - the first valid answer resolves the request; any later answer (a second phone, a
//    replay of an old "allow") is refused as kResolved or kUnknown;
//  - wait() returns deny at expiry; an answer never outlives its request (no lasting rule).
// Thread-safe: answers arrive on the delivery thread while hook threads wait.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "bw/bytes.hpp"
#include "bw/e2e/protocol.hpp"
#include "hook/hook_wire.hpp"

namespace bw::agent::hook {

using ReqId = std::array<std::uint8_t, 16>;
using ReqHash = std::array<std::uint8_t, 32>;

inline constexpr std::size_t kAnswerSize = 49;

struct OpenedRequest {
  ReqId id{};
  ReqHash h{};
  std::string body;  // the APPROVAL_REQUEST plaintext
};

enum class AnswerOutcome { kAccepted, kUnknown, kWrongHash, kExpired, kRoleForbids, kResolved, kMalformed };
std::string_view answer_outcome_name(AnswerOutcome o);

struct Answer {
  ReqId id{};
  ReqHash h{};
  bool allow = false;
};
Bytes encode_answer_body(const Answer& a);
std::optional<Answer> parse_answer_body(ByteView body);

class ApprovalBroker {
 public:
  // Opens a request for `call` of `session`, pending until expires_at_ms (wall clock).
  OpenedRequest open(const std::string& session, const HookCall& call, std::int64_t expires_at_ms);

  // One answer from a client whose effective role is `role` (the Inbox's), at now_ms.
  AnswerOutcome answer(ByteView body, e2e::Role role, const std::string& who, std::int64_t now_ms);

  // Blocks until the request is resolved or `deadline` (steady clock) passes; the request is
  // forgotten afterwards. Not answered in time → deny ("no answer before the approval
  // timeout"). `who` names the answering client on an answer.
  struct Resolution {
    bool allow = false;
    std::string who;     // the client that answered ("" on timeout)
    std::string reason;  // for the hook and the decision log
  };
  Resolution wait(const ReqId& id, std::chrono::steady_clock::time_point deadline);

  std::size_t pending() const;
  // The agent is stopping: resolves every pending request as deny (`reason`), waking their
  // waiters, and every request opened afterwards is born denied with the same reason (a
  // hook that connects during shutdown gets its deny at once, not at the timeout).
  void close(const std::string& reason);

 private:
  struct Pending {
    ReqHash h{};
    std::int64_t expires_at_ms = 0;
    std::optional<Resolution> result;
  };
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<ReqId, Pending> pending_;
  std::optional<std::string> closed_;  // the reason, once close() ran
};

}  // namespace bw::agent::hook
