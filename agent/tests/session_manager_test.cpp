// SessionManager's bookkeeping (session/session_manager.hpp) with a stand-in for Claude Code:
// a shell script, since what is checked here is the manager, not the CLI (the real CLI runs
// in session_system_test). The bounds: sessions running at once, ended sessions kept,
// settings files removed, and a stop that never holds its caller.
#include "session/session_manager.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bw/testing/temp_dir.hpp"

namespace bw::agent::session {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Prints Claude Code's init line, then neither reads its input nor gives way to the closed
// stdin: only the SIGTERM that stop() sends after 3 s ends it.
constexpr const char* kStubborn = R"(#!/bin/sh
echo '{"type":"system","subtype":"init","session_id":"0123-abcd"}'
trap 'exit 0' TERM
while :; do sleep 0.1; done
)";
constexpr const char* kQuick = "#!/bin/sh\nexit 0\n";

class Events {
 public:
  void add(const std::string& body) {
    std::lock_guard lock(mu_);
    all_.push_back(nlohmann::json::parse(body, nullptr, false));
    cv_.notify_all();
  }
  // Waits for an EVENT `event` about `session`.
  bool wait_for(const std::string& event, const std::string& session, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      return std::any_of(all_.begin(), all_.end(), [&](const nlohmann::json& j) {
        return j.is_object() && j.value("event", "") == event && j.value("session", "") == session;
      });
    });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<nlohmann::json> all_;
};

class SessionManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = testing::TempDir::create("sessions");
    ASSERT_TRUE(d);
    dir_ = std::make_unique<testing::TempDir>(std::move(d).value());
    root_ = fs::canonical(dir_->path());
    fs::create_directories(root_ / "code" / "app");
    fs::create_directories(root_ / "state");
    fs::permissions(root_ / "state", fs::perms::owner_all);
    settings_.project_roots = {(root_ / "code").string()};
    settings_.agent_binary = "/usr/bin/breakwater-agent";
  }
  std::string script(const char* name, const char* text) {
    const auto p = root_ / name;
    std::ofstream(p) << text;
    fs::permissions(p, fs::perms::owner_all);
    return p.string();
  }
  std::unique_ptr<SessionManager> open() {
    auto m = SessionManager::open(settings_, (root_ / "state").string(), (root_ / "home").string(),
                                  [this](e2e::Kind kind, const std::string& body) {
                                    if (kind == e2e::Kind::kEvent) events_.add(body);
                                  });
    EXPECT_TRUE(m) << m.error().message;
    return m ? std::move(m).value() : nullptr;
  }
  std::size_t settings_files() const {
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(root_ / "state")) {
      if (e.path().filename().string().rfind("session-", 0) == 0) ++n;
    }
    return n;
  }

  std::unique_ptr<testing::TempDir> dir_;
  fs::path root_;
  SessionSettings settings_;
  Events events_;
};

TEST_F(SessionManagerTest, StartsBeyondTheLimitAreRefusedAndStopNeverHoldsTheCaller) {
  settings_.claude_path = script("claude", kStubborn);
  settings_.max_sessions = 2;
  std::ofstream(root_ / "state" / "session-0badc0de.settings.json") << "{}";  // left by a crash
  auto m = open();
  ASSERT_TRUE(m);
  EXPECT_EQ(settings_files(), 0u) << "a crashed run's settings files are removed";

  auto a = m->start((root_ / "code" / "app").string(), std::nullopt);
  auto b = m->start((root_ / "code" / "app").string(), std::nullopt);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(settings_files(), 2u);
  auto c = m->start((root_ / "code" / "app").string(), std::nullopt);
  ASSERT_FALSE(c) << "a third session beyond agent.max_sessions = 2";
  EXPECT_NE(c.error().message.find("agent.max_sessions"), std::string::npos) << c.error().message;

  // The child ignores its closed input; only SIGTERM (after 3 s) ends it. stop() answers at once.
  const auto before = Clock::now();
  ASSERT_TRUE(m->stop(a->id));
  EXPECT_LT(Clock::now() - before, 2s) << "stop must not wait for the 3 s grace period";
  ASSERT_TRUE(events_.wait_for("exited", a->id, 15s));
  const auto listed = m->list();
  const auto it = std::find_if(listed.begin(), listed.end(), [&](const SessionInfo& s) { return s.id == a->id; });
  ASSERT_NE(it, listed.end()) << "an ended session stays listed";
  EXPECT_FALSE(it->running);
  EXPECT_EQ(it->claude_id, "0123-abcd") << "so that it can be resumed";
  EXPECT_EQ(settings_files(), 1u) << "its settings file went with it";

  EXPECT_TRUE(m->start((root_ / "code" / "app").string(), std::nullopt)) << "room again after a stop";
}

TEST_F(SessionManagerTest, EndedSessionsAreForgottenOldestFirst) {
  settings_.claude_path = script("claude", kQuick);
  settings_.max_sessions = 1;
  auto m = open();
  ASSERT_TRUE(m);
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < SessionManager::kKeptEnded + 4; ++i) {
    auto s = m->start((root_ / "code" / "app").string(), std::nullopt);
    ASSERT_TRUE(s) << i << ": " << s.error().message;
    ASSERT_TRUE(events_.wait_for("exited", s->id, 15s)) << i;
    ids.push_back(s->id);
  }
  const auto listed = m->list();
  EXPECT_LE(listed.size(), SessionManager::kKeptEnded + 1);
  const auto has = [&](const std::string& id) {
    return std::any_of(listed.begin(), listed.end(), [&](const SessionInfo& s) { return s.id == id; });
  };
  EXPECT_FALSE(has(ids.front())) << "the oldest ended session is forgotten";
  EXPECT_TRUE(has(ids.back())) << "the newest stays";
  EXPECT_EQ(settings_files(), 0u);
}

}  // namespace
}  // namespace bw::agent::session
