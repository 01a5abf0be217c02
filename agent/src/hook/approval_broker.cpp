// Pending approvals and their answers; see approval_broker.hpp.
#include "hook/approval_broker.hpp"

#include <nlohmann/json.hpp>

#include "bw/crypto/constant_time.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"
#include "bw/crypto/sha256.hpp"

namespace bw::agent::hook {

std::string_view answer_outcome_name(AnswerOutcome o) {
  switch (o) {
    case AnswerOutcome::kAccepted: return "accepted";
    case AnswerOutcome::kUnknown: return "unknown";
    case AnswerOutcome::kWrongHash: return "wrong_hash";
    case AnswerOutcome::kExpired: return "expired";
    case AnswerOutcome::kRoleForbids: return "role_forbids";
    case AnswerOutcome::kResolved: return "resolved";
    case AnswerOutcome::kMalformed: return "malformed";
  }
  return "malformed";
}

Bytes encode_answer_body(const Answer& a) {
  Bytes b(a.id.begin(), a.id.end());
  b.insert(b.end(), a.h.begin(), a.h.end());
  b.push_back(a.allow ? 1 : 2);
  return b;
}

std::optional<Answer> parse_answer_body(ByteView body) {
  if (body.size() != kAnswerSize || (body[48] != 1 && body[48] != 2)) return std::nullopt;
  Answer a;
  std::copy(body.begin(), body.begin() + 16, a.id.begin());
  std::copy(body.begin() + 16, body.begin() + 48, a.h.begin());
  a.allow = body[48] == 1;
  return a;
}

OpenedRequest ApprovalBroker::open(const std::string& session, const HookCall& call, std::int64_t expires_at_ms) {
  OpenedRequest r;
  const auto id = crypto::random(16);
  std::copy(id.begin(), id.end(), r.id.begin());
  nlohmann::json j{{"v", 1},
                   {"req_id", crypto::hex_encode(r.id)},
                   {"session", session},
                   {"tool_use_id", call.tool_use_id},
                   {"tool_name", call.tool_name},
                   {"tool_input", nlohmann::json::parse(call.tool_input, nullptr, false)},
                   {"cwd", call.cwd},
                   {"expires_at_ms", expires_at_ms}};
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.h = crypto::sha256(as_bytes(r.body));
  std::lock_guard lock(mu_);
  std::optional<Resolution> born;
  if (closed_) born = Resolution{false, "", *closed_};
  pending_[r.id] = Pending{r.h, expires_at_ms, std::move(born)};
  return r;
}

AnswerOutcome ApprovalBroker::answer(ByteView body, e2e::Role role, const std::string& who, std::int64_t now_ms) {
  auto a = parse_answer_body(body);
  if (!a) return AnswerOutcome::kMalformed;
  std::lock_guard lock(mu_);
  auto it = pending_.find(a->id);
  if (it == pending_.end()) return AnswerOutcome::kUnknown;
  auto& p = it->second;
  if (p.result) return AnswerOutcome::kResolved;
  if (!crypto::constant_time_equal(ByteView(a->h), ByteView(p.h))) return AnswerOutcome::kWrongHash;
  if (now_ms >= p.expires_at_ms) return AnswerOutcome::kExpired;
  if (!e2e::role_may_send(role, e2e::Kind::kApprovalAnswer)) return AnswerOutcome::kRoleForbids;
  p.result = Resolution{a->allow, who, a->allow ? "approved on " + who : "denied on " + who};
  cv_.notify_all();
  return AnswerOutcome::kAccepted;
}

ApprovalBroker::Resolution ApprovalBroker::wait(const ReqId& id, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  auto it = pending_.find(id);
  if (it == pending_.end()) return {false, "", "unknown approval request"};
  cv_.wait_until(lock, deadline, [&] { return it->second.result.has_value(); });
  Resolution r = it->second.result ? *it->second.result : Resolution{false, "", "no answer before the approval timeout"};
  pending_.erase(it);
  return r;
}

void ApprovalBroker::close(const std::string& reason) {
  std::lock_guard lock(mu_);
  closed_ = reason;
  for (auto& [_, p] : pending_) {
    if (!p.result) p.result = Resolution{false, "", reason};
  }
  cv_.notify_all();
}

std::size_t ApprovalBroker::pending() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

}  // namespace bw::agent::hook
