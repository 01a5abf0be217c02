// Agent and terminal client against the real breakwater-auth (+ ratelimit, Redis): the real
// `breakwater-agent login` (device grant approved by the test through the API),
// `breakwater login` (password on stdin), `breakwater-agent pair` and `breakwater pair`
// exchanging their proofs through the TEST-ONLY folder transport, the agent's user typing
// the SAS (through a FIFO on the agent's stdin). Ends with both sides' e2e state sealing and
// opening messages both ways; a wrong SAS pairs nothing and revokes the claim; unpair
// erases the keys.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "text_helpers.hpp"
#include "api_https_client.hpp"
#include "auth_system_support.hpp"
#include "bw/authcore/base32.hpp"
#include "bw/authcore/totp.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"
#include "bw/e2e/session.hpp"
#include "bw/testing/binaries.hpp"
#include "file_state_store.hpp"

namespace bw::testing {
namespace {

using namespace std::chrono_literals;
constexpr const char* kIssuer = "https://auth.test.example";
constexpr const char* kPassword = "correct horse battery staple 42";
const std::string kKekHex(64, 'b');

e2e::Id to_id(const std::string& hex) {
  auto b = crypto::hex_decode(hex);
  e2e::Id id{};
  if (b && b->size() == 16) std::copy(b->begin(), b->end(), id.begin());
  return id;
}

class ClientsSystem : public AuthSystemFixture {
 protected:
  static void SetUpTestSuite() {
    SystemFixture::SetUpTestSuite();
    make_suite_dir("bw-clients-sys-", kKekHex);
    if (HasFatalFailure()) return;
    start_ratelimit_and_auth(kIssuer, (dir_->path() / "auth.db").string(), {});
    if (HasFatalFailure()) return;
    slug_ = "pair-" + crypto::hex_encode(crypto::random(4));
    const auto r = post("/v1/signup", {{"tenant", slug_}, {"login", "alice"}, {"email", "alice@example.com"}, {"password", kPassword}});
    ASSERT_EQ(r.status, 201) << r.body;
    agent_dir_ = (dir_->path() / "agent").string();
    client_dir_ = (dir_->path() / "client").string();
    proof_dir_ = (dir_->path() / "proofs").string();
    ::mkdir(proof_dir_.c_str(), 0700);
  }

  static ApiReply post(const std::string& path, const nlohmann::json& body, const std::string& bearer = "") {
    std::vector<std::pair<std::string, std::string>> h;
    if (!bearer.empty()) h.emplace_back("Authorization", "Bearer " + bearer);
    return api_call(port_, ca_file(), "POST", path, body.dump(), h);
  }
  static ApiReply get(const std::string& path, const std::string& bearer) {
    return api_call(port_, ca_file(), "GET", path, "", {{"Authorization", "Bearer " + bearer}});
  }
  static std::string access_token() {
    const auto r = post("/v1/login", {{"tenant", slug_}, {"login", "alice"}, {"password", kPassword}});
    EXPECT_EQ(r.status, 200) << r.body;
    return nlohmann::json::parse(r.body, nullptr, false).value("access_token", "");
  }
  static std::string auth_url() { return "https://localhost:" + std::to_string(port_); }
  static std::vector<std::string> env() {
    return {"BREAKWATER_AGENT_STATE_DIR=" + agent_dir_, "BREAKWATER_HOME=" + client_dir_};
  }
  // A built binary run through sh, so its stdin can come from a pipe or a FIFO.
  static ChildProcess shell(const std::string& binary, const std::string& args, const std::string& stdin_from) {
    auto path = built_binary(binary);
    EXPECT_TRUE(path);
    auto e = env();
    auto child = ChildProcess::spawn({.program = "/bin/sh",
                                      .args = {"-c", "exec " + path->string() + " " + args + " " + stdin_from},
                                      .env = e,
                                      .log_name = binary});
    EXPECT_TRUE(child) << child.error().message;
    return std::move(child).value();
  }
  static int finish(ChildProcess& p, std::chrono::milliseconds timeout = 30s) {
    auto st = p.wait_exit(timeout);
    EXPECT_TRUE(st) << p.output();
    return st ? st->code : -1;
  }

  // Pairs through both binaries; `typed` overrides what the agent's user types (nullopt:
  // the SAS the client shows). Leaves the processes running for the caller to judge.
  struct PairRun {
    ChildProcess agent, client;
  };
  static PairRun pair(std::optional<std::string> typed) {
    const std::string fifo = (dir_->path() / ("sas-" + crypto::hex_encode(crypto::random(4)))).string();
    EXPECT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const int fifo_fd = ::open(fifo.c_str(), O_RDWR);  // keeps the FIFO open for the agent's shell
    auto agent = shell("breakwater-agent", "pair --role viewer --test-proof-dir " + proof_dir_, "< " + fifo);
    EXPECT_TRUE(agent.wait_for_output("Waiting for a claim", 30s)) << agent.output();
    const std::string link = find(slurp(agent.stdout_path()), R"((https://\S+/pair#[A-Za-z0-9_-]+))");
    EXPECT_FALSE(link.empty()) << agent.output();
    // The link through stdin ("-"), as the help recommends: command lines are visible to all.
    auto e = env();
    e.push_back("LINK=" + link);
    auto spawned = ChildProcess::spawn({.program = "/bin/sh",
                                        .args = {"-c", "printf '%s\\n' \"$LINK\" | " + built_binary("breakwater")->string() +
                                                           " pair - --name test-laptop --test-proof-dir " + proof_dir_},
                                        .env = e,
                                        .log_name = "client-pair"});
    EXPECT_TRUE(spawned);
    auto client = std::move(spawned).value();
    EXPECT_TRUE(client.wait_for_output("type this code", 30s)) << client.output();
    const std::string shown = find(slurp(client.stdout_path()), R"(\n    (\d{3} \d{3})\n)");
    EXPECT_EQ(shown.size(), 7u) << client.output();
    EXPECT_TRUE(agent.wait_for_output("type the 6-digit code", 30s)) << agent.output();
    EXPECT_NE(agent.output().find("\"alice\" on device \"test-laptop\""), std::string::npos) << agent.output();
    const std::string line = typed.value_or(shown) + "\n";
    EXPECT_EQ(::write(fifo_fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
    ::close(fifo_fd);
    return {std::move(agent), std::move(client)};
  }

  // The agent's login (device grant approved by the test as alice) and the client's login
  // (password on a pipe), each checked; both leave their files in the suite's folders.
  static void sign_in_both() {
    // --- agent login: the device grant, approved by the test as alice ---
    auto login = shell("breakwater-agent", "login --auth " + auth_url() + " --ca " + ca_file() + " --name test-agent", "< /dev/null");
    ASSERT_TRUE(login.wait_for_output("Waiting for approval", 30s)) << login.output();
    const std::string user_code = find(slurp(login.stdout_path()), R"(enter the code\n  ([A-Z]{4}-[A-Z]{4}))");
    ASSERT_FALSE(user_code.empty()) << login.output();
    const std::string token = access_token();
    const auto lookup = post("/v1/device/lookup", {{"user_code", user_code}}, token);
    ASSERT_EQ(lookup.status, 200) << lookup.body;
    EXPECT_EQ(nlohmann::json::parse(lookup.body).value("device_name", ""), "test-agent");
    ASSERT_EQ(post("/v1/device/approve", {{"user_code", user_code}}, token).status, 204);
    ASSERT_EQ(finish(login), 0) << login.output();
    EXPECT_EQ(login.output().find("bwdt_"), std::string::npos);  // the device token is never printed
    struct stat st {};
    ASSERT_EQ(::stat((agent_dir_ + "/identity.json").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);

    // --- client login: the password from a pipe on stdin (not a terminal) ---
    auto pw_login = ChildProcess::spawn(
        {.program = "/bin/sh",
         .args = {"-c", "printf '%s\\n' \"$PW\" | " + built_binary("breakwater")->string() + " login --auth " + auth_url() +
                            " --ca " + ca_file() + " --user alice --tenant " + slug_},
         .env = [] { auto e = env(); e.push_back("PW=" + std::string(kPassword)); return e; }(),
         .log_name = "cli-login"});
    ASSERT_TRUE(pw_login);
    ASSERT_EQ(finish(*pw_login), 0) << pw_login->output();
    EXPECT_EQ(pw_login->output().find(kPassword), std::string::npos);
    ASSERT_EQ(::stat((client_dir_ + "/session.json").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }

  static inline std::string slug_, agent_dir_, client_dir_, proof_dir_;
};

TEST_F(ClientsSystem, LoginPairAndExchangeSealedMessagesThenUnpair) {
  sign_in_both();
  if (HasFatalFailure()) return;

  // --- pair: both binaries, the right code typed on the agent ---
  auto run = pair(std::nullopt);
  ASSERT_EQ(finish(run.agent), 0) << run.agent.output();
  ASSERT_EQ(finish(run.client), 0) << run.client.output();
  const std::string pairing_hex = find(run.client.output(), R"(Paired: pairing ([0-9a-f]{32}))");
  ASSERT_FALSE(pairing_hex.empty()) << run.client.output();
  EXPECT_NE(run.agent.output().find("Paired: pairing " + pairing_hex), std::string::npos) << run.agent.output();

  // Auth recorded it with the offered role; both devices listed by `breakwater devices`.
  const auto pairings = nlohmann::json::parse(get("/v1/pairings", access_token()).body);
  nlohmann::json entry;
  for (const auto& p : pairings["pairings"]) {
    if (p["pairing_id"] == pairing_hex) entry = p;
  }
  ASSERT_TRUE(entry.is_object()) << pairings.dump();
  EXPECT_EQ(entry["role"], "viewer");
  auto devices = shell("breakwater", "devices", "< /dev/null");
  ASSERT_EQ(finish(devices), 0) << devices.output();
  EXPECT_NE(devices.output().find("test-agent -> test-laptop"), std::string::npos) << devices.output();

  // --- both sides' e2e state seals and opens, both ways ---
  {
    const e2e::Id pid = to_id(pairing_hex), agent_dev = to_id(entry["agent_device_id"]),
                  client_dev = to_id(entry["client_device_id"]);
    auto agent_store = agent::open_file_state_store(agent_dir_);
    auto client_store = agent::open_file_state_store(client_dir_);
    ASSERT_TRUE(agent_store && client_store);
    auto a2c = e2e::Sender::open(**agent_store, pid, e2e::Direction::kAgentToClient, agent_dev, client_dev);
    ASSERT_TRUE(a2c) << a2c.error().message;
    auto env1 = a2c->seal(e2e::Kind::kOutput, as_bytes("from the agent"), 1);
    ASSERT_TRUE(env1);
    auto got1 = e2e::receive(**client_store, env1.value(), pid, e2e::Direction::kAgentToClient);
    ASSERT_TRUE(got1) << got1.error().message;
    EXPECT_EQ(to_string(got1->message.body), "from the agent");
    auto c2a = e2e::Sender::open(**client_store, pid, e2e::Direction::kClientToAgent, client_dev, agent_dev);
    ASSERT_TRUE(c2a) << c2a.error().message;
    auto env2 = c2a->seal(e2e::Kind::kPrompt, as_bytes("from the client"), 1);
    ASSERT_TRUE(env2);
    auto got2 = e2e::receive(**agent_store, env2.value(), pid, e2e::Direction::kClientToAgent);
    ASSERT_TRUE(got2) << got2.error().message;
    EXPECT_EQ(to_string(got2->message.body), "from the client");
  }

  // --- the agent lists and revokes it; its keys are gone ---
  auto list = shell("breakwater-agent", "pairings", "< /dev/null");
  ASSERT_EQ(finish(list), 0) << list.output();
  EXPECT_NE(list.output().find(pairing_hex + "  viewer  live"), std::string::npos) << list.output();
  auto unpair = shell("breakwater-agent", "unpair " + pairing_hex, "< /dev/null");
  ASSERT_EQ(finish(unpair), 0) << unpair.output();
  auto agent_store = agent::open_file_state_store(agent_dir_);
  auto gone = (*agent_store)->load_sender(to_id(pairing_hex), e2e::Direction::kAgentToClient);
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->has_value());
  auto list2 = shell("breakwater-agent", "pairings", "< /dev/null");
  ASSERT_EQ(finish(list2), 0);
  EXPECT_NE(list2.output().find(pairing_hex + "  viewer  revoked"), std::string::npos) << list2.output();
}

TEST_F(ClientsSystem, AWrongCodeOnTheAgentPairsNothingAndRevokesTheClaim) {
  // Uses the first test's logins (same suite folder); run alone, it signs in itself.
  if (::access((agent_dir_ + "/identity.json").c_str(), F_OK) != 0) sign_in_both();
  if (HasFatalFailure()) return;
  auto run = pair(std::string("not-a-code"));
  EXPECT_EQ(finish(run.agent), 1) << run.agent.output();
  EXPECT_NE(run.agent.output().find("does not match"), std::string::npos) << run.agent.output();
  // The client waits for an answer that never comes; stop it.
  run.client.terminate(SIGTERM, 2s);
  const auto pairings = nlohmann::json::parse(get("/v1/pairings", access_token()).body);
  ASSERT_FALSE(pairings["pairings"].empty());
  const auto& last = pairings["pairings"].back();
  EXPECT_FALSE(last["revoked_at"].is_null()) << pairings.dump();
  auto agent_store = agent::open_file_state_store(agent_dir_);
  auto none = (*agent_store)->load_sender(to_id(last["pairing_id"]), e2e::Direction::kAgentToClient);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}


TEST_F(ClientsSystem, MalformedLinksAndMissingTransportAreRefusedClearly) {
  struct Case {
    std::string link, says;
  };
  // Version 2 in the first byte (base64url "Ag…"), a cut-off link, another path, plain http.
  const std::string v2 = "Ag" + std::string(140, 'A');
  for (const auto& c : std::vector<Case>{{"https://app.example.com/pair#" + v2, "version 2"},
                                         {"https://app.example.com/pair#AQAB", "106 bytes"},
                                         {"https://app.example.com/other#" + v2, "/pair"},
                                         {"http://app.example.com/pair#" + v2, "https://"},
                                         {"https://app.example.com/pair", "no #fragment"}}) {
    auto p = shell("breakwater", "pair '" + c.link + "' --test-proof-dir " + proof_dir_, "< /dev/null");
    EXPECT_EQ(finish(p), 2) << c.link;
    EXPECT_NE(p.output().find(c.says), std::string::npos) << p.output();
  }
  // Without the test-only transport and no relay (nothing listens at the default address),
  // the agent stops before asking auth for an offer.
  auto agent = shell("breakwater-agent", "pair", "< /dev/null");
  EXPECT_EQ(finish(agent), 1);
  EXPECT_NE(agent.output().find("cannot reach the relay"), std::string::npos) << agent.output();
  EXPECT_EQ(agent.output().find("Waiting for a claim"), std::string::npos);
}

TEST_F(ClientsSystem, AgentLoginDeniedStopsWithAClearMessageAndStoresNothing) {
  auto dir = TempDir::create("bw-agent-denied-");
  ASSERT_TRUE(dir);
  const std::string state = (dir->path() / "state").string();
  auto login = ChildProcess::spawn({.program = built_binary("breakwater-agent")->string(),
                                    .args = {"login", "--auth", auth_url(), "--ca", ca_file(), "--name", "stranger"},
                                    .env = {"BREAKWATER_AGENT_STATE_DIR=" + state},
                                    .log_name = "agent-denied"});
  ASSERT_TRUE(login);
  ASSERT_TRUE(login->wait_for_output("Waiting for approval", 30s)) << login->output();
  const std::string user_code = find(slurp(login->stdout_path()), R"(enter the code\n  ([A-Z]{4}-[A-Z]{4}))");
  ASSERT_EQ(post("/v1/device/deny", {{"user_code", user_code}}, access_token()).status, 204);
  EXPECT_EQ(finish(*login), 1);
  EXPECT_NE(login->output().find("denied"), std::string::npos) << login->output();
  EXPECT_NE(::access((state + "/identity.json").c_str(), F_OK), 0);
}

TEST_F(ClientsSystem, ClientLoginAsksForTheOneTimeCodeWhenTheAccountUsesIt) {
  const std::string slug = "mfa-" + crypto::hex_encode(crypto::random(4));
  ASSERT_EQ(post("/v1/signup", {{"tenant", slug}, {"login", "bob"}, {"email", "bob@example.com"}, {"password", kPassword}}).status, 201);
  const auto l = post("/v1/login", {{"tenant", slug}, {"login", "bob"}, {"password", kPassword}});
  const std::string token = nlohmann::json::parse(l.body).value("access_token", "");
  const auto enrol = post("/v1/mfa/totp", {{"password", kPassword}}, token);
  ASSERT_EQ(enrol.status, 200) << enrol.body;
  auto secret = authcore::base32_decode(nlohmann::json::parse(enrol.body).value("secret", ""));
  ASSERT_TRUE(secret);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  ASSERT_EQ(post("/v1/mfa/totp/verify", {{"code", authcore::totp(secret->view(), now)}}, token).status, 200);
  // Each code works once: the sign-in uses the next step's (within the ±1 step window).
  const std::string code = authcore::totp(secret->view(), now + 30);
  auto home = TempDir::create("bw-client-mfa-");
  ASSERT_TRUE(home);
  auto run = [&](const std::string& input) {
    auto p = ChildProcess::spawn({.program = "/bin/sh",
                                  .args = {"-c", "printf '%s' \"$INPUT\" | " + built_binary("breakwater")->string() +
                                                     " login --auth " + auth_url() + " --ca " + ca_file() +
                                                     " --user bob --tenant " + slug},
                                  .env = {"BREAKWATER_HOME=" + (home->path() / "c").string(), "INPUT=" + input},
                                  .log_name = "cli-mfa"});
    EXPECT_TRUE(p);
    return std::move(p).value();
  };
  auto no_code = run(std::string(kPassword) + "\n");
  EXPECT_EQ(finish(no_code), 1);
  EXPECT_NE(no_code.output().find("no code given"), std::string::npos) << no_code.output();
  auto with_code = run(std::string(kPassword) + "\n" + code + "\n");
  EXPECT_EQ(finish(with_code), 0) << with_code.output();
  EXPECT_NE(with_code.output().find("Signed in as bob"), std::string::npos) << with_code.output();
  EXPECT_EQ(with_code.output().find(code), std::string::npos);
  auto wrong = run("not the password\n");
  EXPECT_EQ(finish(wrong), 1);
  EXPECT_NE(wrong.output().find("wrong login, password or code"), std::string::npos) << wrong.output();
}

}  // namespace
}  // namespace bw::testing
