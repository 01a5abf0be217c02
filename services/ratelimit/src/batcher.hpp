// Batcher: concurrent callers' counter commands coalesced into one pipeline per Redis round
// trip, on a few dispatcher threads, so that many requests share few connections and no
// request holds a thread while Redis answers.
//
// Design: submit() queues a job (its commands and a completion) and returns at once.
// `connections` dispatcher threads each take every queued job up to max_batch_commands,
// check a connection out of the pool, run them as ONE counters::Counters::pipeline (so
// NOSCRIPT recovery covers the merged batch) and call each job's completion with its own
// replies. run() is the blocking form, for callers that have a thread to spare.
//
// Guarantees:
//  - Each job gets exactly its own replies, in its commands' order (per-command error
//    replies stay in place, as Counters::pipeline keeps them), and its completion runs
//    exactly once — on a dispatcher thread, or inline in submit() when the job is refused.
//  - A transport error (kConnect, kTimeout, kConnectionLost, ...) fails every job of that
//    batch with that error; the outcome of those commands is unknown, and nothing is resent.
//  - Bounded: at most max_queued_jobs jobs wait; more are refused at once with
//    kPoolExhausted ("batch queue full"). A job still queued when `wait` has passed is never
//    sent: it fails with kPoolExhausted (run() withdraws it at its deadline; a dispatcher
//    fails expired jobs when it next takes work, which the connections' command timeout
//    bounds). A job already sent waits for its round trip.
//  - Stopping (stop() or the destructor) fails every queued job with kPoolExhausted
//    ("shutting down") and joins the threads after their round trips end.
// Thread-safe. Completions must be quick and must not call run() (they run on a dispatcher).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "bw/counters/counters.hpp"
#include "bw/redis/pool.hpp"
#include "bw/redis/reply.hpp"
#include "bw/result.hpp"

namespace bw::ratelimit {

struct BatcherOptions {
  std::size_t connections = 0;            // dispatcher threads; 0: the pool's size
  std::size_t max_batch_commands = 512;   // per pipeline (one job is never split)
  std::size_t max_queued_jobs = 16384;
  std::chrono::milliseconds wait{500};    // to be sent
};

class Batcher {
 public:
  using Replies = Result<std::vector<redis::Reply>>;
  using Done = std::function<void(Replies)>;

  Batcher(std::shared_ptr<redis::Pool> pool, const counters::Counters& counters, BatcherOptions options = {});
  ~Batcher();
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Queues `commands`; `done` gets their replies in order (none: no trip, called inline).
  void submit(std::vector<counters::Command> commands, Done done);
  // Blocking form of submit().
  Replies run(const std::vector<counters::Command>& commands);
  // Fails what is queued and joins the dispatchers; later submits are refused. Idempotent.
  void stop();

  // Round trips made so far, and jobs they carried (their ratio is the mean batch size).
  std::uint64_t round_trips() const;
  std::uint64_t jobs_done() const;

 private:
  struct Job;
  std::shared_ptr<Job> enqueue(std::vector<counters::Command> commands, Done done);  // null: answered inline
  void dispatch();
  std::vector<std::shared_ptr<Job>> take(std::unique_lock<std::mutex>& lock);
  Replies round_trip(const std::vector<std::shared_ptr<Job>>& batch);

  std::shared_ptr<redis::Pool> pool_;
  const counters::Counters& counters_;
  BatcherOptions options_;
  mutable std::mutex mu_;
  std::condition_variable work_;
  std::deque<std::shared_ptr<Job>> queue_;  // not yet taken, oldest first; guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  std::uint64_t round_trips_ = 0;           // guarded by mu_
  std::uint64_t jobs_done_ = 0;             // guarded by mu_
  std::vector<std::thread> dispatchers_;
};

}  // namespace bw::ratelimit
