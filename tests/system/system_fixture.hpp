// Shared set-up for system tests that run the real binaries: a dev PKI made by
// scripts/dev-pki.sh (the same script the local cluster uses), a real redis-server, and
// start_service(), which launches breakwater-<name> on free loopback ports with TLS and
// waits for its "started" log line. Everything is stopped when the fixture ends.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bw/result.hpp"
#include "bw/service/tls.hpp"
#include "bw/testing/child_process.hpp"
#include "bw/testing/redis_server.hpp"
#include "bw/testing/temp_dir.hpp"

namespace bw::testing {

struct RunningService {
  ChildProcess process;
  std::uint16_t grpc_port = 0;
  std::uint16_t ops_port = 0;
};

class SystemFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  // Starts breakwater-<name> with the suite's certificates; extra_env ("KEY=VALUE") is
  // added last, so it can override anything.
  static Result<RunningService> start_service(const std::string& name, std::vector<std::string> extra_env = {});
  // The environment start_service() would use, for tests that spawn by themselves.
  static std::vector<std::string> service_env(const std::string& name, std::uint16_t grpc_port, std::uint16_t ops_port);

  static std::string pki(const std::string& file);  // a path inside the suite's PKI folder
  static std::string ca_file() { return pki("ca.pem"); }
  static service::TlsFiles operator_tls() { return {pki("operator.pem"), pki("operator-key.pem"), ca_file()}; }
  // A second, unrelated CA, for tests that a foreign certificate is refused.
  static Result<std::string> other_ca_file();
  static RedisServer& redis() { return *redis_; }

 private:
  static std::unique_ptr<TempDir> dir_;
  static std::unique_ptr<RedisServer> redis_;
};

// Runs scripts/dev-pki.sh DIR NAMES... Error with the script's exit status on failure.
Status make_dev_pki(const std::string& dir, const std::string& names);

}  // namespace bw::testing
