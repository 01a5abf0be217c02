// RedisServer: a real redis-server for one test or suite, on a free 127.0.0.1 port.
//
// Guarantees:
// - Started with --bind 127.0.0.1 --protected-mode yes --save "" --appendonly no, in its own
//   TempDir (removed afterwards), logging to a file in that dir.
// - start() returns only once *our* process answers: the server that answers PING must
//   report our child's pid in INFO, so a stranger that grabbed the port is never mistaken
//   for it. If the port was taken between free_loopback_port() and the server's bind, a new
//   port is chosen (RedisOptions::bind_attempts times).
// - A start that fails returns kStartFailed / kTimeout with the server's log in the message.
// - The destructor SIGKILLs the server (nothing is persisted, and a graceful SIGTERM costs
//   ~100 ms of serverCron per server) and reaps it: nothing keeps running.
// - kill()/restart()/pause()/resume() exist for failure tests; restart() reuses the port so
//   existing clients can reconnect to the same address.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bw/result.hpp"
#include "bw/testing/child_process.hpp"
#include "bw/testing/temp_dir.hpp"

namespace bw::testing {

struct RedisOptions {
  std::string password;                          // non-empty: --requirepass
  std::vector<std::string> extra_args;           // appended to the command line
  std::chrono::milliseconds ready_timeout{10000};
  int bind_attempts = 5;                         // new ports tried when the bind fails
  std::string program = "redis-server";
};

class RedisServer {
 public:
  // Starts the server and waits until it answers. Errors: kStartFailed (log attached),
  // kTimeout (no answer within ready_timeout), kNotFound (no redis-server), kSystem.
  static Result<RedisServer> start(RedisOptions options = {});

  RedisServer(RedisServer&&) noexcept = default;
  RedisServer& operator=(RedisServer&&) noexcept = default;
  ~RedisServer() = default;  // the ChildProcess member kills and reaps the server

  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }
  const std::string& password() const { return options_.password; }
  const std::filesystem::path& dir() const { return dir_.path(); }

  // The server's pid, or -1 when it is not running (after kill()/stop()).
  pid_t pid() const;
  bool running();

  // SIGKILL: the server dies without any goodbye; clients see a reset / EOF.
  void kill();
  // SIGTERM and wait for a clean exit (SIGKILL after 5 s).
  void stop();
  // Stops the server if it runs, then starts it again on the same port and waits until it
  // answers. Data is gone (no persistence). Error as start(), without changing port.
  Status restart();
  // SIGSTOP / SIGCONT: a paused server still completes TCP handshakes (the kernel does that)
  // but never answers — the way to test client timeouts.
  Status pause();
  Status resume();

  // Everything the server has logged so far (all runs, for error messages).
  std::string log() const;

 private:
  RedisServer(RedisOptions options, TempDir dir)
      : options_(std::move(options)), dir_(std::move(dir)) {}
  Status launch();       // spawn on port_ and wait until ready
  Status await_ready();  // kStartFailed with bind_failed_ set when the port was taken

  RedisOptions options_;
  TempDir dir_;
  std::string host_ = "127.0.0.1";
  std::uint16_t port_ = 0;
  std::optional<ChildProcess> process_;
  bool bind_failed_ = false;
};

}  // namespace bw::testing
