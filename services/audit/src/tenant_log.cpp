// See tenant_log.hpp.
#include "tenant_log.hpp"

#include <algorithm>
#include <map>

#include "errors.hpp"
#include "store/errors.hpp"

namespace bw::auditsvc {

namespace store = audit::store;

// Leaf hashes of this tenant, read from the store. MerkleTree passes a source's errors
// through with their own numbers, which overlap libs/audit's: the source keeps its last
// error so that translate() can tell the two apart.
namespace {

class Source final : public audit::LeafHashSource {
 public:
  Source(store::Store& store, const TenantId& tenant) : store_(store), tenant_(tenant) {}
  Result<std::vector<audit::Hash>> leaf_hashes(std::uint64_t begin, std::uint64_t end) override {
    auto hashes = store_.leaf_hashes(tenant_, static_cast<std::int64_t>(begin), static_cast<std::int64_t>(end));
    if (!hashes) failure_ = hashes.error();
    return hashes;
  }
  Error translate(const Error& e, const std::string& what) const {
    return failure_ ? from_store(*failure_, what) : from_audit(e, what);
  }

 private:
  store::Store& store_;
  const TenantId& tenant_;
  std::optional<Error> failure_;
};

template <class T>
Result<T> checked(Result<T> r, const Source& source, const char* what) {
  if (r) return r;
  return source.translate(r.error(), what);
}

Error too_large() { return make_error(Errc::kFailedPrecondition, "tree size larger than the log"); }

}  // namespace

TenantLog::TenantLog(TenantId tenant, std::shared_ptr<store::Store> store, std::shared_ptr<const CheckpointSigner> signer,
                     TenantLogOptions options)
    : tenant_(tenant), store_(std::move(store)), signer_(std::move(signer)), options_(options) {}

Status TenantLog::load() {
  if (loaded_) return {};
  auto size = store_->tree_size(tenant_);
  if (!size) return from_store(size.error(), "tree size");
  auto latest = store_->latest_checkpoint(tenant_);
  if (latest) {
    checkpoint_size_ = static_cast<std::uint64_t>(latest->tree_size);
    checkpoint_time_ = latest->timestamp_ms;
  } else if (!store::has_code(latest.error(), store::Errc::kNotFound)) {
    return from_store(latest.error(), "latest checkpoint");
  }
  size_ = static_cast<std::uint64_t>(*size);
  loaded_ = true;
  return {};
}

Result<std::vector<Placement>> TenantLog::append(std::vector<AppendItem> items, TimeMs now) {
  auto placed = try_append(items, now);
  if (placed || placed.error().code != static_cast<int>(store::Errc::kConflict)) {
    if (placed) return placed;
    return from_store(placed.error(), "append");
  }
  // Another writer moved the log on: re-read the size and the known ids, once.
  {
    std::lock_guard lock(mu_);
    loaded_ = false;
  }
  auto again = try_append(items, now);
  if (!again) return from_store(again.error(), "append");
  return again;
}

Result<std::vector<Placement>> TenantLog::try_append(std::vector<AppendItem>& items, TimeMs now) {
  std::uint64_t next = 0;
  {
    std::lock_guard lock(mu_);
    if (auto st = load(); !st) return make_error(Errc::kUnavailable, st.error().message);  // not kConflict
    next = size_;
  }
  std::vector<EventId> ids;
  ids.reserve(items.size());
  for (const auto& item : items) ids.push_back(item.row.event_id);
  auto known = store_->find_events(tenant_, ids);
  if (!known) return known.error();
  std::map<EventId, std::uint64_t> index_of;
  for (const auto& k : *known) index_of.emplace(k.event_id, static_cast<std::uint64_t>(k.leaf_index));

  std::vector<Placement> placements;
  std::vector<store::Entry> rows;
  placements.reserve(items.size());
  for (auto& item : items) {
    auto [it, fresh] = index_of.emplace(item.row.event_id, next);
    placements.push_back({item.row.event_id, it->second, !fresh});
    if (!fresh) continue;
    store::Entry row = item.row;
    row.tenant = tenant_;
    row.leaf_index = static_cast<std::int64_t>(next++);
    row.recorded_at_ms = now;
    rows.push_back(std::move(row));
  }
  if (auto st = store_->append(rows); !st) return st.error();
  std::lock_guard lock(mu_);
  size_ = next;
  return placements;
}

bool TenantLog::checkpoint_due(TimeMs now) {
  std::lock_guard lock(mu_);
  if (!loaded_) return false;  // never blocks an actor on the database
  if (size_ == checkpoint_size_ && checkpoint_time_ != 0) return false;
  if (size_ - checkpoint_size_ >= options_.checkpoint_every) return true;
  // The first checkpoint (even of an empty log) is due at once; later ones on the timer.
  return checkpoint_time_ == 0 || now - checkpoint_time_ >= options_.checkpoint_interval.count();
}

Result<std::uint64_t> TenantLog::committed_size() {
  std::lock_guard lock(mu_);
  if (auto st = load(); !st) return st.error();
  return size_;
}

Status TenantLog::write_checkpoint(TimeMs now) {
  std::lock_guard tree_lock(tree_mu_);
  auto committed = committed_size();
  if (!committed) return committed.error();
  Source source(*store_, tenant_);
  audit::MerkleTree tree(source, cache_);
  auto root = checked(tree.root(*committed), source, "checkpoint root");
  if (!root) return root.error();
  store::Checkpoint cp;
  cp.tenant = tenant_;
  cp.tree_size = static_cast<std::int64_t>(*committed);
  cp.root_hash = *root;
  cp.timestamp_ms = now;
  if (auto st = signer_->sign(cp); !st) return st;
  if (auto st = store_->add_checkpoint(cp); !st && !store::has_code(st.error(), store::Errc::kConflict)) {
    return from_store(st.error(), "checkpoint");
  }
  std::lock_guard lock(mu_);
  checkpoint_size_ = std::max(checkpoint_size_, *committed);
  checkpoint_time_ = now;
  return {};
}

Result<std::uint64_t> TenantLog::size() { return committed_size(); }

Result<store::Checkpoint> TenantLog::latest_checkpoint() {
  auto cp = store_->latest_checkpoint(tenant_);
  if (!cp) return from_store(cp.error(), "latest checkpoint");
  return cp;
}

template <class T, class Fn>
Result<T> TenantLog::over_tree(std::uint64_t size, const char* what, Fn&& fn) {
  auto committed = committed_size();
  if (!committed) return committed.error();
  if (size > *committed) return too_large();
  std::lock_guard lock(tree_mu_);
  Source source(*store_, tenant_);
  audit::MerkleTree tree(source, cache_);
  return checked(fn(tree), source, what);
}

Result<audit::Hash> TenantLog::root(std::uint64_t size) {
  return over_tree<audit::Hash>(size, "root", [&](audit::MerkleTree& t) { return t.root(size); });
}

Result<std::vector<audit::Hash>> TenantLog::inclusion_proof(std::uint64_t index, std::uint64_t size) {
  return over_tree<std::vector<audit::Hash>>(size, "inclusion proof",
                                            [&](audit::MerkleTree& t) { return t.inclusion_proof(index, size); });
}

Result<std::vector<audit::Hash>> TenantLog::consistency_proof(std::uint64_t first, std::uint64_t second) {
  return over_tree<std::vector<audit::Hash>>(second, "consistency proof",
                                            [&](audit::MerkleTree& t) { return t.consistency_proof(first, second); });
}

}  // namespace bw::auditsvc
