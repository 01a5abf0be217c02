// Sending and receiving contexts (session.hpp).
#include "bw/e2e/session.hpp"

#include <limits>
#include <map>
#include <mutex>
#include <utility>

#include "bw/crypto/aes_gcm.hpp"
#include "bw/crypto/random.hpp"
#include "bw/e2e/keys.hpp"

namespace bw::e2e {
namespace {

std::uint64_t random_u64() {
  std::array<std::uint8_t, 8> b{};
  crypto::random_bytes(b);
  std::uint64_t v = 0;
  for (const auto x : b) v = (v << 8) | x;
  return v;
}

Direction other(Direction d) {
  return d == Direction::kAgentToClient ? Direction::kClientToAgent : Direction::kAgentToClient;
}

class MemoryStateStore final : public StateStore {
 public:
  Status save_sender(const Id& p, Direction d, const SenderState& s) override {
    std::lock_guard lock(mu_);
    senders_[{p, d}] = SenderState{s.ck.clone(), s.n, s.last_seq, s.clean};
    return {};
  }
  Result<std::optional<SenderState>> load_sender(const Id& p, Direction d) override {
    std::lock_guard lock(mu_);
    const auto it = senders_.find({p, d});
    if (it == senders_.end()) return std::optional<SenderState>{};
    const auto& s = it->second;
    return std::optional<SenderState>{SenderState{s.ck.clone(), s.n, s.last_seq, s.clean}};
  }
  Status save_receiver(const Id& p, Direction d, const ReceiverState& s) override {
    std::lock_guard lock(mu_);
    receivers_[{p, d}] = ReceiverState{s.ck.clone(), s.n, s.r, s.seq};
    return {};
  }
  Result<std::optional<ReceiverState>> load_receiver(const Id& p, Direction d) override {
    std::lock_guard lock(mu_);
    const auto it = receivers_.find({p, d});
    if (it == receivers_.end()) return std::optional<ReceiverState>{};
    const auto& s = it->second;
    return std::optional<ReceiverState>{ReceiverState{s.ck.clone(), s.n, s.r, s.seq}};
  }
  Status erase(const Id& p) override {
    std::lock_guard lock(mu_);
    for (const Direction d : {Direction::kAgentToClient, Direction::kClientToAgent}) {
      senders_.erase({p, d});
      receivers_.erase({p, d});
    }
    return {};
  }

 private:
  std::mutex mu_;
  std::map<std::pair<Id, Direction>, SenderState> senders_;
  std::map<std::pair<Id, Direction>, ReceiverState> receivers_;
};

// ck advanced `steps` times.
Result<crypto::SecretBytes> ratchet(const crypto::SecretBytes& ck, std::uint64_t steps) {
  crypto::SecretBytes current = ck.clone();
  for (std::uint64_t i = 0; i < steps; ++i) {
    auto next = next_chain_key(current);
    if (!next) return next.error();
    current = std::move(next).value();  // the previous key is wiped here
  }
  return current;
}

}  // namespace

std::unique_ptr<StateStore> make_memory_state_store() { return std::make_unique<MemoryStateStore>(); }

Status initialize_pairing(StateStore& store, const Id& pairing_id, bool agent, const crypto::SecretBytes& rk) {
  const Direction out = agent ? Direction::kAgentToClient : Direction::kClientToAgent;
  auto send_ck = initial_chain_key(rk, out);
  auto recv_ck = initial_chain_key(rk, other(out));
  if (!send_ck) return send_ck.error();
  if (!recv_ck) return recv_ck.error();
  if (auto st = store.save_sender(pairing_id, out, SenderState{std::move(send_ck).value(), 0, 0, true}); !st) {
    return make_error(Errc::kState, st.error().message);
  }
  if (auto st = store.save_receiver(pairing_id, other(out), ReceiverState{std::move(recv_ck).value(), 0, 0, 0}); !st) {
    return make_error(Errc::kState, st.error().message);
  }
  return {};
}

Result<Sender> Sender::open(StateStore& store, const Id& pairing_id, Direction d, const Id& sender, const Id& recipient,
                            std::optional<std::uint64_t> r) {
  Sender s(store, pairing_id, d, sender, recipient);
  if (auto st = s.next_epoch(r); !st) return st.error();
  return s;
}

Status Sender::next_epoch(std::optional<std::uint64_t> r) {
  std::optional<SenderState> stored;
  if (ck_.empty()) {  // at open: the durable state
    auto loaded = store_->load_sender(pairing_id_, direction_);
    if (!loaded) return make_error(Errc::kState, loaded.error().message);
    if (!loaded->has_value()) return make_error(Errc::kState, "no sending state for this pairing: pair first");
    stored = std::move(loaded.value());
  } else {  // after kMaxEpochMessages: the epoch we are in ended cleanly
    stored = SenderState{std::move(ck_), epoch_.n, seq_, true};
  }
  if (stored->n == std::numeric_limits<std::uint64_t>::max()) return make_error(Errc::kState, "epoch counter exhausted");
  auto next = next_chain_key(stored->ck);
  if (!next) return next.error();
  SenderState opened{std::move(next).value(), stored->n + 1, 0, false};
  // Durable before use: a crash after this line re-opens n + 2, never reuses n + 1.
  if (auto st = store_->save_sender(pairing_id_, direction_, opened); !st) return make_error(Errc::kState, st.error().message);
  pending_previous_.reset();
  if (stored->n > 0) pending_previous_ = PreviousEpoch{stored->n, stored->last_seq, !stored->clean};
  stored->ck.wipe();
  epoch_ = Epoch{opened.n, r ? *r : random_u64()};
  auto key = traffic_key(opened.ck, epoch_.r, direction_, pairing_id_);
  if (!key) return key.error();
  key_ = std::move(key).value();
  ck_ = std::move(opened.ck);
  seq_ = 0;
  return {};
}

Result<Envelope> Sender::seal(Kind kind, ByteView body, std::int64_t sent_at_ms, std::optional<Nonce> nonce) {
  if (const auto d = kind_direction(kind); d && *d != direction_) return make_error(Errc::kWrongDirection);
  if (sent_at_ms < 0) return make_error(Errc::kInvalidArgument, "sent_at before 1970");
  if (seq_ >= kMaxEpochMessages) {
    if (auto st = next_epoch(std::nullopt); !st) return st.error();
  }
  Message m{kind, pending_previous_, Bytes(body.begin(), body.end())};
  auto plaintext = encode_message(m);
  if (!plaintext) return plaintext.error();
  Header h;
  h.sender = sender_;
  h.recipient = recipient_;
  h.epoch = epoch_;
  h.seq = seq_ + 1;
  if (nonce) {
    h.nonce = *nonce;
  } else {
    crypto::random_bytes(h.nonce);
  }
  h.sent_at_ms = sent_at_ms;
  h.kind = kind;
  const auto aad = encode_header(h);
  auto sealed = crypto::aes256_gcm_seal(key_.view(), message_iv(h.seq), aad, *plaintext);
  if (!sealed) return make_error(Errc::kCrypto, sealed.error().message);
  ++seq_;
  pending_previous_.reset();
  return Envelope{h, std::move(sealed).value()};
}

Status Sender::close() {
  if (auto st = store_->save_sender(pairing_id_, direction_, SenderState{ck_.clone(), epoch_.n, seq_, true}); !st) {
    return make_error(Errc::kState, st.error().message);
  }
  return {};
}

Result<Opened> open_envelope(const ReceiverState& state, const Envelope& envelope, const Id& pairing_id, Direction d) {
  const Header& h = envelope.header;
  if (const auto kd = kind_direction(h.kind); kd && *kd != d) return make_error(Errc::kWrongDirection);
  std::uint64_t steps = 0;
  if (h.epoch.n < state.n || h.epoch.n == 0) return make_error(Errc::kReplay, "old epoch");
  if (h.epoch.n == state.n) {
    if (h.epoch.r != state.r) return make_error(Errc::kReplay, "epoch number reused with another r");
    if (h.seq <= state.seq) return make_error(Errc::kReplay, "sequence not newer");
  } else {
    steps = h.epoch.n - state.n;
    if (steps > kMaxRatchetSteps) return make_error(Errc::kTooFarAhead);
  }
  auto ck = ratchet(state.ck, steps);
  if (!ck) return ck.error();
  auto key = traffic_key(*ck, h.epoch.r, d, pairing_id);
  if (!key) return key.error();
  const auto aad = encode_header(h);
  auto plaintext = crypto::aes256_gcm_open(key->view(), message_iv(h.seq), aad, envelope.ciphertext);
  if (!plaintext) return make_error(Errc::kAuthentication);
  auto message = decode_message(*plaintext, h.kind);
  if (!message) return message.error();
  return Opened{h, std::move(message).value(), ReceiverState{std::move(ck).value(), h.epoch.n, h.epoch.r, h.seq}};
}

Result<Opened> receive(StateStore& store, const Envelope& envelope, const Id& pairing_id, Direction d) {
  auto state = store.load_receiver(pairing_id, d);
  if (!state) return make_error(Errc::kState, state.error().message);
  if (!state->has_value()) return make_error(Errc::kState, "no receiving state for this pairing: re-pair");
  return open_envelope(**state, envelope, pairing_id, d);
}

Status commit(StateStore& store, const Id& pairing_id, Direction d, const ReceiverState& next) {
  if (auto st = store.save_receiver(pairing_id, d, next); !st) return make_error(Errc::kState, st.error().message);
  return {};
}

Status check_age(const Header& h, std::int64_t now_ms, std::chrono::milliseconds approval_timeout,
                 std::chrono::milliseconds skew) {
  if (h.sent_at_ms > now_ms + skew.count()) return make_error(Errc::kTooOld, "sent in the future");
  const auto limit = max_age(h.kind, approval_timeout);
  if (limit && now_ms - h.sent_at_ms > limit->count()) return make_error(Errc::kTooOld);
  return {};
}

}  // namespace bw::e2e
