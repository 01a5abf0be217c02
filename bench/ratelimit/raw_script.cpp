// Raw script baseline (see raw_script.hpp).
#include "raw_script.hpp"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bw/counters/counters.hpp"
#include "bw/counters/replies.hpp"
#include "bw/redis/keys.hpp"

namespace bw::bench {
namespace {

constexpr counters::FixedWindowLimit kLimit{1'000'000'000, 3600, false};

// A key of the service's shape for decision `decision`, descriptor `k`.
std::string raw_key(int decision, int k) {
  char id[33];
  std::snprintf(id, sizeof id, "%016x%016x", static_cast<unsigned>(decision), static_cast<unsigned>(k));
  return redis::tagged_key("rl", id, "w").value();
}

// Commands for `decisions` decisions of `descriptors` descriptors, starting at `first`.
std::vector<counters::Command> commands(const counters::Counters& c, int first, int decisions, int descriptors) {
  std::vector<counters::Command> out;
  for (int d = first; d < first + decisions; ++d) {
    for (int k = 0; k < descriptors; ++k) out.push_back(c.fixed_window_command(raw_key(d, k), kLimit, 1).value());
  }
  return out;
}

// One round trip; the decisions it completed, or 0 if any script call was not admitted.
std::uint64_t round_trip(const counters::Counters& c, redis::Connection& conn,
                         const std::vector<counters::Command>& cmds, int descriptors, std::string& error) {
  auto replies = c.pipeline(conn, cmds);
  if (!replies) {
    error = replies.error().message;
    return 0;
  }
  for (const auto& r : replies.value()) {
    auto w = counters::parse_window_decision(r);
    if (!w || !w->allowed) {
      error = w ? "a script call was not admitted" : w.error().message;
      return 0;
    }
  }
  return cmds.size() / static_cast<std::size_t>(descriptors);
}

struct Worker {
  std::unique_ptr<redis::Connection> conn;
  std::vector<counters::Command> cmds;
};

CellResult run(const redis::ConnectionOptions& redis, int threads, int depth, int descriptors, const Timing& timing) {
  const counters::Counters c;
  std::vector<Worker> workers(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    auto& w = workers[static_cast<std::size_t>(i)];
    w.conn = std::make_unique<redis::Connection>(redis);
    if (auto st = c.load(*w.conn); !st) {
      std::fprintf(stderr, "raw baseline: SCRIPT LOAD failed: %s\n", st.error().message.c_str());
      return {};
    }
    w.cmds = commands(c, i * depth, depth, descriptors);
  }
  return run_threads(threads, timing, [&](int i, std::string& error) {
    auto& w = workers[static_cast<std::size_t>(i)];
    return round_trip(c, *w.conn, w.cmds, descriptors, error);
  });
}

}  // namespace

CellResult run_raw_callers(const redis::ConnectionOptions& redis, int callers, int descriptors, const Timing& timing) {
  return run(redis, callers, 1, descriptors, timing);
}

CellResult run_raw_pipelined(const redis::ConnectionOptions& redis, int connections, int depth, int descriptors,
                             const Timing& timing) {
  return run(redis, connections, depth, descriptors, timing);
}

}  // namespace bw::bench
