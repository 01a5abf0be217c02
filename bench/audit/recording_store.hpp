// RecordingStore: a Store that forwards every call to the real one and records what the
// benchmarks need to build their baselines from the service's own traffic:
//  - append(): transactions and rows, and the first rows appended (a sample of the service's
//    real rows, to insert bare);
//  - leaf_hashes(): the ranges read, so that the proof baseline reads exactly the same leaf
//    hashes straight from the store;
//  - the wall time spent in append, find_events, leaf_hashes and add_checkpoint, to show
//    where a commit's time goes.
// Counting costs a clock read and a mutex per call, the same in every cell.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "store/store.hpp"

namespace bw::bench::audit {

namespace store = bw::audit::store;

class RecordingStore final : public store::Store {
 public:
  explicit RecordingStore(std::shared_ptr<store::Store> inner, std::size_t sample_rows = 1000)
      : inner_(std::move(inner)), sample_rows_(sample_rows) {}

  struct Appends {
    std::uint64_t transactions = 0;
    std::uint64_t rows = 0;
    std::uint64_t checkpoints = 0;
    double append_s = 0, find_s = 0, leaves_s = 0, checkpoint_s = 0;  // wall seconds in each call
  };
  Appends appends() const {
    std::lock_guard lock(mu_);
    return appends_;
  }
  std::vector<store::Entry> sample() const {
    std::lock_guard lock(mu_);
    return sample_;
  }
  // The leaf-hash ranges [begin, end) read since the last call, and forgets them.
  std::vector<std::pair<std::int64_t, std::int64_t>> take_reads() {
    std::lock_guard lock(mu_);
    return std::exchange(reads_, {});
  }

  Status append(std::span<const store::Entry> rows) override {
    const auto t0 = Clock::now();
    auto st = inner_->append(rows);
    add_time(appends_.append_s, t0);
    if (st) {
      std::lock_guard lock(mu_);
      ++appends_.transactions;
      appends_.rows += rows.size();
      for (std::size_t i = 0; i < rows.size() && sample_.size() < sample_rows_; ++i) sample_.push_back(rows[i]);
    }
    return st;
  }
  Result<std::vector<store::Hash>> leaf_hashes(const store::TenantId& t, std::int64_t b, std::int64_t e) override {
    {
      std::lock_guard lock(mu_);
      reads_.emplace_back(b, e);
    }
    const auto t0 = Clock::now();
    auto r = inner_->leaf_hashes(t, b, e);
    add_time(appends_.leaves_s, t0);
    return r;
  }

  Result<std::int64_t> tree_size(const store::TenantId& t) override { return inner_->tree_size(t); }
  Result<std::vector<store::KnownEvent>> find_events(const store::TenantId& t,
                                                     std::span<const store::EventId> ids) override {
    const auto t0 = Clock::now();
    auto r = inner_->find_events(t, ids);
    add_time(appends_.find_s, t0);
    return r;
  }
  Result<store::Entry> entry_at(const store::TenantId& t, std::int64_t i) override { return inner_->entry_at(t, i); }
  Result<store::Entry> entry_by_event_id(const store::TenantId& t, const store::EventId& id) override {
    return inner_->entry_by_event_id(t, id);
  }
  Result<store::EntryPage> query(const store::TenantId& t, const store::EntryQuery& q) override {
    return inner_->query(t, q);
  }
  Result<std::vector<store::TenantSize>> list_tenants() override { return inner_->list_tenants(); }
  Status add_checkpoint(const store::Checkpoint& c) override {
    const auto t0 = Clock::now();
    auto st = inner_->add_checkpoint(c);
    add_time(appends_.checkpoint_s, t0);
    std::lock_guard lock(mu_);
    ++appends_.checkpoints;
    return st;
  }
  Result<store::Checkpoint> latest_checkpoint(const store::TenantId& t) override {
    return inner_->latest_checkpoint(t);
  }
  Result<store::Checkpoint> checkpoint_at(const store::TenantId& t, std::int64_t s) override {
    return inner_->checkpoint_at(t, s);
  }
  Status add_signing_key(const store::SigningKey& k) override { return inner_->add_signing_key(k); }
  Status retire_signing_key(const std::string& id, store::TimeMs at) override {
    return inner_->retire_signing_key(id, at);
  }
  Result<std::vector<store::SigningKey>> list_signing_keys() override { return inner_->list_signing_keys(); }

 private:
  using Clock = std::chrono::steady_clock;
  void add_time(double& into, Clock::time_point t0) {
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    std::lock_guard lock(mu_);
    into += s;
  }

  std::shared_ptr<store::Store> inner_;
  const std::size_t sample_rows_;
  mutable std::mutex mu_;
  Appends appends_;
  std::vector<store::Entry> sample_;
  std::vector<std::pair<std::int64_t, std::int64_t>> reads_;
};

}  // namespace bw::bench::audit
