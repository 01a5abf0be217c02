// RulesWatcher: reloads `ratelimit.rules_files` on SIGHUP and when their content changes.
//
// Guarantees:
//  - One reload path for both triggers: the files are read (each at most 1 MiB), loaded
//    with load_rules(), and only a good set replaces the rules; a bad file is rejected with
//    its file and line in the log ("rules reload rejected") and the previous rules stay.
//    Every attempt moves breakwater_ratelimit_rules_reloads_total{result=applied|rejected}.
//  - Change detection compares a fingerprint of the bytes read, never timestamps or inodes:
//    paths are re-opened on every poll (symlinks followed), so a Kubernetes ConfigMap
//    update — an atomic swap of the `..data` symlink — is seen like an in-place rewrite.
//    A content that was rejected is not retried until it changes again (one log line per
//    bad edit, not one per interval); likewise a file that cannot be read is reported
//    once until the failure changes or the file reads again.
//  - Reloads never run concurrently (one mutex); a SIGHUP always reloads, even unchanged.
//  - start(interval) polls on its own thread (interval 0: never); stop() wakes and joins it
//    at once and is idempotent; the destructor stops.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bw/metrics/metrics.hpp"
#include "bw/result.hpp"
#include "core/rules.hpp"

namespace bw::ratelimit {

// The files' contents as read, and their fingerprint (not a security digest).
struct RuleFilesSnapshot {
  std::vector<RuleFile> files;
  std::uint64_t fingerprint = 0;
};
Result<RuleFilesSnapshot> read_rule_files(const std::vector<std::string>& paths);

class RulesWatcher {
 public:
  using Apply = std::function<void(std::shared_ptr<const RuleSet>)>;

  // `loaded` is the fingerprint of the rules in force (from the read that loaded them).
  RulesWatcher(std::vector<std::string> paths, std::uint64_t loaded, Apply apply, metrics::Factory& metrics);
  ~RulesWatcher();
  RulesWatcher(const RulesWatcher&) = delete;
  RulesWatcher& operator=(const RulesWatcher&) = delete;

  // Re-reads and applies the files whatever their content (SIGHUP). `trigger` goes in the log.
  void reload(std::string_view trigger);
  // Reloads when the content differs from the last attempt's (the poll step).
  void poll();
  void start(std::chrono::milliseconds interval);
  void stop();

 private:
  void attempt(std::string_view trigger, bool only_if_changed);

  std::vector<std::string> paths_;
  Apply apply_;
  metrics::Family<prometheus::Counter> reloads_;
  std::mutex reload_mu_;
  std::uint64_t last_seen_;  // guarded by reload_mu_
  std::string last_read_error_;  // the last poll's read failure, "" if it read; reload_mu_
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;    // guarded by stop_mu_
  std::thread thread_;
};

}  // namespace bw::ratelimit
