// The command lines of every binary: help, version, configuration errors that name the
// key, refusal to start without TLS material or with an exposed key, and the agent and
// terminal client's own commands.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bw/testing/binaries.hpp"
#include "bw/testing/ports.hpp"
#include "system_fixture.hpp"

namespace bw::testing {
namespace {

using namespace std::chrono_literals;

struct Run {
  ExitStatus status;
  std::string output;
};

Run run(const std::string& binary, std::vector<std::string> args, std::vector<std::string> env = {}) {
  auto path = built_binary(binary);
  EXPECT_TRUE(path) << path.error().message;
  if (!path) return {};
  auto child = ChildProcess::spawn({.program = path->string(), .args = std::move(args), .env = std::move(env)});
  EXPECT_TRUE(child) << child.error().message;
  if (!child) return {};
  auto st = child->wait_exit(20s);
  EXPECT_TRUE(st) << binary << " did not exit: " << child->output();
  return {st ? st.value() : ExitStatus{}, child->output()};
}

class BinaryCli : public SystemFixture {
 protected:
  std::string write_file(const std::string& name, const std::string& text, mode_t mode = 0600) {
    auto dir = TempDir::create("bw-cli-");
    EXPECT_TRUE(dir);
    dirs_.push_back(std::move(dir.value()));
    const auto path = (dirs_.back().path() / name).string();
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }
  std::vector<TempDir> dirs_;
};

const char* kServices[] = {"auth", "relay", "ratelimit", "audit"};

TEST_F(BinaryCli, EveryServiceExplainsItselfAndItsKeys) {
  for (const char* s : kServices) {
    auto r = run(std::string("breakwater-") + s, {"--help"});
    EXPECT_EQ(r.status.code, 0) << s;
    EXPECT_NE(r.output.find("Configuration keys"), std::string::npos) << s;
    EXPECT_NE(r.output.find("BREAKWATER_TLS_CERT_FILE"), std::string::npos) << s;
    auto v = run(std::string("breakwater-") + s, {"--version"});
    EXPECT_EQ(v.status.code, 0);
    EXPECT_NE(v.output.find("breakwater-" + std::string(s) + " "), std::string::npos);
  }
}

TEST_F(BinaryCli, UnknownArgumentIsAUsageError) {
  auto r = run("breakwater-auth", {"--port", "80"});
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.output.find("unknown argument '--port'"), std::string::npos) << r.output;
}

TEST_F(BinaryCli, UnknownKeyInTheFileNamesTheKeyAndLine) {
  const auto cfg = write_file("auth.yaml", "server:\n  grpc_listen: 127.0.0.1:1\n  grpc_listne: x\n");
  auto r = run("breakwater-auth", {"--config", cfg});
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.output.find("server.grpc_listne"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(cfg + ":3"), std::string::npos) << r.output;
}

TEST_F(BinaryCli, EnvironmentTypoAndBadTypeAreRejected) {
  auto r = run("breakwater-audit", {"--check-config"}, {"BREAKWATER_TLS_CERTFILE=/x"});
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.output.find("BREAKWATER_TLS_CERTFILE"), std::string::npos) << r.output;
  r = run("breakwater-audit", {"--check-config"}, {"BREAKWATER_SERVER_DRAIN_TIMEOUT=forever"});
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.output.find("server.drain_timeout"), std::string::npos) << r.output;
}

TEST_F(BinaryCli, CheckConfigAcceptsAValidFile) {
  const auto cfg = write_file("ok.yaml", "log:\n  level: debug\ntls:\n  cert_file: " + pki("ratelimit.pem") +
                                             "\n  key_file: " + pki("ratelimit-key.pem") + "\n  ca_file: " + ca_file() + "\n");
  auto r = run("breakwater-ratelimit", {"--config", cfg, "--check-config"});
  EXPECT_EQ(r.status.code, 0) << r.output;
}

TEST_F(BinaryCli, ShippedExampleConfigurationsAreValid) {
  const std::string src = std::getenv("BW_SOURCE_DIR");
  const auto password = write_file("redis-password", "example-password\n", 0600);
  for (const char* s : kServices) {
    const std::string name = s;
    // The example names pod paths; point the files at this suite's certificates.
    auto r = run("breakwater-" + name,
                 {"--config", src + "/services/" + name + "/config/" + name + ".yaml", "--check-config"},
                 {"BREAKWATER_TLS_CERT_FILE=" + pki(name + ".pem"), "BREAKWATER_TLS_KEY_FILE=" + pki(name + "-key.pem"),
                  "BREAKWATER_TLS_CA_FILE=" + ca_file(), "BREAKWATER_REDIS_PASSWORD_FILE=" + password});
    EXPECT_EQ(r.status.code, 0) << name << ": " << r.output;
  }
}

TEST_F(BinaryCli, ADirectoryAsConfigFileIsRefused) {
  auto dir = TempDir::create("bw-cli-dir-");
  ASSERT_TRUE(dir);
  auto r = run("breakwater-audit", {"--config", dir->path().string(), "--check-config"});
  EXPECT_EQ(r.status.code, 2) << r.output;
  EXPECT_NE(r.output.find("not a regular file"), std::string::npos) << r.output;
}

TEST_F(BinaryCli, RefusesToStartWithoutTlsMaterial) {
  auto r = run("breakwater-auth", {}, {"BREAKWATER_SERVER_GRPC_LISTEN=127.0.0.1:" + std::to_string(free_loopback_port())});
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.output.find("tls.cert_file"), std::string::npos) << r.output;
}

TEST_F(BinaryCli, PlaintextCannotClaimToRequireClientCertificates) {
  auto r = run("breakwater-audit", {"--check-config"}, {"BREAKWATER_TLS_PLAINTEXT=true", "BREAKWATER_OPS_PLAINTEXT=true"});
  EXPECT_EQ(r.status.code, 2) << r.output;
  EXPECT_NE(r.output.find("tls.client_auth: none"), std::string::npos) << r.output;
  r = run("breakwater-audit", {"--check-config"},
          {"BREAKWATER_TLS_PLAINTEXT=true", "BREAKWATER_OPS_PLAINTEXT=true", "BREAKWATER_TLS_CLIENT_AUTH=none"});
  EXPECT_EQ(r.status.code, 0) << r.output;
}

TEST_F(BinaryCli, RedisPasswordFileMustBePrivateAndNotEmpty) {
  const auto tls_env = service_env("relay", free_loopback_port(), free_loopback_port());
  auto with = [&](const std::string& file) {
    auto env = tls_env;
    env.push_back("BREAKWATER_REDIS_PASSWORD=");
    env.push_back("BREAKWATER_REDIS_PASSWORD_FILE=" + file);
    return run("breakwater-relay", {"--check-config"}, env);
  };
  auto exposed = with(write_file("pw", "hunter2hunter2\n", 0644));
  EXPECT_EQ(exposed.status.code, 2);
  EXPECT_NE(exposed.output.find("chmod 600"), std::string::npos) << exposed.output;
  EXPECT_EQ(exposed.output.find("hunter2"), std::string::npos) << "password in the output";
  auto empty = with(write_file("pw-empty", "\n", 0600));
  EXPECT_EQ(empty.status.code, 2);
  EXPECT_NE(empty.output.find("holds no password"), std::string::npos) << empty.output;
  auto missing = with("/nonexistent/pw");
  EXPECT_EQ(missing.status.code, 2);
  auto good = with(write_file("pw-good", "hunter2hunter2\n", 0600));
  EXPECT_EQ(good.status.code, 0) << good.output;
}

TEST_F(BinaryCli, RefusesAWorldReadablePrivateKey) {
  std::ifstream in(pki("auth-key.pem"));
  std::stringstream key;
  key << in.rdbuf();
  const auto exposed = write_file("exposed-key.pem", key.str(), 0644);
  auto env = service_env("auth", free_loopback_port(), free_loopback_port());
  env.push_back("BREAKWATER_TLS_KEY_FILE=" + exposed);
  auto r = run("breakwater-auth", {}, env);
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.output.find("chmod 600"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("PRIVATE KEY"), std::string::npos) << "key material in the output";
}

TEST_F(BinaryCli, ATakenPortIsAStartFailure) {
  auto first = start_service("audit");
  ASSERT_TRUE(first) << first.error().message;
  auto r = run("breakwater-audit", {}, service_env("audit", first->grpc_port, free_loopback_port()));
  EXPECT_EQ(r.status.code, 1) << r.output;
  EXPECT_NE(r.output.find("start failed"), std::string::npos);
}

TEST_F(BinaryCli, AgentChecksItsPrivateStateFolder) {
  auto dir = TempDir::create("bw-agent-");
  ASSERT_TRUE(dir);
  const auto state = (dir->path() / "state").string();
  auto ok = run("breakwater-agent", {"check"}, {"BREAKWATER_AGENT_STATE_DIR=" + state});
  EXPECT_EQ(ok.status.code, 0) << ok.output;
  ::chmod(state.c_str(), 0755);
  auto loose = run("breakwater-agent", {"check"}, {"BREAKWATER_AGENT_STATE_DIR=" + state});
  EXPECT_EQ(loose.status.code, 1);
  EXPECT_NE(loose.output.find("accessible by other users"), std::string::npos) << loose.output;
}

TEST_F(BinaryCli, AgentRunRefusesClearlyWhenNotSignedIn) {
  // `run` needs the identity `login` stores; without one it says what to do and exits 1
  // (running with a relay is tested in agent_relay_system_test).
  auto dir = TempDir::create("bw-agent-");
  ASSERT_TRUE(dir);
  auto r = run("breakwater-agent", {"run"}, {"BREAKWATER_AGENT_STATE_DIR=" + (dir->path() / "s").string()});
  EXPECT_EQ(r.status.code, 1) << r.output;
  EXPECT_NE(r.output.find("breakwater-agent login"), std::string::npos) << r.output;
}

TEST_F(BinaryCli, HealthCommandReportsServingAndUnreachable) {
  auto svc = start_service("ratelimit");
  ASSERT_TRUE(svc) << svc.error().message;
  const auto tls = operator_tls();
  std::vector<std::string> args = {"health", "127.0.0.1:" + std::to_string(svc->grpc_port), "--ca", tls.ca_file,
                                   "--cert", tls.cert_file, "--key", tls.key_file, "--server-name", "localhost"};
  auto up = run("breakwater", args);
  EXPECT_EQ(up.status.code, 0) << up.output;
  EXPECT_NE(up.output.find("SERVING"), std::string::npos);
  args[1] = "127.0.0.1:" + std::to_string(free_loopback_port());
  auto down = run("breakwater", args);
  EXPECT_EQ(down.status.code, 1) << down.output;
  EXPECT_NE(down.output.find("UNREACHABLE"), std::string::npos);
  EXPECT_EQ(run("breakwater", {}).status.code, 2);
  EXPECT_EQ(run("breakwater", {"frobnicate"}).status.code, 2);
  EXPECT_EQ(run("breakwater", {"health", "--help"}).status.code, 0);
}

TEST_F(BinaryCli, ClientChecksItsConfigurationBeforeAnyCommand) {
  const auto bad = write_file("client.yaml", "client:\n  relay_adress: x\n");
  auto r = run("breakwater", {"--config", bad, "health", "127.0.0.1:1", "--plaintext"});
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.output.find("client.relay_adress"), std::string::npos) << r.output;
  auto help = run("breakwater", {"help"});
  EXPECT_EQ(help.status.code, 0);
  EXPECT_NE(help.output.find("BREAKWATER_CLIENT_RELAY_ADDRESS"), std::string::npos);
}

}  // namespace
}  // namespace bw::testing
