// Close codes and the close description shared by the WebSocket server and client.
#pragma once

#include <cstdint>
#include <string>

namespace bw::ws {

// Close codes this library uses (RFC 6455 §7.4.1).
enum CloseCode : std::uint16_t {
  kCloseNormal = 1000,
  kCloseGoingAway = 1001,
  kCloseUnsupportedData = 1003,  // a text message
  kCloseAbnormal = 1006,         // never sent: the transport ended without a close frame
  kClosePolicy = 1008,           // "slow reader"
  kCloseTooBig = 1009,
  kCloseInternal = 1011,         // a handler threw
};

struct CloseInfo {
  std::uint16_t code = kCloseAbnormal;
  std::string reason;    // the close frame's reason, e.g. "slow reader"; never message content
  bool by_peer = false;  // true: the other side closed (or vanished); false: this side closed
};

}  // namespace bw::ws
