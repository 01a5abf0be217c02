// Pairing proofs as relay envelopes; see relay_pairing.hpp.
#include "relay_pairing.hpp"

#include "bw/crypto/random.hpp"

namespace bw::agent {

namespace v1 = breakwater::relay::v1;

RelayProofTransport::RelayProofTransport(const e2e::Id& self, bool self_is_agent, SendEnvelope send, Receive receive,
                                         OnFrame on_frame, SendPong pong, Closed closed)
    : self_(self),
      agent_(self_is_agent),
      send_(std::move(send)),
      receive_(std::move(receive)),
      on_frame_(std::move(on_frame)),
      pong_(std::move(pong)),
      closed_(std::move(closed)) {}

void RelayProofTransport::set_peer(const e2e::Id& peer) {
  peer_ = peer;
  const std::string p(peer.begin(), peer.end());
  for (auto& [sender, proof] : early_) {
    if (sender == p && ready_.size() < pairing::kMaxQueuedProofs) ready_.push_back(std::move(proof));
  }
  early_.clear();
}

void RelayProofTransport::take(const v1::RelayFrame& f) {
  if (f.frame_case() == v1::RelayFrame::kError) {
    if (f.error().has_envelope() || f.error().terminal()) {
      refusal_ = v1::Error::Code_Name(f.error().code()) + (f.error().message().empty() ? "" : " (" + f.error().message() + ")");
    }
  }
  if (f.frame_case() == v1::RelayFrame::kPing && pong_) pong_(f.ping().id());
  if (f.frame_case() != v1::RelayFrame::kDelivery) {
    if (on_frame_) on_frame_(f);
    return;
  }
  const auto& e = f.delivery().envelope();
  const auto want = agent_ ? v1::KIND_PAIR_CLIENT_PROOF : v1::KIND_PAIR_AGENT_PROOF;
  if (e.kind() != want || e.recipient() != std::string(self_.begin(), self_.end()) ||
      e.ciphertext().size() != pairing::kProofSize) {
    return;  // not ours to handle here: `run` processes it later (never acknowledged)
  }
  Bytes proof(e.ciphertext().begin(), e.ciphertext().end());
  if (peer_) {
    if (e.sender() == std::string(peer_->begin(), peer_->end()) && ready_.size() < pairing::kMaxQueuedProofs) {
      ready_.push_back(std::move(proof));
    }
  } else if (early_.size() < pairing::kMaxQueuedProofs) {
    early_.emplace_back(e.sender(), std::move(proof));
  }
}

void RelayProofTransport::pump(std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  do {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    auto f = receive_(std::max(left, std::chrono::milliseconds(1)));
    if (!f) {
      if (closed_ && closed_()) return;
      continue;
    }
    take(*f);
  } while (std::chrono::steady_clock::now() < until);
}

Status RelayProofTransport::send_proof(e2e::Kind kind, ByteView proof) {
  if (!peer_) return Error{pairing::kTransportClosed, "the peer device is not known yet"};
  if (proof.size() != pairing::kProofSize) return Error{pairing::kTransportMalformed, "a proof is 32 bytes"};
  v1::Envelope e;
  e.set_version(1);
  e.set_sender(std::string(self_.begin(), self_.end()));
  e.set_recipient(std::string(peer_->begin(), peer_->end()));
  e.set_epoch(std::string(16, '\0'));
  e.set_seq(0);
  const auto nonce = crypto::random(16);
  e.set_nonce(std::string(nonce.begin(), nonce.end()));
  e.set_sent_at_ms(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::system_clock::now().time_since_epoch())
                                                  .count()));
  e.set_kind(static_cast<v1::Kind>(static_cast<int>(kind)));
  e.set_ciphertext(std::string(proof.begin(), proof.end()));
  if (!send_(e)) return Error{pairing::kTransportClosed, "the relay connection closed"};
  // The relay answers a refused envelope with an Error; give it a moment to arrive.
  pump(std::chrono::milliseconds(300));
  if (refusal_) return Error{pairing::kTransportClosed, "the relay refused the proof: " + *refusal_};
  return {};
}

Result<pairing::ReceivedProof> RelayProofTransport::receive_proof(std::chrono::steady_clock::time_point deadline) {
  while (ready_.empty()) {
    if (refusal_) return Error{pairing::kTransportClosed, "the relay refused: " + *refusal_};
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return Error{pairing::kTransportTimeout, "no proof arrived in time"};
    if (closed_ && closed_()) return Error{pairing::kTransportClosed, "the relay connection closed"};
    auto f = receive_(std::min(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now),
                               std::chrono::milliseconds(500)));
    if (f) take(*f);
  }
  pairing::ReceivedProof p;
  p.kind = agent_ ? e2e::Kind::kPairClientProof : e2e::Kind::kPairAgentProof;
  p.proof = std::move(ready_.front());
  ready_.pop_front();
  return p;
}

}  // namespace bw::agent
