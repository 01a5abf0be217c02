// Sending and receiving contexts over a durable state store (DESIGN §3, docs/protocol.md §4).
//
// Sender: one per (pairing, direction) and process — callers hold a lock file (browser: Web
// Locks) so there is exactly one. open() loads the durable state, ratchets to a new epoch
// and saves it (synced) BEFORE the first message uses it, erasing the old chain key; the
// epoch's r is fresh random, so a restored snapshot that repeats n never repeats a (key,
// IV). After kMaxEpochMessages a new epoch opens by itself. The first message of every
// epoch after the first carries the previous epoch's (n, last seq); close() records the
// last seq durably so that the next process can say the previous epoch ended cleanly.
//
// Receiver: open() checks and decrypts against a stored (ck, n, r, seq) and returns the
// message with the state that WOULD follow; nothing changes until the caller commits that
// state (commit()), which it must do before acting on a prompt or an approval. Accepted:
// n > n_stored (at most kMaxRatchetSteps ahead; the chain key ratchets forward) or
// n = n_stored with the same r and seq > seq_stored. Anything else is a replay.
#pragma once

#include <memory>
#include <optional>

#include "bw/crypto/secret_bytes.hpp"
#include "bw/e2e/envelope.hpp"
#include "bw/e2e/message.hpp"

namespace bw::e2e {

struct SenderState {
  crypto::SecretBytes ck;      // ck_n (ck₀ before the first epoch)
  std::uint64_t n = 0;         // 0 before the first epoch
  std::uint64_t last_seq = 0;  // the last seq known durably (close() writes it)
  bool clean = false;          // the epoch was closed by close()
};

struct ReceiverState {
  crypto::SecretBytes ck;  // ck_n (ck₀ before anything was received)
  std::uint64_t n = 0;
  std::uint64_t r = 0;
  std::uint64_t seq = 0;
};

// Where states live between processes. Implementations make a save durable (synced to
// disk, in a private folder) before returning; loads return nullopt when nothing is stored.
class StateStore {
 public:
  virtual ~StateStore() = default;
  virtual Status save_sender(const Id& pairing_id, Direction d, const SenderState& s) = 0;
  virtual Result<std::optional<SenderState>> load_sender(const Id& pairing_id, Direction d) = 0;
  virtual Status save_receiver(const Id& pairing_id, Direction d, const ReceiverState& s) = 0;
  virtual Result<std::optional<ReceiverState>> load_receiver(const Id& pairing_id, Direction d) = 0;
  // Erases both directions of a pairing (revocation, re-pairing).
  virtual Status erase(const Id& pairing_id) = 0;
};

// An in-memory StateStore (tests, and clients that keep nothing).
std::unique_ptr<StateStore> make_memory_state_store();

// Stores the initial states after a completed pairing: the side's outgoing chain (ck₀, n 0)
// and its incoming chain (ck₀, nothing received). `agent` says which side this is.
Status initialize_pairing(StateStore& store, const Id& pairing_id, bool agent, const crypto::SecretBytes& rk);

class Sender {
 public:
  // Opens a new epoch. `r` for tests/known answers only; by default it is random.
  // Errors: kState (nothing stored: pair first; or the store failed), kCrypto.
  static Result<Sender> open(StateStore& store, const Id& pairing_id, Direction d, const Id& sender,
                             const Id& recipient, std::optional<std::uint64_t> r = std::nullopt);

  // The next envelope. `nonce` for tests only; by default it is random. The first message
  // of an epoch after the first carries the previous epoch marker. Errors: kTooLarge,
  // kWrongDirection, kState (a needed epoch change could not be saved), kCrypto.
  Result<Envelope> seal(Kind kind, ByteView body, std::int64_t sent_at_ms,
                        std::optional<Nonce> nonce = std::nullopt);

  // Records the last seq of this epoch durably (a clean end). The Sender stays usable.
  Status close();

  Epoch epoch() const { return epoch_; }
  std::uint64_t seq() const { return seq_; }

 private:
  Sender(StateStore& store, const Id& pairing_id, Direction d, const Id& sender, const Id& recipient)
      : store_(&store), pairing_id_(pairing_id), direction_(d), sender_(sender), recipient_(recipient) {}
  Status next_epoch(std::optional<std::uint64_t> r);

  StateStore* store_;
  Id pairing_id_;
  Direction direction_;
  Id sender_, recipient_;
  crypto::SecretBytes ck_;  // ck_n of the open epoch
  crypto::SecretBytes key_; // its traffic key
  Epoch epoch_;
  std::uint64_t seq_ = 0;
  std::optional<PreviousEpoch> pending_previous_;  // to send with the epoch's first message
};

struct Opened {
  Header header;
  Message message;
  ReceiverState next;  // commit this after acting on nothing yet; see the file comment
};

// Checks and decrypts an envelope received for (pairing_id, d) against `state`. Errors:
// kWrongDirection, kReplay, kTooFarAhead, kAuthentication, kMalformed, kKindMismatch, kCrypto.
Result<Opened> open_envelope(const ReceiverState& state, const Envelope& envelope, const Id& pairing_id, Direction d);

// open_envelope() on the stored state, then nothing else: call commit() with the result.
Result<Opened> receive(StateStore& store, const Envelope& envelope, const Id& pairing_id, Direction d);
Status commit(StateStore& store, const Id& pairing_id, Direction d, const ReceiverState& next);

// sent_at against the receiver's clock: older than max_age(kind) → kTooOld; more than
// `skew` in the future → kTooOld as well.
Status check_age(const Header& h, std::int64_t now_ms, std::chrono::milliseconds approval_timeout,
                 std::chrono::milliseconds skew = std::chrono::seconds(60));

}  // namespace bw::e2e
