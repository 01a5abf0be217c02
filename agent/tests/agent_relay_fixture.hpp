// The fixture of the agent/client system tests through the real relay: auth, ratelimit,
// Redis and two relay pods (relay_system_support.hpp), a signed-up tenant, and helpers that
// run the real binaries (login both sides, pair through the relay). Each including test file
// names its own suite (gtest wants one fixture class per suite name).
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "text_helpers.hpp"
#include "api_https_client.hpp"
#include "bw/testing/binaries.hpp"
#include "bw/crypto/aes_gcm.hpp"
#include "bw/e2e/keys.hpp"
#include "file_state_store.hpp"
#include "pairing_book.hpp"
#include "relay_system_support.hpp"


namespace bw::testing {
namespace {

using namespace std::chrono_literals;
constexpr const char* kPassword = "correct horse battery staple 42";

class AgentRelaySystem : public RelaySystemFixture {
 protected:
  static void SetUpTestSuite() {
    RelaySystemFixture::SetUpTestSuite();
    if (HasFatalFailure()) return;
    slug_ = "relay-" + crypto::hex_encode(crypto::random(4));
    const auto r = post("/v1/signup", {{"tenant", slug_}, {"login", "alice"}, {"email", "alice@example.com"}, {"password", kPassword}});
    ASSERT_EQ(r.status, 201) << r.body;
    agent_dir_ = (dir_->path() / "agent").string();
    client_dir_ = (dir_->path() / "client").string();
  }

  static ApiReply post(const std::string& path, const nlohmann::json& body, const std::string& bearer = "") {
    std::vector<std::pair<std::string, std::string>> h;
    if (!bearer.empty()) h.emplace_back("Authorization", "Bearer " + bearer);
    return api_call(port_, ca_file(), "POST", path, body.dump(), h);
  }
  static std::string user_token() {
    const auto r = post("/v1/login", {{"tenant", slug_}, {"login", "alice"}, {"password", kPassword}});
    EXPECT_EQ(r.status, 200) << r.body;
    return nlohmann::json::parse(r.body, nullptr, false).value("access_token", "");
  }
  static std::string auth_url() { return "https://localhost:" + std::to_string(port_); }
  // The agent talks to pod 0 (gRPC), the client to pod 1 (WebSocket).
  static std::vector<std::string> env() {
    std::vector<std::string> e{"BREAKWATER_AGENT_STATE_DIR=" + agent_dir_,
            "BREAKWATER_AGENT_RELAY_ADDRESS=127.0.0.1:" + std::to_string(pods_[0].service->grpc_port),
            "BREAKWATER_AGENT_RELAY_CA_FILE=" + ca_file(),
            "BREAKWATER_AGENT_RELAY_SERVER_NAME=localhost",
            std::string("BREAKWATER_AGENT_AUTH_ISSUER=") + kIssuer,
            "BREAKWATER_HOME=" + client_dir_,
            "BREAKWATER_CLIENT_RELAY_ADDRESS=localhost:" + std::to_string(pods_[1].ws_port),
            "BREAKWATER_CLIENT_CA_FILE=" + ca_file()};
    // Full allocation stacks in the agent and client processes (the fast unwinder stops in
    // libcrypto, which has no frame pointers), so a leak report names its owner and the
    // third-party suppressions in tests/lsan.supp can match it.
    const char* asan = std::getenv("ASAN_OPTIONS");
    e.push_back(std::string("ASAN_OPTIONS=") + (asan ? std::string(asan) + ":" : "") + "fast_unwind_on_malloc=0");
    e.insert(e.end(), extra_env_.begin(), extra_env_.end());
    return e;
  }
  static ChildProcess shell(const std::string& binary, const std::string& args, const std::string& stdin_from,
                            const std::string& log_name) {
    auto path = built_binary(binary);
    EXPECT_TRUE(path);
    auto child = ChildProcess::spawn({.program = "/bin/sh",
                                      .args = {"-c", "exec " + path->string() + " " + args + " " + stdin_from},
                                      .env = env(),
                                      .log_name = log_name});
    EXPECT_TRUE(child) << child.error().message;
    return std::move(child).value();
  }
  static int finish(ChildProcess& p, std::chrono::milliseconds timeout = 30s) {
    auto st = p.wait_exit(timeout);
    EXPECT_TRUE(st) << p.output();
    return st ? st->code : -1;
  }

  static void login_both() {
    auto login = shell("breakwater-agent", "login --auth " + auth_url() + " --ca " + ca_file() + " --name relay-agent",
                       "< /dev/null", "agent-login");
    ASSERT_TRUE(login.wait_for_output("Waiting for approval", 30s)) << login.output();
    const std::string user_code = find(slurp(login.stdout_path()), R"(enter the code\n  ([A-Z]{4}-[A-Z]{4}))");
    ASSERT_FALSE(user_code.empty()) << login.output();
    ASSERT_EQ(post("/v1/device/approve", {{"user_code", user_code}}, user_token()).status, 204);
    ASSERT_EQ(finish(login), 0) << login.output();
    auto e = env();
    e.push_back("PW=" + std::string(kPassword));
    auto pw = ChildProcess::spawn({.program = "/bin/sh",
                                   .args = {"-c", "printf '%s\\n' \"$PW\" | " + built_binary("breakwater")->string() +
                                                      " login --auth " + auth_url() + " --ca " + ca_file() +
                                                      " --user alice --tenant " + slug_},
                                   .env = e,
                                   .log_name = "cli-login"});
    ASSERT_TRUE(pw);
    ASSERT_EQ(finish(*pw), 0) << pw->output();
  }

  // Pairs the two binaries through the relay; returns the agent device id (hex).
  static std::string pair_through_relay(const std::string& role) {
    const std::string fifo = (dir_->path() / ("sas-" + crypto::hex_encode(crypto::random(4)))).string();
    EXPECT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const int fifo_fd = ::open(fifo.c_str(), O_RDWR);
    auto agent = shell("breakwater-agent", "pair --role " + role, "< " + fifo, "agent-pair");
    EXPECT_TRUE(agent.wait_for_output("Waiting for a claim", 30s)) << agent.output();
    const std::string link = find(slurp(agent.stdout_path()), R"((https://\S+/pair#[A-Za-z0-9_-]+))");
    EXPECT_FALSE(link.empty()) << agent.output();
    auto e = env();
    e.push_back("LINK=" + link);
    auto client = ChildProcess::spawn({.program = "/bin/sh",
                                       .args = {"-c", "printf '%s\\n' \"$LINK\" | " + built_binary("breakwater")->string() +
                                                          " pair - --name relay-laptop"},
                                       .env = e,
                                       .log_name = "client-pair"});
    EXPECT_TRUE(client);
    EXPECT_TRUE(client->wait_for_output("type this code", 30s)) << client->output();
    const std::string shown = find(slurp(client->stdout_path()), R"(\n    (\d{3} \d{3})\n)");
    EXPECT_EQ(shown.size(), 7u) << client->output();
    EXPECT_TRUE(agent.wait_for_output("type the 6-digit code", 30s)) << agent.output();
    const std::string line = shown + "\n";
    EXPECT_EQ(::write(fifo_fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
    ::close(fifo_fd);
    EXPECT_EQ(finish(agent), 0) << agent.output();
    EXPECT_EQ(finish(*client), 0) << client->output();
    return find(client->output(), R"(with agent device ([0-9a-f]{32}))");
  }

  // A fresh pairing with `role` made by the two binaries (signing in first when a test runs
  // alone), then `breakwater-agent run ARGS` on pod A, connected. The client's side of the
  // pairing and its state store are returned for tests that speak the protocol themselves.
  struct Running {
    std::string agent_device;
    agent::BookEntry pairing;
    std::unique_ptr<e2e::StateStore> store;
    std::optional<ChildProcess> run;
  };
  static void pair_and_run(const std::string& role, const std::string& run_args, const std::string& log_name,
                           Running& out) {
    if (::access((agent_dir_ + "/identity.json").c_str(), F_OK) != 0) login_both();
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
    out.agent_device = pair_through_relay(role);
    ASSERT_EQ(out.agent_device.size(), 32u);
    out.run.emplace(shell("breakwater-agent", run_args, "< /dev/null", log_name));
    ASSERT_TRUE(out.run->wait_for_output("relay connected", 30s)) << out.run->output();
    auto book = agent::load_book(client_dir_);
    ASSERT_TRUE(book && !book->empty());
    out.pairing = book->back();
    auto store = agent::open_file_state_store(client_dir_);
    ASSERT_TRUE(store);
    out.store = std::move(store).value();
  }

  // A client pairing's own WebSocket on pod B (as its device), for tests that speak the
  // protocol themselves.
  static std::unique_ptr<relayclient::ClientStream> client_socket(const agent::BookEntry& p, const std::string& token) {
    relayclient::ClientStreamOptions o;
    o.url = ws_url(pods_[1]);
    o.ca_file = ca_file();
    rv1::ClientHello h;
    h.set_access_token(token);
    h.set_device(std::string(p.self_device.begin(), p.self_device.end()));
    h.set_protocol_version(1);
    auto ws = relayclient::ClientStream::open(o, h);
    EXPECT_TRUE(ws) << ws.error().message;
    return ws ? std::move(ws).value() : nullptr;
  }

  static inline std::string slug_, agent_dir_, client_dir_;
  static inline std::vector<std::string> extra_env_;  // a suite's own additions
};

}  // namespace
}  // namespace bw::testing
