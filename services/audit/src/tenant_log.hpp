// TenantLog: one tenant's append-only log — its leaves in the store, its Merkle tree, and
// its signed checkpoints. It is the only writer of that tenant's leaves in this process
// (LogActors serialises append() and write_checkpoint()); reads (proofs) may run on any
// thread at the same time, and never hold up an append: the Merkle work (reading leaf
// hashes, which after a restart means every leaf of the log, ~2 s at a million on SQLite)
// runs under its own lock, not the one append() takes.
//
// Guarantees:
//  - append() is idempotent by event id: an id already in the log (or earlier in the same
//    batch) gets its original leaf index and `duplicate`, and nothing is added. A batch
//    commits in one transaction: every new event of it is durable, or none is.
//  - Leaf indexes are dense. If another process appended to the same tenant (a second
//    replica on the same database), the store answers kConflict; the log re-reads its size
//    and tries once more, so nothing is lost or duplicated — only slower.
//  - A checkpoint is written when `checkpoint_every` events arrived since the last one, or
//    when `checkpoint_interval` passed and the tree grew; it signs the root of the tree as
//    stored (computed from the stored leaf hashes, not from memory).
//  - Proofs are computed from the stored leaf hashes for sizes up to the committed size.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bw/audit/merkle.hpp"
#include "bw/result.hpp"
#include "store/store.hpp"

namespace bw::auditsvc {

using TenantId = audit::store::TenantId;
using EventId = audit::store::EventId;
using TimeMs = audit::store::TimeMs;

// One event to append: the store row without its leaf index (assigned here).
struct AppendItem {
  audit::store::Entry row;
};

// Where one event landed.
struct Placement {
  EventId event_id{};
  std::uint64_t leaf_index = 0;
  bool duplicate = false;
};

// Signs checkpoints with the current key (CheckpointKeys implements it).
class CheckpointSigner {
 public:
  virtual ~CheckpointSigner() = default;
  // Fills key_id and signature of a checkpoint whose other fields are set.
  virtual Status sign(audit::store::Checkpoint& checkpoint) const = 0;
};

struct TenantLogOptions {
  std::uint64_t checkpoint_every = 1000;                  // events
  std::chrono::milliseconds checkpoint_interval{10'000};  // and at least this often while growing
};

class TenantLog {
 public:
  TenantLog(TenantId tenant, std::shared_ptr<audit::store::Store> store, std::shared_ptr<const CheckpointSigner> signer,
            TenantLogOptions options);

  const TenantId& tenant() const { return tenant_; }

  // Appends (see above). Errors: the store's (kUnavailable is retryable by the caller).
  Result<std::vector<Placement>> append(std::vector<AppendItem> items, TimeMs now);

  // True when a checkpoint is due at `now`.
  bool checkpoint_due(TimeMs now);
  // Signs and stores a checkpoint of the committed tree. Errors: the store's or signer's.
  Status write_checkpoint(TimeMs now);

  // The committed number of leaves (loads it on first use).
  Result<std::uint64_t> size();
  // The latest checkpoint. Errors: kNotFound when there is none yet.
  Result<audit::store::Checkpoint> latest_checkpoint();
  // MTH of the first `size` leaves.
  Result<audit::Hash> root(std::uint64_t size);
  // Audit path of a leaf in the tree of `size` leaves.
  Result<std::vector<audit::Hash>> inclusion_proof(std::uint64_t index, std::uint64_t size);
  // Consistency proof between two sizes.
  Result<std::vector<audit::Hash>> consistency_proof(std::uint64_t first, std::uint64_t second);

 private:
  // fn(tree) on the tree of the first `size` committed leaves, under the cache's lock; its
  // errors translated for `what`. kFailedPrecondition when size is beyond the log.
  template <class T, class Fn>
  Result<T> over_tree(std::uint64_t size, const char* what, Fn&& fn);
  Status load();  // requires mu_
  Result<std::uint64_t> committed_size();  // load()s; takes mu_ for that moment only
  Result<std::vector<Placement>> try_append(std::vector<AppendItem>& items, TimeMs now);

  const TenantId tenant_;
  const std::shared_ptr<audit::store::Store> store_;
  const std::shared_ptr<const CheckpointSigner> signer_;
  const TenantLogOptions options_;

  // Lock order: tree_mu_, then mu_. mu_ is never held across leaf reads.
  std::mutex mu_;  // guards the four below
  bool loaded_ = false;
  std::uint64_t size_ = 0;
  std::uint64_t checkpoint_size_ = 0;
  TimeMs checkpoint_time_ = 0;
  std::mutex tree_mu_;  // guards cache_; held while a proof or a checkpoint root reads leaves
  audit::TileCache cache_;
};

}  // namespace bw::auditsvc
