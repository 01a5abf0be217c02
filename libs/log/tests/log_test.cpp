#include "bw/log/log.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace bw::log {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    set_service("test");
    set_level(Level::kDebug);
    set_sink([this](std::string_view line) { lines_.emplace_back(line); });
  }
  void TearDown() override {
    reset_sink();
    set_level(Level::kInfo);
  }
  nlohmann::json only_line() {
    EXPECT_EQ(lines_.size(), 1u);
    return nlohmann::json::parse(lines_.at(0));
  }
  std::vector<std::string> lines_;
};

TEST_F(LogTest, WritesOneJsonObjectWithStandardFields) {
  info("started", {{"port", 7001}, {"tls", true}, {"ratio", 0.5}, {"addr", "127.0.0.1"}});
  auto j = only_line();
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["service"], "test");
  EXPECT_EQ(j["event"], "started");
  EXPECT_EQ(j["port"], 7001);
  EXPECT_EQ(j["tls"], true);
  EXPECT_DOUBLE_EQ(j["ratio"].get<double>(), 0.5);
  EXPECT_EQ(j["addr"], "127.0.0.1");
  EXPECT_TRUE(j["ts"].get<std::string>().ends_with("Z"));
}

TEST_F(LogTest, EscapesControlCharactersAndQuotes) {
  info("x", {{"text", std::string_view("a\"b\\c\nd\x01\0e", 10)}});
  auto j = only_line();
  EXPECT_EQ(j["text"], std::string("a\"b\\c\nd\x01\0e", 10));
}

TEST_F(LogTest, DropsLinesBelowTheLevel) {
  set_level(Level::kWarn);
  info("quiet");
  debug("quieter");
  warn("loud");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(lines_[0])["event"], "loud");
}

TEST_F(LogTest, RedactsSecretFieldsWhateverTheirType) {
  info("login", {{"password", "hunter2hunter2"}, {"refresh_token", "abc"}, {"otp", 123456},
                 {"user", "alice"}});
  auto j = only_line();
  EXPECT_EQ(j["password"], "[redacted]");
  EXPECT_EQ(j["refresh_token"], "[redacted]");
  EXPECT_EQ(j["otp"], "[redacted]");
  EXPECT_EQ(j["user"], "alice");
}

TEST_F(LogTest, RedactsCredentialsInsideInnocentFieldsAndTheEvent) {
  info("got bwdt_0123456789abcdef from client",
       {{"note", "header was Bearer abc.def"},
        {"detail", "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"}});
  auto j = only_line();
  EXPECT_EQ(j["event"], "[redacted]");
  EXPECT_EQ(j["note"], "[redacted]");
  EXPECT_EQ(j["detail"], "[redacted]");
}

TEST_F(LogTest, ConcurrentWritersNeverInterleave) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 200; ++i) info("tick", {{"thread", t}, {"i", i}});
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(lines_.size(), 800u);
  for (const auto& line : lines_) EXPECT_TRUE(nlohmann::json::accept(line)) << line;
}

TEST(LogLevel, ParsesKnownNamesOnly) {
  Level l{};
  EXPECT_TRUE(parse_level("warn", l));
  EXPECT_EQ(l, Level::kWarn);
  EXPECT_FALSE(parse_level("WARN", l));
  EXPECT_FALSE(parse_level("verbose", l));
}

}  // namespace
}  // namespace bw::log
