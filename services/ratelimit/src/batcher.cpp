// Leader/follower batching of counter commands (see batcher.hpp).
#include "batcher.hpp"

#include <algorithm>

#include "bw/redis/errors.hpp"

namespace bw::ratelimit {

struct Batcher::Job {
  const std::vector<counters::Command>* commands = nullptr;
  std::condition_variable wake;
  bool taken = false;  // a leader has it: it may no longer leave the queue
  bool done = false;
  Result<std::vector<redis::Reply>> result{Error{}};
};

Batcher::Batcher(std::shared_ptr<redis::Pool> pool, const counters::Counters& counters, BatcherOptions options)
    : pool_(std::move(pool)),
      counters_(counters),
      options_(options),
      free_slots_(options.connections ? std::min(options.connections, pool_->size()) : pool_->size()) {}

Result<std::vector<redis::Reply>> Batcher::run(const std::vector<counters::Command>& commands) {
  if (commands.empty()) return std::vector<redis::Reply>{};
  Job job;
  job.commands = &commands;
  const auto deadline = std::chrono::steady_clock::now() + options_.wait;
  std::unique_lock lock(mu_);
  if (queue_.size() >= options_.max_queued_jobs)
    return redis::make_error(redis::Errc::kPoolExhausted, "batch queue full");
  queue_.push_back(&job);
  while (!job.done) {
    if (!job.taken && free_slots_ > 0) {
      lead(lock);
      continue;
    }
    if (job.taken) {
      job.wake.wait(lock);  // our round trip is under way: its timeouts bound it
    } else if (job.wake.wait_until(lock, deadline) == std::cv_status::timeout && !job.taken && !job.done) {
      queue_.erase(std::find(queue_.begin(), queue_.end(), &job));
      return redis::make_error(redis::Errc::kPoolExhausted, "no Redis connection free in time");
    }
  }
  return std::move(job.result);
}

void Batcher::lead(std::unique_lock<std::mutex>& lock) {
  --free_slots_;
  std::vector<Job*> batch;
  std::size_t commands = 0;
  while (!queue_.empty()) {
    Job* next = queue_.front();
    if (!batch.empty() && commands + next->commands->size() > options_.max_batch_commands) break;
    queue_.pop_front();
    next->taken = true;
    commands += next->commands->size();
    batch.push_back(next);
  }
  lock.unlock();
  auto replies = round_trip(batch);
  lock.lock();
  std::size_t at = 0;
  for (Job* j : batch) {
    if (replies) {
      const auto n = j->commands->size();
      j->result = std::vector<redis::Reply>(std::make_move_iterator(replies->begin() + static_cast<std::ptrdiff_t>(at)),
                                            std::make_move_iterator(replies->begin() + static_cast<std::ptrdiff_t>(at + n)));
      at += n;
    } else {
      j->result = replies.error();
    }
    j->done = true;
    j->wake.notify_one();
  }
  ++round_trips_;
  jobs_done_ += batch.size();
  ++free_slots_;
  if (!queue_.empty()) queue_.front()->wake.notify_one();  // it leads the next round
}

Result<std::vector<redis::Reply>> Batcher::round_trip(const std::vector<Job*>& batch) {
  std::vector<counters::Command> merged;
  if (batch.size() > 1) {
    for (const Job* j : batch) merged.insert(merged.end(), j->commands->begin(), j->commands->end());
  }
  const auto& commands = batch.size() > 1 ? merged : *batch.front()->commands;
  auto lease = pool_->checkout(options_.wait);
  if (!lease) return lease.error();
  auto replies = counters_.pipeline(*lease.value(), commands);
  if (replies && replies->size() != commands.size())
    return redis::make_error(redis::Errc::kProtocol, "pipeline returned the wrong number of replies");
  return replies;
}

std::uint64_t Batcher::round_trips() const {
  std::lock_guard lock(mu_);
  return round_trips_;
}

std::uint64_t Batcher::jobs_done() const {
  std::lock_guard lock(mu_);
  return jobs_done_;
}

}  // namespace bw::ratelimit
