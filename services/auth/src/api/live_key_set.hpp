// LiveKeySet: the signing keys a running service uses, replaceable while it serves, so an
// operator's `breakwater-auth rotate-signing-key` reaches every replica without a restart
// (ops/key_set_reloader.hpp swaps the set in).
//
// Guarantees:
//  - copies share one slot: replacing through any copy is seen by all of them;
//  - current() is a snapshot that stays valid however often the slot is replaced, and
//    `keys->…` holds such a snapshot for the whole expression;
//  - a set once installed is kept until the last copy of the LiveKeySet goes away, so a
//    pointer taken from it (`keys->signing_key()`) never dangles even when kept past the
//    expression. That holds one small set per rotation a process sees: a few per year.
//  - thread-safe: readers and replace() may run concurrently.
// Take a snapshot once per request when two calls must see the same keys.
#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "bw/jwt/key_set.hpp"

namespace bw::auth::api {

class LiveKeySet {
 public:
  LiveKeySet() : slot_(std::make_shared<Slot>()) {}
  // Implicit on purpose: a fixed key set (tests, a single-shot command) is a LiveKeySet
  // that is never replaced.
  LiveKeySet(std::shared_ptr<const jwt::KeySet> keys) : LiveKeySet() { replace(std::move(keys)); }  // NOLINT

  std::shared_ptr<const jwt::KeySet> current() const {
    std::lock_guard lock(slot_->mu);
    return slot_->keys;
  }
  void replace(std::shared_ptr<const jwt::KeySet> keys) const {
    std::lock_guard lock(slot_->mu);
    if (slot_->keys) slot_->replaced.push_back(std::move(slot_->keys));
    slot_->keys = std::move(keys);
  }
  // keys->signing_key(), keys->to_jwks(): on a snapshot that lives to the end of the
  // full expression.
  std::shared_ptr<const jwt::KeySet> operator->() const { return current(); }
  explicit operator bool() const { return current() != nullptr; }

 private:
  struct Slot {
    std::mutex mu;
    std::shared_ptr<const jwt::KeySet> keys;
    std::vector<std::shared_ptr<const jwt::KeySet>> replaced;  // kept alive (see above)
  };
  std::shared_ptr<Slot> slot_;
};

}  // namespace bw::auth::api
