// Properties across all scripts: decisions continue through SCRIPT FLUSH (NOSCRIPT
// recovery, single calls and pipelines), a batch of decisions runs in one pipeline, every
// key written carries a TTL, and every call's keys share one hash slot.
#include "bw/counters/replies.hpp"
#include "counters_fixture.hpp"

namespace bw::counters {
namespace {

using test::CountersTest;

class CountersResilience : public CountersTest {};

const FixedWindowLimit kWindow{.limit = 1000, .unit_seconds = 3600};
const GcraLimit kGcra{.rate = 10, .period_ms = 1000, .burst = 1000};  // 100 ms cells
const LockoutPolicy kLockout{.threshold = 3, .window_ms = 60'000, .ban_ms = 60'000};

TEST_F(CountersResilience, DecisionsContinueAfterScriptFlush) {
  wait_for_window_room(3600, 2000);
  int allowed = 0;
  for (int i = 0; i < 10; ++i) {
    if (i == 5) {
      ASSERT_TRUE(conn_.command({"SCRIPT", "FLUSH"}).ok());  // mid-run
    }
    auto w = counters_.fixed_window(conn_, key("flush:w"), kWindow, 1);
    ASSERT_TRUE(w.ok()) << w.error().message;
    allowed += w->allowed ? 1 : 0;
    ASSERT_TRUE(counters_.gcra(conn_, key("flush:g"), kGcra, 1).ok());
    ASSERT_TRUE(counters_.record_failure(conn_, key("flush:l"), kLockout).ok());
  }
  EXPECT_EQ(allowed, 10);
  EXPECT_EQ(conn_.command({"HGET", key("flush:w"), "n"})->as_string(), "10");  // none twice
}

TEST_F(CountersResilience, PipelineRecoversFromNoscriptAndCountsOnce) {
  wait_for_window_room(3600, 2000);
  std::vector<Command> batch;
  for (int i = 0; i < 50; ++i) {
    batch.push_back(counters_.fixed_window_command(key("batch:" + std::to_string(i % 5)),
                                                   kWindow, 1).value());
  }
  batch.push_back(counters_.check_and_record_command(key("batch:once"), 1000).value());
  // Scripts were flushed by SetUp: every EVALSHA first answers NOSCRIPT, then is re-run.
  auto replies = counters_.pipeline(conn_, batch);
  ASSERT_TRUE(replies.ok()) << replies.error().message;
  ASSERT_EQ(replies->size(), batch.size());
  for (int i = 0; i < 50; ++i) {
    auto d = parse_window_decision((*replies)[i]);
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ(d->current, i / 5 + 1);
  }
  EXPECT_TRUE(*parse_check_and_record(replies->back()));
}

TEST_F(CountersResilience, EveryKeyWrittenCarriesATtl) {
  ASSERT_TRUE(counters_.fixed_window(conn_, key("t:w"), kWindow, 1).ok());
  ASSERT_TRUE(counters_.gcra(conn_, key("t:g"), kGcra, 1).ok());
  ASSERT_TRUE(counters_.check_and_record(conn_, key("t:o"), 60'000).ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(counters_.record_failure(conn_, key("t:l"), kLockout).ok());
  }
  auto keys = conn_.command({"KEYS", "*"});
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->as_array().size(), 5u);  // window, gcra, one-time, failures, ban
  for (const auto& k : keys->as_array()) {
    EXPECT_GT(pttl(k.as_string()), 0) << k.as_string();
  }
}

// argv of EVALSHA: EVALSHA sha numkeys key… arg…; of SET: SET key ….
std::vector<std::string> keys_of(const Command& command) {
  if (command[0] == "SET") return {command[1]};
  auto n = static_cast<std::size_t>(std::stoi(command[2]));
  return {command.begin() + 3, command.begin() + 3 + static_cast<std::ptrdiff_t>(n)};
}

TEST_F(CountersResilience, AllKeysOfACallShareOneHashSlot) {
  const std::string prefix = *redis::tagged_key("ip", "203.0.113.9", "lock");
  const std::vector<Command> commands = {
      counters_.fixed_window_command(prefix, kWindow, 1).value(),
      counters_.gcra_command(prefix, kGcra, 1).value(),
      counters_.check_and_record_command(prefix, 10).value(),
      counters_.record_failure_command(prefix, kLockout).value(),
      counters_.lockout_state_command(prefix).value()};
  const auto slot = redis::hash_slot(prefix);
  for (const auto& command : commands) {
    for (const auto& k : keys_of(command)) EXPECT_EQ(redis::hash_slot(k), slot) << k;
  }
  EXPECT_EQ(keys_of(commands[3]).size(), 2u);
}

}  // namespace
}  // namespace bw::counters
