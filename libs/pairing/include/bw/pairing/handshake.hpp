// The pairing handshake of both sides (DESIGN §3 steps 3–5, docs/protocol.md §3) as two
// small state machines over plain values, plus drivers that run them over a
// PairingTransport. No I/O of their own apart from the transport and the state store
// they are given; the user interface (showing the SAS, reading the typed code) is a
// callback.
//
// Guarantees:
//  - The agent computes T with the role it OFFERED and refuses a claim whose reported role
//    differs (a server cannot raise it); the client refuses a claim answer whose role or
//    pairing id differs from the link's. Either way the other side's MAC would fail too.
//  - Proofs are checked in constant time; the client's proof is checked before the agent's
//    user is asked anything, and the agent's proof (kind 2) is produced only after the typed
//    code matched the SAS (compared in constant time). A proof of the other label (a client
//    proof reflected back as an agent proof) never verifies.
//  - One attempt per handshake: after any failure, and after success, a (c), s and rk are
//    erased (secrets_erased() is then true) and every further call fails with
//    kHandshakeState. No end-to-end state is written unless the handshake succeeded.
//  - On success the side's e2e state is initialised (e2e::initialize_pairing) BEFORE the
//    agent's proof is handed to the transport, so an agent that says "paired" can talk.
// Thread-safety: none; one handshake per thread.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "bw/crypto/secret_bytes.hpp"
#include "bw/crypto/x25519.hpp"
#include "bw/e2e/keys.hpp"
#include "bw/e2e/session.hpp"
#include "bw/pairing/link.hpp"
#include "bw/pairing/transport.hpp"

namespace bw::pairing {

enum HandshakeError : int {
  kHandshakeRole = 410,      // the claim's role is not the offered one
  kHandshakeProof = 411,     // a MAC did not verify (wrong key, transcript or reflected proof)
  kHandshakeSas = 412,       // the typed code is not the SAS
  kHandshakeState = 413,     // called out of order, or after the one attempt ended
  kHandshakeClaim = 414,     // the claim does not match the link / offer (pairing id, keys)
  kHandshakeStore = 415,     // the e2e state could not be written
  kHandshakeCancelled = 416, // the user gave no code
};

// What the agent learns about the claim (GET /v1/pairing/offers/{id} today; the relay's
// notice later). Ids and the key enter T; the labels are for display only (unverified).
struct ClaimInfo {
  e2e::Id client_device{};
  e2e::Id client_user{};
  e2e::Role role = e2e::Role::kMember;
  crypto::X25519PublicKey client_public{};  // C
  std::string client_login;                 // unverified label
  std::string client_device_name;           // unverified label
};

class AgentHandshake {
 public:
  // Takes ownership of (a, A) and s. `offered` is the role the agent's user chose.
  AgentHandshake(const e2e::Id& tenant, const e2e::Id& pairing_id, const e2e::Id& agent_device, e2e::Role offered,
                 crypto::X25519KeyPair own, crypto::SecretBytes s);

  // Step 4a: the claim and the client's proof. Checks the role, computes T and rk, verifies
  // the proof. Errors: kHandshakeRole, kHandshakeClaim, kHandshakeProof, kHandshakeState.
  Status accept_client_proof(const ClaimInfo& claim, const ReceivedProof& proof);
  // Step 4b: the code the agent's user typed (spaces ignored). On a match, initialises the
  // agent's e2e state in `store` and returns the agent proof to send. Errors: kHandshakeSas
  // (nothing written), kHandshakeStore, kHandshakeState.
  Result<crypto::HmacSha256Tag> confirm_sas(std::string_view typed, e2e::StateStore& store);

  bool secrets_erased() const { return a_.empty() && s_.empty() && rk_.empty(); }
  const crypto::X25519PublicKey& agent_public() const { return params_.agent_public; }
  const e2e::Id& pairing_id() const { return params_.pairing_id; }

 private:
  void erase();
  e2e::PairingParams params_;
  crypto::SecretBytes a_, s_, rk_;
  Bytes t_;
  bool done_ = false;
};

// What auth answers to the claim (POST /v1/pairing/claims), plus the claiming user's id.
struct ClaimResult {
  e2e::Id pairing_id{};
  e2e::Id tenant{};
  e2e::Id agent_device{};
  e2e::Id client_device{};
  e2e::Id client_user{};
  e2e::Role role = e2e::Role::kMember;
};

class ClientHandshake {
 public:
  // Takes the link (with s) and the client's fresh (c, C).
  ClientHandshake(PairingLink link, crypto::X25519KeyPair own);
  const crypto::X25519PublicKey& client_public() const { return own_public_; }

  // After the claim: checks it against the link, computes T, rk, the SAS (6 digits, for the
  // user to type on the agent) and the client proof; erases c and s. Errors:
  // kHandshakeClaim, kHandshakeRole, kHandshakeProof (low-order key), kHandshakeState.
  struct Claimed {
    std::string sas;
    crypto::HmacSha256Tag proof;
  };
  Result<Claimed> on_claimed(const ClaimResult& claim);
  // The agent's answer: verifies it and initialises the client's e2e state. Errors:
  // kHandshakeProof (nothing written), kHandshakeStore, kHandshakeState.
  Status accept_agent_proof(const ReceivedProof& proof, e2e::StateStore& store);

  bool secrets_erased() const { return c_.empty() && link_.secret.empty() && rk_.empty(); }

 private:
  void erase();
  PairingLink link_;
  crypto::SecretBytes c_, rk_;
  crypto::X25519PublicKey own_public_{};
  e2e::Id pairing_id_{};
  Bytes t_;
  bool claimed_ = false, done_ = false;
};

// "012345": the SAS as shown and typed.
std::string format_sas(std::uint32_t sas);

// Drivers. The agent's: receives kind 1 until `deadline`, verifies it, calls `ask_code`
// (show who claimed — unverified labels — and return what the user typed, nullopt to
// cancel), confirms, and sends kind 2. The client's: sends kind 1, calls `show_sas`,
// receives kind 2 until `deadline` and verifies it. Transport errors pass through.
using AskCode = std::function<std::optional<std::string>(const ClaimInfo&)>;
Status run_agent_handshake(AgentHandshake& hs, const ClaimInfo& claim, PairingTransport& transport,
                           std::chrono::steady_clock::time_point deadline, const AskCode& ask_code,
                           e2e::StateStore& store);
Status run_client_handshake(ClientHandshake& hs, const ClaimResult& claim, PairingTransport& transport,
                            std::chrono::steady_clock::time_point deadline,
                            const std::function<void(std::string_view sas)>& show_sas, e2e::StateStore& store);

}  // namespace bw::pairing
