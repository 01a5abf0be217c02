// What the rate-limit benchmark runs against when no address is given: a real
// redis-server (bw::testing::RedisServer, with a password as in production) and the real
// breakwater-ratelimit binary from this build, configured as in production — mutual TLS
// under a dev PKI made by scripts/dev-pki.sh, defaults for everything else — with one rule
// that admits everything (domain `bench`, key `tenant`, 1e9 per hour), so every call does
// the full work of an admitted decision. Everything is stopped and removed when the
// LocalService is destroyed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bw/redis/connection.hpp"
#include "bw/result.hpp"
#include "bw/testing/child_process.hpp"
#include "bw/testing/redis_server.hpp"
#include "bw/testing/temp_dir.hpp"
#include "rls_load.hpp"

namespace bw::bench {

struct LocalOptions {
  std::string binary;                  // breakwater-ratelimit
  std::string dev_pki_script;          // scripts/dev-pki.sh
  std::vector<std::string> extra_env;  // KEY=VALUE added to the service's environment last
};

class LocalService {
 public:
  // Errors carry the failing step and, for the service, its output.
  static Result<LocalService> start(const LocalOptions& options);

  const RlsTarget& target() const { return target_; }
  const redis::ConnectionOptions& redis() const { return redis_options_; }
  pid_t service_pid() const { return service_->pid(); }
  pid_t redis_pid() const { return redis_server_->pid(); }

 private:
  LocalService() = default;

  std::optional<testing::TempDir> dir_;
  std::optional<testing::RedisServer> redis_server_;
  std::optional<testing::ChildProcess> service_;
  RlsTarget target_;
  redis::ConnectionOptions redis_options_;
};

}  // namespace bw::bench
