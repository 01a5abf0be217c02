// PostgresServer: a real PostgreSQL cluster for one test or suite.
//
// Guarantees:
// - A fresh cluster (initdb, trust auth, superuser "postgres", UTF8, C locale) in its own
//   TempDir, listening only on 127.0.0.1 and a free port; unix sockets in that TempDir;
//   fsync, synchronous_commit and full_page_writes off (a test cluster is disposable).
//   initdb runs once per test process; each cluster starts from a copy of that template.
// - PostgreSQL refuses to run as root: when the test runs as root, initdb, postgres and
//   pg_ctl run as the "postgres" system user in a folder chowned to it; otherwise as us.
// - The postmaster is our direct child (postgres -D ..., not `pg_ctl start`): pg_ctl start
//   setsid()s the server out of our process group, where neither the group kill nor the
//   parent-death signal would reach it if the test crashed.
// - start() returns once the server answers as this cluster (SHOW data_directory) and the
//   database `breakwater_test` (PostgresOptions::database) exists. A bind race moves to a
//   new port, as RedisServer does. Failures carry the server's log.
// - The destructor runs `pg_ctl stop -m fast`, reaps the postmaster (SIGKILL as a backstop)
//   and removes the folder.
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

struct PostgresOptions {
  std::string database = "breakwater_test";     // created after start
  std::vector<std::string> settings;            // extra "name=value", passed as -c
  std::chrono::milliseconds ready_timeout{30000};
  int bind_attempts = 5;
};

class PostgresServer {
 public:
  // initdb + start + CREATE DATABASE. Errors: kNotFound (no PostgreSQL binaries / user),
  // kStartFailed (log attached), kTimeout, kSystem.
  static Result<PostgresServer> start(PostgresOptions options = {});

  PostgresServer(PostgresServer&&) noexcept = default;
  PostgresServer& operator=(PostgresServer&&) noexcept = default;
  ~PostgresServer();  // stop(), then the folder goes

  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }
  const std::string& user() const { return user_; }
  const std::string& database() const { return options_.database; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::filesystem::path data_dir() const { return dir_.path() / "data"; }

  // libpq connection string for database() (or another database on this server).
  std::string conninfo() const { return conninfo_for(options_.database); }
  std::string conninfo_for(const std::string& database) const;

  pid_t pid() const;  // the postmaster's pid, -1 when stopped
  bool running();

  // `pg_ctl stop -m fast`, then reap; SIGKILL if it has not exited within 10 s.
  void stop();

  std::string log() const;

  // CREATE DATABASE `name` (a name the test makes: letters, digits and '_'). Errors:
  // kStartFailed with the server's message.
  Status create_database(const std::string& name);

  // One server for the whole test process, started on first use and kept until it exits
  // (store contract suites make a fresh database in it per test). nullptr if it could not
  // start; `why` then gets the reason.
  static PostgresServer* shared(std::string* why = nullptr);

 private:
  PostgresServer(PostgresOptions options, TempDir dir, std::filesystem::path bindir)
      : options_(std::move(options)), dir_(std::move(dir)), bindir_(std::move(bindir)) {}
  Status init_cluster();
  Status launch();
  Status await_ready();
  Status create_database() { return create_database(options_.database); }
  // A program run as the cluster's user; `name` is a file in bindir_ unless it has a '/'.
  ProcessSpec tool(const std::string& name, std::vector<std::string> args) const;

  PostgresOptions options_;
  TempDir dir_;
  std::filesystem::path bindir_;
  std::string run_as_;  // "postgres" when we are root, else empty
  std::string host_ = "127.0.0.1";
  std::string user_ = "postgres";
  std::uint16_t port_ = 0;
  std::optional<ChildProcess> process_;
  bool bind_failed_ = false;
};

// The folder holding initdb/pg_ctl/postgres: $BW_PG_BINDIR, else `pg_config --bindir`, else
// the newest /usr/lib/postgresql/*/bin. Error kNotFound when none has initdb.
Result<std::filesystem::path> find_postgres_bindir();

}  // namespace bw::testing
