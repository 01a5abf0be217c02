// PostgresServer: initdb, run the postmaster as our child, probe it with libpq.
#include "bw/testing/postgres_server.hpp"

#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "bw/testing/errors.hpp"
#include "bw/testing/ports.hpp"

namespace bw::testing {
namespace {

using Clock = std::chrono::steady_clock;

struct ConnFree {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnFree>;
using ResultPtr = std::unique_ptr<PGresult, ResultFree>;

bool has_initdb(const std::filesystem::path& dir) {
  return !dir.empty() && ::access((dir / "initdb").c_str(), X_OK) == 0;
}

std::filesystem::path newest_debian_bindir() {
  std::error_code ec;
  std::vector<std::filesystem::path> found;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    if (has_initdb(entry.path() / "bin")) found.push_back(entry.path() / "bin");
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return std::atoi(a.parent_path().filename().c_str()) <
           std::atoi(b.parent_path().filename().c_str());
  });
  return found.empty() ? std::filesystem::path() : found.back();
}

// The answer to `query` as text, or "" when the server does not answer it.
std::string query_text(const std::string& conninfo, const char* query) {
  ConnPtr conn(PQconnectdb(conninfo.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) return "";
  ResultPtr res(PQexec(conn.get(), query));
  if (PQresultStatus(res.get()) != PGRES_TUPLES_OK || PQntuples(res.get()) != 1) return "";
  return PQgetvalue(res.get(), 0, 0);
}

bool is_bind_failure(const std::string& log) {
  return log.find("could not bind") != std::string::npos ||
         log.find("Address already in use") != std::string::npos;
}

Status chown_to(const std::filesystem::path& dir, const std::string& user) {
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return harness_error(HarnessErrc::kNotFound, "no such user: " + user);
  }
  if (::chown(dir.c_str(), pw.pw_uid, pw.pw_gid) != 0) {
    return system_error("chown(" + dir.string() + ")");
  }
  return {};
}

}  // namespace

Result<std::filesystem::path> find_postgres_bindir() {
  if (const char* env = std::getenv("BW_PG_BINDIR"); env != nullptr && has_initdb(env)) {
    return std::filesystem::path(env);
  }
  ProcessSpec pg_config;
  pg_config.program = "pg_config";
  pg_config.args = {"--bindir"};
  auto out = run_to_exit(std::move(pg_config), std::chrono::seconds(10));
  if (out) {
    std::filesystem::path dir = out->substr(0, out->find_last_not_of("\r\n") + 1);
    if (has_initdb(dir)) return dir;
  }
  std::filesystem::path debian = newest_debian_bindir();
  if (!debian.empty()) return debian;
  return harness_error(HarnessErrc::kNotFound,
                       "no PostgreSQL server binaries (initdb) found: set BW_PG_BINDIR");
}

Result<PostgresServer> PostgresServer::start(PostgresOptions options) {
  auto bindir = find_postgres_bindir();
  if (!bindir) return bindir.error();
  auto dir = TempDir::create("bw-pg-");
  if (!dir) return dir.error();
  PostgresServer server(std::move(options), std::move(dir).value(), std::move(bindir).value());
  if (::geteuid() == 0) {
    server.run_as_ = "postgres";
    if (Status owned = chown_to(server.dir(), server.run_as_); !owned) return owned.error();
  }
  if (Status init = server.init_cluster(); !init) return init.error();
  Error last = harness_error(HarnessErrc::kStartFailed, "no free port");
  for (int attempt = 0; attempt < server.options_.bind_attempts; ++attempt) {
    server.port_ = free_loopback_port();
    if (server.port_ == 0) return harness_error(HarnessErrc::kSystem, "no free loopback port");
    Status launched = server.launch();
    if (launched) {
      if (Status db = server.create_database(); !db) return db.error();
      return server;
    }
    last = launched.error();
    if (!server.bind_failed_) break;
  }
  return last;
}

PostgresServer::~PostgresServer() { stop(); }

ProcessSpec PostgresServer::tool(const std::string& name, std::vector<std::string> args) const {
  ProcessSpec spec;
  spec.program = name.find('/') == std::string::npos ? (bindir_ / name).string() : name;
  spec.args = std::move(args);
  spec.run_as_user = run_as_;
  spec.working_dir = dir_.path();
  spec.env = {"LC_ALL=C", "PGTZ=UTC"};
  spec.log_dir = dir_.path();
  spec.log_name = std::filesystem::path(name).filename().string();
  return spec;
}

// initdb is the slow step of start() (1–3 s). The first cluster of a test process is
// initialised into a template folder (kept until the process exits); every cluster then
// gets a copy (cp -a as the cluster's user: ~0.2 s).
Status PostgresServer::init_cluster() {
  static std::mutex mutex;
  static std::optional<TempDir> template_dir;
  std::lock_guard lock(mutex);
  if (!template_dir) {
    auto dir = TempDir::create("bw-pg-template-");
    if (!dir) return dir.error();
    if (!run_as_.empty()) {
      if (Status owned = chown_to(dir->path(), run_as_); !owned) return owned.error();
    }
    auto out = run_to_exit(tool("initdb", {"-D", (dir->path() / "data").string(), "-U", user_,
                                           "--auth=trust", "--no-sync", "--encoding=UTF8",
                                           "--locale=C", "--no-instructions"}),
                           std::chrono::seconds(120));
    if (!out) return out.error();
    template_dir.emplace(std::move(dir).value());
  }
  auto copied = run_to_exit(tool("/bin/cp", {"-a", (template_dir->path() / "data").string(),
                                             data_dir().string()}),
                            std::chrono::seconds(60));
  if (!copied) return copied.error();
  return {};
}

Status PostgresServer::launch() {
  ProcessSpec spec = tool("postgres", {"-D", data_dir().string(), "-p", std::to_string(port_),
                                       "-c", "listen_addresses=127.0.0.1",
                                       "-c", "unix_socket_directories=" + dir_.path().string(),
                                       "-c", "fsync=off", "-c", "synchronous_commit=off",
                                       "-c", "full_page_writes=off"});
  for (const auto& setting : options_.settings) spec.args.insert(spec.args.end(), {"-c", setting});
  spec.stop_signal = SIGINT;  // "fast" shutdown, what pg_ctl stop -m fast sends
  spec.kill_grace = std::chrono::seconds(10);
  auto child = ChildProcess::spawn(std::move(spec));
  if (!child) return child.error();
  process_.emplace(std::move(child).value());
  return await_ready();
}

Status PostgresServer::await_ready() {
  bind_failed_ = false;
  std::string admin = conninfo_for("postgres");
  std::string want = data_dir().string();
  auto deadline = Clock::now() + options_.ready_timeout;
  while (Clock::now() < deadline) {
    if (!process_->alive()) {
      bind_failed_ = is_bind_failure(log());
      return harness_error(HarnessErrc::kStartFailed,
                           "postgres on port " + std::to_string(port_) + " exited (" +
                               process_->exit_status()->describe() + "); log:\n" + log());
    }
    if (PQping(admin.c_str()) == PQPING_OK &&
        query_text(admin, "SHOW data_directory") == want) {
      return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::string text = log();
  process_.reset();
  return harness_error(HarnessErrc::kTimeout, "postgres on port " + std::to_string(port_) +
                                                  " did not answer in time; log:\n" + text);
}

PostgresServer* PostgresServer::shared(std::string* why) {
  static std::once_flag once;
  static std::optional<PostgresServer> instance;
  static std::string failure;
  std::call_once(once, [] {
    auto started = start();
    if (started) instance.emplace(std::move(started).value());
    else failure = started.error().message;
  });
  if (!instance && why) *why = failure;
  return instance ? &*instance : nullptr;
}

Status PostgresServer::create_database(const std::string& name) {
  ConnPtr conn(PQconnectdb(conninfo_for("postgres").c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return harness_error(HarnessErrc::kStartFailed,
                         std::string("connect: ") + PQerrorMessage(conn.get()));
  }
  std::string quoted = "\"" + name + "\"";
  ResultPtr res(PQexec(conn.get(), ("CREATE DATABASE " + quoted).c_str()));
  if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
    return harness_error(HarnessErrc::kStartFailed,
                         "CREATE DATABASE: " + std::string(PQerrorMessage(conn.get())));
  }
  return {};
}

std::string PostgresServer::conninfo_for(const std::string& database) const {
  return "host=" + host_ + " port=" + std::to_string(port_) + " user=" + user_ +
         " dbname=" + database + " connect_timeout=5";
}

pid_t PostgresServer::pid() const {
  return process_ && !process_->exit_status() ? process_->pid() : -1;
}

bool PostgresServer::running() { return process_ && process_->alive(); }

void PostgresServer::stop() {
  if (!running()) return;
  auto stopped = run_to_exit(tool("pg_ctl", {"stop", "-D", data_dir().string(), "-m", "fast",
                                             "-w", "-t", "10"}),
                             std::chrono::seconds(15));
  (void)stopped;  // on failure the SIGINT/SIGKILL below still ends it
  process_->terminate(SIGINT, std::chrono::seconds(10));
}

std::string PostgresServer::log() const {
  return read_text_file(dir_.path() / "postgres.stdout") +
         read_text_file(dir_.path() / "postgres.stderr");
}

}  // namespace bw::testing
