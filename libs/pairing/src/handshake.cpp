// The pairing handshake state machines and drivers (handshake.hpp).
#include "bw/pairing/handshake.hpp"

#include <cstdio>

#include "bw/crypto/constant_time.hpp"

namespace bw::pairing {
namespace {

Error fail(int code, const std::string& why) { return Error{code, why}; }

std::string digits_only(std::string_view typed) {
  std::string out;
  for (char c : typed) {
    if (c == ' ' || c == '-' || c == '\t' || c == '\r' || c == '\n') continue;
    out.push_back(c);
    if (out.size() > 16) break;  // long input is wrong anyway; keep the copy small
  }
  return out;
}

}  // namespace

std::string format_sas(std::uint32_t sas) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06u", static_cast<unsigned>(sas % e2e::kSasModulus));
  return buf;
}

// ---- agent ------------------------------------------------------------------------------

AgentHandshake::AgentHandshake(const e2e::Id& tenant, const e2e::Id& pairing_id, const e2e::Id& agent_device,
                               e2e::Role offered, crypto::X25519KeyPair own, crypto::SecretBytes s)
    : a_(std::move(own.private_key)), s_(std::move(s)) {
  params_.tenant = tenant;
  params_.pairing_id = pairing_id;
  params_.agent_device = agent_device;
  params_.role = offered;
  params_.agent_public = own.public_key;
}

void AgentHandshake::erase() {
  a_.wipe();
  s_.wipe();
  rk_.wipe();
  done_ = true;
}

Status AgentHandshake::accept_client_proof(const ClaimInfo& claim, const ReceivedProof& proof) {
  if (done_ || !rk_.empty()) return fail(kHandshakeState, "this pairing attempt has already ended");
  if (claim.role != params_.role) {
    erase();
    return fail(kHandshakeRole, "the claim reports role " + std::string(role_name(claim.role)) + " but " +
                                    std::string(role_name(params_.role)) + " was offered: refused");
  }
  if (proof.kind != e2e::Kind::kPairClientProof || proof.proof.size() != kProofSize) {
    erase();
    return fail(kHandshakeClaim, "the client sent something other than its pairing proof");
  }
  params_.client_device = claim.client_device;
  params_.client_user = claim.client_user;
  params_.client_public = claim.client_public;
  t_ = e2e::transcript(params_);
  auto rk = e2e::root_key(a_.view(), claim.client_public, s_.view(), t_);
  a_.wipe();
  s_.wipe();
  if (!rk) {
    erase();
    return fail(kHandshakeProof, "the client's key is unusable: " + rk.error().message);
  }
  rk_ = std::move(rk).value();
  if (!e2e::verify_client_proof(rk_, t_, proof.proof)) {
    erase();
    return fail(kHandshakeProof,
                "the client's proof does not verify: it does not hold this link's secret, or a key, id or role "
                "was substituted on the way");
  }
  return {};
}

Result<crypto::HmacSha256Tag> AgentHandshake::confirm_sas(std::string_view typed, e2e::StateStore& store) {
  if (done_ || rk_.empty()) return fail(kHandshakeState, "the client's proof has not been accepted");
  auto sas = e2e::sas(rk_, t_);
  if (!sas) {
    erase();
    return fail(kHandshakeProof, sas.error().message);
  }
  const std::string expected = format_sas(sas.value());
  const std::string got = digits_only(typed);
  const bool match = got.size() == expected.size() && crypto::constant_time_equal(as_bytes(got), as_bytes(expected));
  if (!match) {
    erase();
    return fail(kHandshakeSas, "the code does not match: not paired");
  }
  if (auto st = e2e::initialize_pairing(store, params_.pairing_id, /*agent=*/true, rk_); !st) {
    (void)store.erase(params_.pairing_id);
    erase();
    return fail(kHandshakeStore, "cannot store the pairing's keys: " + st.error().message);
  }
  const auto proof = e2e::agent_proof(rk_, t_);
  erase();
  return proof;
}

// ---- client -----------------------------------------------------------------------------

ClientHandshake::ClientHandshake(PairingLink link, crypto::X25519KeyPair own)
    : link_(std::move(link)), c_(std::move(own.private_key)), own_public_(own.public_key),
      pairing_id_(link_.pairing_id) {}

void ClientHandshake::erase() {
  c_.wipe();
  link_.secret.wipe();
  rk_.wipe();
  done_ = true;
}

Result<ClientHandshake::Claimed> ClientHandshake::on_claimed(const ClaimResult& claim) {
  if (done_ || claimed_) return fail(kHandshakeState, "this pairing attempt has already ended");
  claimed_ = true;
  if (claim.pairing_id != link_.pairing_id) {
    erase();
    return fail(kHandshakeClaim, "the server answered for another pairing id");
  }
  if (claim.role != link_.role) {
    erase();
    return fail(kHandshakeRole, "the server recorded role " + std::string(role_name(claim.role)) + " but the link offers " +
                                    std::string(role_name(link_.role)) + ": refused");
  }
  e2e::PairingParams p;
  p.tenant = claim.tenant;
  p.pairing_id = claim.pairing_id;
  p.agent_device = claim.agent_device;
  p.client_device = claim.client_device;
  p.client_user = claim.client_user;
  p.role = link_.role;
  p.agent_public = link_.agent_public;
  p.client_public = own_public_;
  t_ = e2e::transcript(p);
  auto rk = e2e::root_key(c_.view(), link_.agent_public, link_.secret.view(), t_);
  c_.wipe();
  link_.secret.wipe();
  if (!rk) {
    erase();
    return fail(kHandshakeProof, "the agent's key in the link is unusable: " + rk.error().message);
  }
  rk_ = std::move(rk).value();
  auto sas = e2e::sas(rk_, t_);
  if (!sas) {
    erase();
    return fail(kHandshakeProof, sas.error().message);
  }
  return Claimed{format_sas(sas.value()), e2e::client_proof(rk_, t_)};
}

Status ClientHandshake::accept_agent_proof(const ReceivedProof& proof, e2e::StateStore& store) {
  if (done_ || rk_.empty()) return fail(kHandshakeState, "the claim has not been made");
  const bool ok = proof.kind == e2e::Kind::kPairAgentProof && proof.proof.size() == kProofSize &&
                  e2e::verify_agent_proof(rk_, t_, proof.proof);
  if (!ok) {
    erase();
    return fail(kHandshakeProof, "the agent's answer does not verify: not paired (was the code typed on the right agent?)");
  }
  auto st = e2e::initialize_pairing(store, pairing_id_, /*agent=*/false, rk_);
  erase();
  if (!st) {
    (void)store.erase(pairing_id_);
    return fail(kHandshakeStore, "cannot store the pairing's keys: " + st.error().message);
  }
  return {};
}

// ---- drivers ----------------------------------------------------------------------------

Status run_agent_handshake(AgentHandshake& hs, const ClaimInfo& claim, PairingTransport& transport,
                           std::chrono::steady_clock::time_point deadline, const AskCode& ask_code,
                           e2e::StateStore& store) {
  auto proof = transport.receive_proof(deadline);
  if (!proof) return proof.error();
  if (auto st = hs.accept_client_proof(claim, proof.value()); !st) return st;
  auto typed = ask_code(claim);
  if (!typed) {
    (void)hs.confirm_sas("", store);  // ends the attempt, erases the secrets
    return fail(kHandshakeCancelled, "no code entered: not paired");
  }
  auto answer = hs.confirm_sas(*typed, store);
  if (!answer) return answer.error();
  if (auto st = transport.send_proof(e2e::Kind::kPairAgentProof, answer.value()); !st) {
    (void)store.erase(hs.pairing_id());
    return st;
  }
  return {};
}

Status run_client_handshake(ClientHandshake& hs, const ClaimResult& claim, PairingTransport& transport,
                            std::chrono::steady_clock::time_point deadline,
                            const std::function<void(std::string_view sas)>& show_sas, e2e::StateStore& store) {
  auto claimed = hs.on_claimed(claim);
  if (!claimed) return claimed.error();
  if (auto st = transport.send_proof(e2e::Kind::kPairClientProof, claimed->proof); !st) return st;
  show_sas(claimed->sas);
  auto answer = transport.receive_proof(deadline);
  if (!answer) return answer.error();
  return hs.accept_agent_proof(answer.value(), store);
}

}  // namespace bw::pairing
