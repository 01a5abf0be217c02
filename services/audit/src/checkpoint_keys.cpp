// See checkpoint_keys.hpp.
#include "checkpoint_keys.hpp"

#include <algorithm>

#include "bw/audit/checkpoint.hpp"
#include "bw/crypto/ed25519.hpp"
#include "errors.hpp"
#include "store/errors.hpp"

namespace bw::auditsvc {
namespace {

namespace store = audit::store;

constexpr std::string_view kPurposePrefix = "audit-checkpoint-key:";

authcore::SealContext context_for(const std::string& purpose) { return {"", "", purpose}; }

Result<store::SigningKey> new_key(const authcore::KeyRing& kek, TimeMs now) {
  auto pair = crypto::ed25519_generate();
  if (!pair) return make_error(Errc::kInternal, "checkpoint key: " + pair.error().message);
  store::SigningKey row;
  row.key_id = audit::checkpoint_key_id(pair->public_key);
  const std::string purpose = std::string(kPurposePrefix) + row.key_id;
  auto sealed = authcore::seal_secret(kek, context_for(purpose), pair->seed.view());
  if (!sealed) return make_error(Errc::kInternal, "checkpoint key: " + sealed.error().message);
  row.public_key.assign(pair->public_key.begin(), pair->public_key.end());
  row.sealed_private_key.assign(sealed->begin(), sealed->end());
  row.not_before_ms = now;
  return row;
}

}  // namespace

Result<std::shared_ptr<const CheckpointKeys::Loaded>> CheckpointKeys::load(store::Store& store,
                                                                           const authcore::KeyRing& kek) {
  auto rows = store.list_signing_keys();
  if (!rows) return from_store(rows.error(), "checkpoint keys");
  auto loaded = std::make_shared<Loaded>();
  for (auto row : *rows) {
    if (!row.not_after_ms && loaded->current_id.empty()) {
      const std::string purpose = std::string(kPurposePrefix) + row.key_id;
      std::string sealed(row.sealed_private_key.begin(), row.sealed_private_key.end());
      auto seed = authcore::open_secret(kek, context_for(purpose), sealed);
      if (!seed) {
        return make_error(Errc::kInternal, "checkpoint key " + row.key_id + " does not open under the KEK: " +
                                               seed.error().message);
      }
      auto pub = crypto::ed25519_public_from_seed(seed->view());
      if (!pub || !std::equal(pub->begin(), pub->end(), row.public_key.begin(), row.public_key.end()) ||
          audit::checkpoint_key_id(row.public_key) != row.key_id) {
        return make_error(Errc::kInternal, "checkpoint key " + row.key_id + ": stored public key does not match");
      }
      loaded->current_id = row.key_id;
      loaded->current_seed = std::move(seed.value());
    }
    row.sealed_private_key.clear();
    loaded->keys.push_back(std::move(row));
  }
  if (loaded->current_id.empty()) return make_error(Errc::kNotFound, "no current checkpoint key");
  return std::shared_ptr<const Loaded>(std::move(loaded));
}

Result<std::shared_ptr<CheckpointKeys>> CheckpointKeys::open(std::shared_ptr<store::Store> store,
                                                             std::shared_ptr<const authcore::KeyRing> kek, TimeMs now) {
  auto loaded = load(*store, *kek);
  if (!loaded && has_code(loaded.error(), Errc::kNotFound)) {
    auto row = new_key(*kek, now);
    if (!row) return row.error();
    // A replica starting at the same moment may have added one first: then load that.
    if (auto st = store->add_signing_key(*row); !st && !store::has_code(st.error(), store::Errc::kConflict)) {
      return from_store(st.error(), "checkpoint key");
    }
    loaded = load(*store, *kek);
  }
  if (!loaded) return loaded.error();
  std::shared_ptr<CheckpointKeys> keys(new CheckpointKeys(std::move(store), std::move(kek)));
  keys->loaded_ = std::move(loaded.value());
  return keys;
}

Result<std::string> CheckpointKeys::rotate(store::Store& store, const authcore::KeyRing& kek, TimeMs now) {
  auto rows = store.list_signing_keys();
  if (!rows) return from_store(rows.error(), "checkpoint keys");
  auto row = new_key(kek, now);
  if (!row) return row.error();
  // The new key first: if retiring fails half-way, the newest current key still wins.
  if (auto st = store.add_signing_key(*row); !st) return from_store(st.error(), "add key");
  for (const auto& old : *rows) {
    if (old.not_after_ms) continue;
    if (auto st = store.retire_signing_key(old.key_id, now); !st) return from_store(st.error(), "retire key");
  }
  return row->key_id;
}

Status CheckpointKeys::reload() {
  auto loaded = load(*store_, *kek_);
  if (!loaded) return loaded.error();
  std::lock_guard lock(mu_);
  loaded_ = std::move(loaded.value());
  return {};
}

Status CheckpointKeys::sign(store::Checkpoint& checkpoint) const {
  std::shared_ptr<const Loaded> loaded;
  {
    std::lock_guard lock(mu_);
    loaded = loaded_;
  }
  audit::CheckpointBody body;
  body.tenant = checkpoint.tenant;
  body.tree_size = static_cast<std::uint64_t>(checkpoint.tree_size);
  body.root_hash = checkpoint.root_hash;
  body.timestamp_ms = static_cast<std::uint64_t>(checkpoint.timestamp_ms);
  auto signed_cp = audit::sign_checkpoint(body, loaded->current_seed.view());
  if (!signed_cp) return make_error(Errc::kInternal, "signing a checkpoint: " + signed_cp.error().message);
  checkpoint.key_id = signed_cp->key_id;
  checkpoint.signature.assign(signed_cp->signature.begin(), signed_cp->signature.end());
  return {};
}

std::vector<store::SigningKey> CheckpointKeys::public_keys() const {
  std::lock_guard lock(mu_);
  return loaded_->keys;
}

}  // namespace bw::auditsvc
