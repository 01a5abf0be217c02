// RedisServer: spawn redis-server, poll it with hiredis until it answers as our process.
#include "bw/testing/redis_server.hpp"

#include <hiredis/hiredis.h>

#include <csignal>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <thread>

#include "bw/testing/errors.hpp"
#include "bw/testing/ports.hpp"

namespace bw::testing {
namespace {

using Clock = std::chrono::steady_clock;

struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextFree>;
using ReplyPtr = std::unique_ptr<redisReply, ReplyFree>;

ReplyPtr run(redisContext* c, const char* fmt, const char* arg = nullptr) {
  void* r = arg != nullptr ? redisCommand(c, fmt, arg) : redisCommand(c, fmt);
  return ReplyPtr(static_cast<redisReply*>(r));
}

// The pid the server at 127.0.0.1:port reports in INFO, or -1 if it does not answer.
pid_t answering_pid(std::uint16_t port, const std::string& password) {
  ContextPtr c(redisConnectWithTimeout("127.0.0.1", port, timeval{0, 200000}));
  if (!c || c->err != 0) return -1;
  redisSetTimeout(c.get(), timeval{0, 100000});  // a miss only costs one more probe
  if (!password.empty()) {
    ReplyPtr auth = run(c.get(), "AUTH %s", password.c_str());
    if (!auth || auth->type == REDIS_REPLY_ERROR) return -1;
  }
  ReplyPtr info = run(c.get(), "INFO server");
  if (!info || info->type != REDIS_REPLY_STRING) return -1;
  std::string_view text(info->str, info->len);
  auto at = text.find("process_id:");
  if (at == std::string_view::npos) return -1;
  std::string digits(text.substr(at + 11, 20));
  return static_cast<pid_t>(std::strtol(digits.c_str(), nullptr, 10));
}

bool is_bind_failure(const std::string& log) {
  return log.find("Address already in use") != std::string::npos ||
         log.find("Could not create server TCP listening socket") != std::string::npos;
}

}  // namespace

Result<RedisServer> RedisServer::start(RedisOptions options) {
  auto dir = TempDir::create("bw-redis-");
  if (!dir) return dir.error();
  RedisServer server(std::move(options), std::move(dir).value());
  Error last = harness_error(HarnessErrc::kStartFailed, "no free port");
  for (int attempt = 0; attempt < server.options_.bind_attempts; ++attempt) {
    server.port_ = free_loopback_port();
    if (server.port_ == 0) return harness_error(HarnessErrc::kSystem, "no free loopback port");
    Status launched = server.launch();
    if (launched) return server;
    last = launched.error();
    if (!server.bind_failed_) break;
  }
  return last;
}

Status RedisServer::launch() {
  ProcessSpec spec;
  spec.program = options_.program;
  spec.args = {"--bind",       "127.0.0.1", "--port",           std::to_string(port_),
               "--save",       "",          "--appendonly",     "no",
               "--protected-mode", "yes",   "--daemonize",      "no",
               "--dir",        dir_.path().string(), "--logfile", ""};
  if (!options_.password.empty()) {
    spec.args.insert(spec.args.end(), {"--requirepass", options_.password});
  }
  spec.args.insert(spec.args.end(), options_.extra_args.begin(), options_.extra_args.end());
  spec.log_dir = dir_.path();
  spec.log_name = "redis";
  // The destructor kills: nothing is persisted, and SIGTERM waits for serverCron (~100 ms).
  spec.stop_signal = SIGKILL;
  auto child = ChildProcess::spawn(std::move(spec));
  if (!child) return child.error();
  process_.emplace(std::move(child).value());
  return await_ready();
}

Status RedisServer::await_ready() {
  bind_failed_ = false;
  auto deadline = Clock::now() + options_.ready_timeout;
  while (Clock::now() < deadline) {
    if (!process_->alive()) {
      bind_failed_ = is_bind_failure(log());
      return harness_error(HarnessErrc::kStartFailed,
                           "redis-server on port " + std::to_string(port_) + " exited (" +
                               process_->exit_status()->describe() + "); log:\n" + log());
    }
    if (answering_pid(port_, options_.password) == process_->pid()) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::string text = log();
  process_.reset();
  return harness_error(HarnessErrc::kTimeout, "redis-server on port " + std::to_string(port_) +
                                                  " did not answer PING in time; log:\n" + text);
}

pid_t RedisServer::pid() const {
  return process_ && !process_->exit_status() ? process_->pid() : -1;
}

bool RedisServer::running() { return process_ && process_->alive(); }

void RedisServer::kill() {
  if (process_) process_->terminate(SIGKILL, std::chrono::seconds(5));
}

void RedisServer::stop() {
  if (process_) process_->terminate(SIGTERM, std::chrono::seconds(5));
}

Status RedisServer::restart() {
  kill();
  Status started;
  for (int attempt = 0; attempt < options_.bind_attempts; ++attempt) {
    started = launch();
    if (started || !bind_failed_) return started;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the port may free up
  }
  return started;
}

Status RedisServer::pause() {
  if (!process_) return harness_error(HarnessErrc::kSystem, "redis-server not running");
  return process_->signal_group(SIGSTOP);
}

Status RedisServer::resume() {
  if (!process_) return harness_error(HarnessErrc::kSystem, "redis-server not running");
  return process_->signal_group(SIGCONT);
}

std::string RedisServer::log() const {
  return read_text_file(dir_.path() / "redis.stdout") +
         read_text_file(dir_.path() / "redis.stderr");
}

}  // namespace bw::testing
