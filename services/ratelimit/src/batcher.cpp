// Counter commands batched onto a few dispatcher threads (see batcher.hpp).
#include "batcher.hpp"

#include <algorithm>
#include <future>

#include "bw/redis/errors.hpp"

namespace bw::ratelimit {

struct Batcher::Job {
  std::vector<counters::Command> commands;
  Done done;
  std::chrono::steady_clock::time_point deadline;
};

Batcher::Batcher(std::shared_ptr<redis::Pool> pool, const counters::Counters& counters, BatcherOptions options)
    : pool_(std::move(pool)), counters_(counters), options_(options) {
  const std::size_t threads = options_.connections ? std::min(options_.connections, pool_->size()) : pool_->size();
  for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i) dispatchers_.emplace_back([this] { dispatch(); });
}

Batcher::~Batcher() { stop(); }

void Batcher::stop() {
  std::deque<std::shared_ptr<Job>> left;
  {
    std::lock_guard lock(mu_);
    if (stopping_ && dispatchers_.empty()) return;
    stopping_ = true;
    left.swap(queue_);
  }
  work_.notify_all();
  for (auto& job : left) job->done(redis::make_error(redis::Errc::kPoolExhausted, "shutting down"));
  for (auto& t : dispatchers_) {
    if (t.joinable()) t.join();
  }
  dispatchers_.clear();
}

void Batcher::submit(std::vector<counters::Command> commands, Done done) {
  enqueue(std::move(commands), std::move(done));
}

std::shared_ptr<Batcher::Job> Batcher::enqueue(std::vector<counters::Command> commands, Done done) {
  if (commands.empty()) {
    done(std::vector<redis::Reply>{});
    return nullptr;
  }
  auto job = std::make_shared<Job>();
  job->commands = std::move(commands);
  job->done = std::move(done);
  job->deadline = std::chrono::steady_clock::now() + options_.wait;
  bool stopping = false;
  {
    std::lock_guard lock(mu_);
    stopping = stopping_;
    if (!stopping && queue_.size() < options_.max_queued_jobs) {
      queue_.push_back(job);
      work_.notify_one();
      return job;
    }
  }
  job->done(redis::make_error(redis::Errc::kPoolExhausted, stopping ? "shutting down" : "batch queue full"));
  return nullptr;
}

Batcher::Replies Batcher::run(const std::vector<counters::Command>& commands) {
  auto promise = std::make_shared<std::promise<Replies>>();
  auto future = promise->get_future();
  auto job = enqueue(commands, [promise](Replies r) { promise->set_value(std::move(r)); });
  if (job && future.wait_for(options_.wait) != std::future_status::ready) {
    // Not answered in time: withdraw the job if no dispatcher took it yet.
    std::unique_lock lock(mu_);
    auto it = std::find(queue_.begin(), queue_.end(), job);
    if (it != queue_.end()) {
      queue_.erase(it);
      lock.unlock();
      job->done(redis::make_error(redis::Errc::kPoolExhausted, "no Redis connection free in time"));
    }
  }
  return future.get();  // taken: its round trip's own timeouts bound the wait
}

std::vector<std::shared_ptr<Batcher::Job>> Batcher::take(std::unique_lock<std::mutex>& lock) {
  std::vector<std::shared_ptr<Job>> batch, expired;
  std::size_t commands = 0;
  const auto now = std::chrono::steady_clock::now();
  while (!queue_.empty()) {
    auto& next = queue_.front();
    if (next->deadline < now) {
      expired.push_back(std::move(next));
      queue_.pop_front();
      continue;
    }
    if (!batch.empty() && commands + next->commands.size() > options_.max_batch_commands) break;
    commands += next->commands.size();
    batch.push_back(std::move(next));
    queue_.pop_front();
  }
  if (!expired.empty()) {
    lock.unlock();
    for (auto& job : expired) job->done(redis::make_error(redis::Errc::kPoolExhausted, "no Redis connection free in time"));
    lock.lock();
  }
  return batch;
}

void Batcher::dispatch() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    auto batch = take(lock);
    if (batch.empty()) continue;
    if (!queue_.empty()) work_.notify_one();  // more work than one batch: wake another dispatcher
    lock.unlock();
    auto replies = round_trip(batch);
    // Counted before any caller is woken: a caller that returns sees its own job counted.
    lock.lock();
    ++round_trips_;
    jobs_done_ += batch.size();
    lock.unlock();
    std::size_t at = 0;
    for (auto& job : batch) {
      if (replies) {
        const auto n = job->commands.size();
        const auto first = replies->begin() + static_cast<std::ptrdiff_t>(at);
        job->done(std::vector<redis::Reply>(std::make_move_iterator(first),
                                            std::make_move_iterator(first + static_cast<std::ptrdiff_t>(n))));
        at += n;
      } else {
        job->done(replies.error());
      }
    }
    lock.lock();
  }
}

Batcher::Replies Batcher::round_trip(const std::vector<std::shared_ptr<Job>>& batch) {
  std::vector<counters::Command> merged;
  if (batch.size() > 1) {
    for (const auto& j : batch) merged.insert(merged.end(), j->commands.begin(), j->commands.end());
  }
  const auto& commands = batch.size() > 1 ? merged : batch.front()->commands;
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
