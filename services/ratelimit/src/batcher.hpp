// Batcher: concurrent callers' counter commands coalesced into one pipeline per Redis round
// trip, on at most `connections` pooled connections at once.
//
// Design (leader/follower, no extra threads): a caller queues its commands; if a connection
// slot is free it becomes the leader, takes every queued job up to max_batch_commands
// (its own and those of callers waiting behind it), runs them as ONE
// counters::Counters::pipeline (so NOSCRIPT recovery covers the merged batch), hands each
// job its replies and wakes it. While every slot is busy, callers wait; the first waiting
// caller leads the next round as soon as a slot frees. A lone caller therefore pays no
// thread hand-off, and under load the batch grows with the queue.
//
// Guarantees:
//  - Each caller gets exactly its own replies, in its commands' order (per-command error
//    replies stay in place, as Counters::pipeline keeps them).
//  - A transport error (kConnect, kTimeout, kConnectionLost, ...) fails every job of that
//    batch with that error; the outcome of those commands is unknown, and nothing is resent.
//  - Bounded: at most max_queued_jobs jobs wait; more are refused at once with
//    kPoolExhausted ("batch queue full"). A job not taken by a leader before `wait` has
//    passed is withdrawn and fails with kPoolExhausted; a job already taken waits for its
//    round trip, which the connection's own timeouts bound.
// Thread-safe. The Batcher must outlive every run() call.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "bw/counters/counters.hpp"
#include "bw/redis/pool.hpp"
#include "bw/redis/reply.hpp"
#include "bw/result.hpp"

namespace bw::ratelimit {

struct BatcherOptions {
  std::size_t connections = 0;            // 0: the pool's size
  std::size_t max_batch_commands = 512;   // per pipeline (one job is never split)
  std::size_t max_queued_jobs = 4096;
  std::chrono::milliseconds wait{500};    // to be taken by a leader
};

class Batcher {
 public:
  Batcher(std::shared_ptr<redis::Pool> pool, const counters::Counters& counters, BatcherOptions options = {});

  // Runs `commands` in some pipeline and returns their replies in order (none: no trip).
  Result<std::vector<redis::Reply>> run(const std::vector<counters::Command>& commands);

  // Round trips made so far, and jobs they carried (their ratio is the mean batch size).
  std::uint64_t round_trips() const;
  std::uint64_t jobs_done() const;

 private:
  struct Job;
  void lead(std::unique_lock<std::mutex>& lock);
  Result<std::vector<redis::Reply>> round_trip(const std::vector<Job*>& batch);

  std::shared_ptr<redis::Pool> pool_;
  const counters::Counters& counters_;
  BatcherOptions options_;
  mutable std::mutex mu_;
  std::deque<Job*> queue_;   // jobs not yet taken, oldest first; guarded by mu_
  std::size_t free_slots_;   // connections no leader holds; guarded by mu_
  std::uint64_t round_trips_ = 0;
  std::uint64_t jobs_done_ = 0;
};

}  // namespace bw::ratelimit
