// Protocol numbers and errors (protocol.hpp).
#include "bw/e2e/protocol.hpp"

#include <string>

namespace bw::e2e {

std::optional<Role> role_from_byte(std::uint8_t b) {
  if (b >= 1 && b <= 4) return static_cast<Role>(b);
  return std::nullopt;
}

Role lower_role(Role a, Role b) {
  // Larger numbers are less powerful.
  return static_cast<std::uint8_t>(a) >= static_cast<std::uint8_t>(b) ? a : b;
}

std::optional<Kind> kind_from_byte(std::uint8_t b) {
  if (b >= 1 && b <= 11) return static_cast<Kind>(b);
  return std::nullopt;
}

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::kPairClientProof: return "PAIR_CLIENT_PROOF";
    case Kind::kPairAgentProof: return "PAIR_AGENT_PROOF";
    case Kind::kAssertion: return "ASSERTION";
    case Kind::kPrompt: return "PROMPT";
    case Kind::kControl: return "CONTROL";
    case Kind::kApprovalRequest: return "APPROVAL_REQUEST";
    case Kind::kApprovalAnswer: return "APPROVAL_ANSWER";
    case Kind::kOutput: return "OUTPUT";
    case Kind::kEvent: return "EVENT";
    case Kind::kAck: return "ACK";
    case Kind::kClose: return "CLOSE";
  }
  return "UNKNOWN";
}

std::string_view direction_label(Direction d) { return d == Direction::kAgentToClient ? "a2c" : "c2a"; }

std::optional<Direction> kind_direction(Kind kind) {
  switch (kind) {
    case Kind::kPairClientProof:
    case Kind::kAssertion:
    case Kind::kPrompt:
    case Kind::kControl:
    case Kind::kApprovalAnswer: return Direction::kClientToAgent;
    case Kind::kPairAgentProof:
    case Kind::kApprovalRequest:
    case Kind::kOutput:
    case Kind::kEvent: return Direction::kAgentToClient;
    case Kind::kAck:
    case Kind::kClose: return std::nullopt;
  }
  return std::nullopt;
}

bool role_may_send(Role role, Kind kind) {
  if (role != Role::kViewer) return true;
  return kind != Kind::kPrompt && kind != Kind::kControl && kind != Kind::kApprovalAnswer;
}

Error make_error(Errc code, std::string_view detail) {
  std::string what;
  switch (code) {
    case Errc::kMalformed: what = "malformed"; break;
    case Errc::kBadVersion: what = "unsupported protocol version"; break;
    case Errc::kAuthentication: what = "authentication failed"; break;
    case Errc::kReplay: what = "replayed or out-of-order message"; break;
    case Errc::kTooFarAhead: what = "epoch too far ahead"; break;
    case Errc::kKindMismatch: what = "inner type differs from the envelope kind"; break;
    case Errc::kRoleForbids: what = "the role may not send this kind"; break;
    case Errc::kTooOld: what = "sent_at outside the accepted window"; break;
    case Errc::kTooLarge: what = "message too large"; break;
    case Errc::kInvalidArgument: what = "invalid argument"; break;
    case Errc::kCrypto: what = "cryptographic failure"; break;
    case Errc::kState: what = "state unavailable"; break;
    case Errc::kWrongDirection: what = "kind does not travel in this direction"; break;
  }
  if (!detail.empty()) what += ": " + std::string(detail);
  return Error{static_cast<int>(code), std::move(what)};
}

}  // namespace bw::e2e
