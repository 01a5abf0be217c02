// PairingTransport: how the two handshake proofs (docs/protocol.md §3 step 4: kind 1
// PAIR_CLIENT_PROOF client → agent, kind 2 PAIR_AGENT_PROOF agent → client) travel between
// the agent and the client. The proofs are MACs: a transport needs no secrecy or
// integrity of its own (a forged, substituted or reflected proof fails the check in
// handshake.hpp), only delivery. The relay's stream is to implement this interface; until
// then there are two implementations:
//  - make_memory_transport_pair(): two connected ends in one process (unit tests);
//  - make_file_transport(): a folder shared by two processes (system tests only; NOT FOR
//    PRODUCTION — it has no authentication and no access control beyond the folder's).
// Thread-safety: one thread per end; the memory pair's two ends may be used from two threads.
// Bounds: an end holds at most kMaxQueuedProofs unread proofs (more → kTransportFull), each
// exactly kProofSize bytes (others are refused on both send and receive).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "bw/bytes.hpp"
#include "bw/e2e/protocol.hpp"

namespace bw::pairing {

enum TransportError : int {
  kTransportTimeout = 420,    // nothing arrived before the deadline
  kTransportClosed = 421,     // the other end is gone
  kTransportMalformed = 422,  // a proof of the wrong size or kind
  kTransportFull = 423,       // too many unread proofs
  kTransportIo = 424,         // the file transport's folder failed
};

inline constexpr std::size_t kProofSize = 32;
inline constexpr std::size_t kMaxQueuedProofs = 4;

struct ReceivedProof {
  e2e::Kind kind = e2e::Kind::kPairClientProof;
  Bytes proof;
};

class PairingTransport {
 public:
  virtual ~PairingTransport() = default;
  // Sends one proof; kind is kPairClientProof or kPairAgentProof, proof kProofSize bytes.
  virtual Status send_proof(e2e::Kind kind, ByteView proof) = 0;
  // The next proof from the other side, waiting at most until `deadline`.
  virtual Result<ReceivedProof> receive_proof(std::chrono::steady_clock::time_point deadline) = 0;
};

// Two connected ends: what one sends, the other receives, in order.
std::pair<std::unique_ptr<PairingTransport>, std::unique_ptr<PairingTransport>> make_memory_transport_pair();

// TEST ONLY. Proofs as files in `dir` (which must exist): sending writes
// "<pairing id hex>.<kind>" (mode 0600, written to a temporary name, synced, renamed);
// receiving waits for the file of the kind the other side sends (`side_is_agent` says which
// that is), reads it and deletes it. Polls every 50 ms until the deadline.
std::unique_ptr<PairingTransport> make_file_transport(std::string dir, const e2e::Id& pairing_id, bool side_is_agent);

}  // namespace bw::pairing
