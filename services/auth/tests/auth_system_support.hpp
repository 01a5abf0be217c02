// How the auth system tests (api_system_test.cpp, ops_cli_system_test.cpp) start the real
// breakwater-auth with its public API: a KEK file the service accepts (owner-only), a
// breakwater-ratelimit whose address lockout stays out of the way of many test logins, and
// the environment that points breakwater-auth at them. Each suite adds its own variables.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bw/testing/ports.hpp"
#include "system_fixture.hpp"

namespace bw::testing {

class AuthSystemFixture : public SystemFixture {
 protected:
  // The suite's processes and folder end with it.
  static void TearDownTestSuite() {
    auth_.reset();
    ratelimit_.reset();
    dir_.reset();
    SystemFixture::TearDownTestSuite();
  }
  // Makes the suite's folder `dir_` (named after `prefix`) with the KEK file `kek_file_`.
  static void make_suite_dir(const std::string& prefix, const std::string& kek_hex) {
    auto dir = TempDir::create(prefix);
    ASSERT_TRUE(dir);
    dir_ = std::make_unique<TempDir>(std::move(dir.value()));
    kek_file_ = write_kek_file(dir_->path(), kek_hex);
  }
  // Starts `ratelimit_`, then `auth_` with its public API on `port_` over `db`;
  // `extra` ("KEY=VALUE") is added to public_auth_env's variables.
  static void start_ratelimit_and_auth(const std::string& issuer, const std::string& db,
                                       const std::vector<std::string>& extra) {
    auto rl = start_lockout_ratelimit();
    ASSERT_TRUE(rl) << rl.error().message;
    ratelimit_ = std::make_unique<RunningService>(std::move(rl.value()));
    port_ = free_loopback_port();
    auto env = public_auth_env(port_, issuer, kek_file_, db, "127.0.0.1:" + std::to_string(ratelimit_->grpc_port));
    env.insert(env.end(), extra.begin(), extra.end());
    auto auth = start_service("auth", std::move(env));
    ASSERT_TRUE(auth) << auth.error().message;
    auth_ = std::make_unique<RunningService>(std::move(auth.value()));
  }
  // Writes `hex` as the KEK file "kek" in `dir`, readable by the owner only; its path.
  static std::string write_kek_file(const std::filesystem::path& dir, const std::string& hex) {
    const std::string path = (dir / "kek").string();
    std::ofstream(path) << hex << "\n";
    std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::replace);
    return path;
  }
  // breakwater-ratelimit with an address lockout threshold no test reaches.
  static Result<RunningService> start_lockout_ratelimit() {
    return start_service("ratelimit", {"BREAKWATER_RATELIMIT_LOCKOUT_ADDRESS_THRESHOLD=100000"});
  }
  // The variables of a breakwater-auth serving its public API on 127.0.0.1:`port`, over the
  // SQLite file `db`, and asking the ratelimit service at `ratelimit` ("host:port").
  static std::vector<std::string> public_auth_env(std::uint16_t port, const std::string& issuer,
                                                  const std::string& kek_file, const std::string& db,
                                                  const std::string& ratelimit) {
    return {"BREAKWATER_AUTH_PUBLIC_LISTEN=127.0.0.1:" + std::to_string(port),
            "BREAKWATER_AUTH_ISSUER=" + issuer,
            "BREAKWATER_AUTH_KEK_FILE=" + kek_file,
            "BREAKWATER_AUTH_SQLITE_PATH=" + db,
            "BREAKWATER_AUTH_RATELIMIT_ADDRESS=" + ratelimit,
            "BREAKWATER_AUTH_RATELIMIT_SERVER_NAME=localhost"};
  }

  static inline std::unique_ptr<TempDir> dir_;
  static inline std::unique_ptr<RunningService> ratelimit_, auth_;
  static inline std::string kek_file_;
  static inline std::uint16_t port_ = 0;  // auth_'s public API
};

}  // namespace bw::testing
