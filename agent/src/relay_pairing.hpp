// The pairing proofs (kinds 1 and 2) through the relay: a PairingTransport over a relay
// connection (the agent's gRPC stream or the client's WebSocket), used by
// `breakwater-agent pair` and `breakwater pair`.
//
// A proof travels as an Envelope the relay can check (relay.proto Kind: version 1, zero
// epoch, seq 0, a random nonce, the 32-byte MAC as ciphertext). The transport needs no
// secrecy: a forged or reflected proof fails the handshake's MAC check. It accepts only
// proofs of the expected kind FROM the expected peer device, addressed to this device;
// everything else is ignored (deliveries are never acknowledged here, so the agent's
// `run` sees them later). At most kMaxQueuedProofs proofs wait unread; others are dropped.
// Frames that are not deliveries go to `on_frame` (the agent watches PairingNotice).
// Thread-safety: one thread.
#pragma once

#include <deque>
#include <functional>
#include <optional>

#include "breakwater/relay/v1/relay.pb.h"
#include "bw/pairing/transport.hpp"

namespace bw::agent {

class RelayProofTransport : public pairing::PairingTransport {
 public:
  using SendEnvelope = std::function<bool(const breakwater::relay::v1::Envelope&)>;
  using Receive = std::function<std::optional<breakwater::relay::v1::RelayFrame>(std::chrono::milliseconds)>;
  using OnFrame = std::function<void(const breakwater::relay::v1::RelayFrame&)>;
  using SendPong = std::function<void(std::uint64_t ping_id)>;
  using Closed = std::function<bool()>;

  // `self_is_agent`: which proof kind this side sends (2) and receives (1), or the reverse.
  // `pong` answers the relay's pings (so a slow user does not idle the connection out);
  // `closed` says the connection ended (then receiving fails at once).
  RelayProofTransport(const e2e::Id& self, bool self_is_agent, SendEnvelope send, Receive receive, OnFrame on_frame,
                      SendPong pong, Closed closed);
  // The peer device, once known (the agent learns it from the claim). Proofs that arrived
  // earlier from that device are kept (bounded); others are discarded.
  void set_peer(const e2e::Id& peer);
  // Reads frames for up to `d` (to see notices while waiting for a claim).
  void pump(std::chrono::milliseconds d);

  Status send_proof(e2e::Kind kind, ByteView proof) override;
  Result<pairing::ReceivedProof> receive_proof(std::chrono::steady_clock::time_point deadline) override;

 private:
  void take(const breakwater::relay::v1::RelayFrame& f);
  e2e::Id self_{};
  std::optional<e2e::Id> peer_;
  bool agent_;
  SendEnvelope send_;
  Receive receive_;
  OnFrame on_frame_;
  SendPong pong_;
  Closed closed_;
  std::deque<std::pair<std::string, Bytes>> early_;  // (sender, proof) before the peer is known
  std::deque<Bytes> ready_;
  std::optional<std::string> refusal_;  // an Error the relay sent about our proof
};

}  // namespace bw::agent
