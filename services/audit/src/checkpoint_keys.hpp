// CheckpointKeys: the Ed25519 keys that sign checkpoints, at rest in the audit store with
// each private key sealed (AES-256-GCM, libs/authcore sealed_secret) under the KEK from
// configuration, and in memory as the current signing key plus every public key ever used.
//
// Guarantees: a private key is never stored, logged or returned in the clear; a sealed key
// opens only under its KEK and for its own key id (part of the associated data); a stored
// public key that does not match its opened private key is refused, so a swapped row cannot
// make the service sign with a key it does not publish. Rotation adds a new current key and
// retires the old one (its public key stays published, so old checkpoints still verify).
// reload() picks up a rotation done by another process (the operator command). Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bw/authcore/sealed_secret.hpp"
#include "bw/crypto/secret_bytes.hpp"
#include "store/store.hpp"
#include "tenant_log.hpp"

namespace bw::auditsvc {

class CheckpointKeys final : public CheckpointSigner {
 public:
  // Loads the keys; creates the first one when the store has none. Errors: the store's, or
  // a key that does not open under the ring (wrong KEK) or does not match its public half.
  static Result<std::shared_ptr<CheckpointKeys>> open(std::shared_ptr<audit::store::Store> store,
                                                      std::shared_ptr<const authcore::KeyRing> kek, TimeMs now);

  // Makes a new current key and retires the previous one at `now`; returns the new key id.
  static Result<std::string> rotate(audit::store::Store& store, const authcore::KeyRing& kek, TimeMs now);

  // Re-reads the keys (after a rotation elsewhere). On error the loaded keys stay.
  Status reload();

  Status sign(audit::store::Checkpoint& checkpoint) const override;

  // Every key (public halves only), newest first.
  std::vector<audit::store::SigningKey> public_keys() const;

 private:
  struct Loaded {
    std::string current_id;
    crypto::SecretBytes current_seed;
    std::vector<audit::store::SigningKey> keys;  // sealed_private_key cleared
  };
  CheckpointKeys(std::shared_ptr<audit::store::Store> store, std::shared_ptr<const authcore::KeyRing> kek)
      : store_(std::move(store)), kek_(std::move(kek)) {}
  static Result<std::shared_ptr<const Loaded>> load(audit::store::Store& store, const authcore::KeyRing& kek);

  const std::shared_ptr<audit::store::Store> store_;
  const std::shared_ptr<const authcore::KeyRing> kek_;
  mutable std::mutex mu_;
  std::shared_ptr<const Loaded> loaded_;
};

}  // namespace bw::auditsvc
