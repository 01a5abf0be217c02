// Rule reloads on SIGHUP and on file change (see rules_watcher.hpp).
#include "rules_watcher.hpp"

#include "bw/config/files.hpp"
#include "bw/log/log.hpp"

namespace bw::ratelimit {
namespace {

// FNV-1a over every file's name and bytes, length-delimited.
std::uint64_t fingerprint(const std::vector<RuleFile>& files) {
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](std::string_view bytes) {
    for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ULL;
    for (std::size_t n = bytes.size(), i = 0; i < 8; ++i, n >>= 8) h = (h ^ (n & 0xff)) * 1099511628211ULL;
  };
  for (const auto& f : files) {
    mix(f.name);
    mix(f.text);
  }
  return h;
}

}  // namespace

Result<RuleFilesSnapshot> read_rule_files(const std::vector<std::string>& paths) {
  RuleFilesSnapshot snap;
  for (const auto& path : paths) {
    auto text = config::read_file(path, kMaxFileBytes);
    if (!text) return Error{text.error().code, "ratelimit.rules_files: " + text.error().message};
    snap.files.push_back(RuleFile{path, std::move(text.value())});
  }
  snap.fingerprint = fingerprint(snap.files);
  return snap;
}

RulesWatcher::RulesWatcher(std::vector<std::string> paths, std::uint64_t loaded, Apply apply,
                           metrics::Factory& metrics)
    : paths_(std::move(paths)),
      apply_(std::move(apply)),
      reloads_(metrics.counter("rules_reloads", "Rule reloads on SIGHUP or file change, by result")),
      last_seen_(loaded) {}

RulesWatcher::~RulesWatcher() { stop(); }

void RulesWatcher::reload(std::string_view trigger) { attempt(trigger, false); }

void RulesWatcher::poll() { attempt("file change", true); }

void RulesWatcher::attempt(std::string_view trigger, bool only_if_changed) {
  std::lock_guard lock(reload_mu_);
  auto snap = read_rule_files(paths_);
  if (snap && only_if_changed && snap->fingerprint == last_seen_) return;
  if (!snap && only_if_changed && last_read_error_ == snap.error().message) return;  // logged already
  last_read_error_ = snap ? std::string() : snap.error().message;
  Result<RuleSet> fresh = snap ? load_rules(snap->files) : Result<RuleSet>(snap.error());
  if (snap) last_seen_ = snap->fingerprint;
  if (!fresh) {  // a bad file never replaces good rules
    reloads_.add({{"result", "rejected"}}).Increment();
    log::error("rules reload rejected; keeping the previous rules",
               {{"trigger", std::string(trigger)}, {"reason", fresh.error().message}});
    return;
  }
  const auto domains = fresh->domain_count();
  apply_(std::make_shared<const RuleSet>(std::move(fresh.value())));
  reloads_.add({{"result", "applied"}}).Increment();
  log::info("rules reloaded", {{"trigger", std::string(trigger)}, {"domains", domains}});
}

void RulesWatcher::start(std::chrono::milliseconds interval) {
  if (interval <= std::chrono::milliseconds::zero() || thread_.joinable()) return;
  thread_ = std::thread([this, interval] {
    std::unique_lock lock(stop_mu_);
    while (!stop_cv_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
      poll();
      lock.lock();
    }
  });
}

void RulesWatcher::stop() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace bw::ratelimit
