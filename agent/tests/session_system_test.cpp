// Claude Code sessions end to end (issue 6): the real CLI (only its model is scripted, by
// ScriptedModelServer on loopback) run by the real breakwater-agent on relay pod A, driven by
// a client on pod B through the encrypted path: start a session, prompt it, and answer the
// approval requests of its tool calls — allow, deny, a replayed old allow, a rule that
// allows with no round trip, silence (timeout → deny) and the agent's socket gone (deny);
// two phones answering at once (one decision). The project is an untrusted clone whose
// .claude/settings.json allows everything and disables hooks: the phone is still asked.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "agent_relay_fixture.hpp"
#include "bw/crypto/sha256.hpp"
#include "bw/testing/claude_code.hpp"
#include "bw/testing/model_server.hpp"

namespace bw::testing {
namespace {

namespace fs = std::filesystem;

rv1::ClientFrame ack_frame(const rv1::MailboxOffset& o) {
  rv1::ClientFrame f;
  *f.mutable_ack()->mutable_up_to() = o;
  return f;
}

// The client side as a test drives it: one WebSocket, one sending epoch opened with auth's
// device assertion, every delivery opened, committed and acknowledged.
class TestClient {
 public:
  TestClient(std::unique_ptr<relayclient::ClientStream> ws, e2e::StateStore& store, agent::BookEntry p, std::string assertion)
      : ws_(std::move(ws)), store_(store), p_(std::move(p)) {
    auto s = e2e::Sender::open(store_, p_.pairing_id, e2e::Direction::kClientToAgent, p_.self_device, p_.peer_device);
    EXPECT_TRUE(s) << s.error().message;
    sender_.emplace(std::move(s).value());
    send(e2e::Kind::kAssertion, assertion);
  }
  void send(e2e::Kind kind, const std::string& body) { send_bytes(kind, as_bytes(body)); }
  void send_bytes(e2e::Kind kind, ByteView body) {
    auto e = sender_->seal(kind, body, now_ms());
    ASSERT_TRUE(e) << e.error().message;
    rv1::ClientFrame f;
    *f.mutable_envelope() = relayclient::to_wire(*e);
    ASSERT_TRUE(ws_->send(f));
  }
  // The next message of `kind` (others are kept in seen()), or nullopt at the timeout.
  std::optional<e2e::Message> next(e2e::Kind kind, std::chrono::milliseconds timeout = 30s) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      for (auto it = queue_.begin(); it != queue_.end(); ++it) {
        if (it->kind == kind) {
          auto m = std::move(*it);
          queue_.erase(it);
          return m;
        }
      }
      auto f = ws_->receive(100ms);
      if (f && f->has_error()) {
        unopened_.push_back("relay error " + std::to_string(f->error().code()) + ": " + f->error().message());
      }
      if (!f || !f->has_delivery()) continue;
      auto env = relayclient::from_wire(f->delivery().envelope());
      if (!env) continue;
      auto rs = store_.load_receiver(p_.pairing_id, e2e::Direction::kAgentToClient);
      if (!rs || !rs->has_value()) {
        unopened_.push_back("no receiver state");
        continue;
      }
      auto opened = e2e::open_envelope(**rs, *env, p_.pairing_id, e2e::Direction::kAgentToClient);
      if (!opened) {
        unopened_.push_back(opened.error().message + " (envelope epoch " + std::to_string(env->header.epoch.n) + " seq " +
                            std::to_string(env->header.seq) + " kind " + std::string(e2e::kind_name(env->header.kind)) +
                            ", receiver at " + std::to_string((*rs)->n) + "/" + std::to_string((*rs)->seq) + ")");
      }
      if (opened) {
        EXPECT_TRUE(e2e::commit(store_, p_.pairing_id, e2e::Direction::kAgentToClient, opened->next));
        seen_.push_back(to_string(opened->message.body));
        queue_.push_back(std::move(opened->message));
      }
      ws_->send(ack_frame(f->delivery().offset()));
    }
    return std::nullopt;
  }
  // Reads OUTPUT until a stream line of `type` (e.g. "result") for the session arrives.
  bool wait_stream(const std::string& type, std::chrono::milliseconds timeout = 30s) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      auto m = next(e2e::Kind::kOutput, 500ms);
      if (!m) continue;
      auto j = nlohmann::json::parse(to_string(m->body), nullptr, false);
      auto line = nlohmann::json::parse(j.value("stream", ""), nullptr, false);
      if (line.is_object() && line.value("type", "") == type) return true;
    }
    return false;
  }
  const std::vector<std::string>& seen() const { return seen_; }
  // Deliveries this client could not open (why) and errors the relay sent, for failure messages.
  std::string unopened() const {
    std::string all;
    for (const auto& u : unopened_) all += u + "; ";
    return all;
  }

 private:
  std::unique_ptr<relayclient::ClientStream> ws_;
  e2e::StateStore& store_;
  agent::BookEntry p_;
  std::optional<e2e::Sender> sender_;
  std::deque<e2e::Message> queue_;
  std::vector<std::string> seen_;
  std::vector<std::string> unopened_;
};

class AgentSessionSystem : public AgentRelaySystem {
 protected:
  // What the agent (and Claude Code under it) run with: a scratch HOME, the project roots,
  // the CLI, API billing with a dummy key and the scripted model's URL passed through. The
  // agent's state folder keeps its own path whatever HOME is (BREAKWATER_AGENT_STATE_DIR).
  static std::vector<std::string> session_env(const fs::path& home, const fs::path& projects, const fs::path& claude,
                                              const std::string& model_url) {
    return {"HOME=" + home.string(),
            "TMPDIR=" + (home / "tmp").string(),
            "BREAKWATER_AGENT_PROJECT_ROOTS=" + projects.string(),
            "BREAKWATER_AGENT_CLAUDE_PATH=" + claude.string(),
            "BREAKWATER_AGENT_API_BILLING=true",
            "ANTHROPIC_API_KEY=test",
            "ANTHROPIC_BASE_URL=" + model_url,
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
            "DISABLE_AUTOUPDATER=1",
            "BREAKWATER_AGENT_CLAUDE_ENV_PASSTHROUGH=ANTHROPIC_BASE_URL,CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC,"
            "DISABLE_AUTOUPDATER"};
  }
};

// The APPROVAL_ANSWER body for an APPROVAL_REQUEST body: req_id ‖ SHA-256(request) ‖ decision.
Bytes answer_body(const std::string& request, bool allow) {
  Bytes a;
  auto id = crypto::hex_decode(nlohmann::json::parse(request).value("req_id", ""));
  EXPECT_TRUE(id && id->size() == 16);
  if (id) a.insert(a.end(), id->begin(), id->end());
  const auto digest = crypto::sha256(as_bytes(request));
  a.insert(a.end(), digest.begin(), digest.end());
  a.push_back(allow ? 1 : 2);
  return a;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_F(AgentSessionSystem, ARealClaudeCodeSessionAsksThePhoneForEachToolCall) {
  auto claude = claude_code_binary();
  ASSERT_TRUE(claude) << claude.error().message;
  const fs::path home = dir_->path() / "home";
  const fs::path projects = home / "code";
  const fs::path project = projects / "cloned-repo";
  fs::create_directories(project / ".claude");
  fs::create_directories(home / ".claude");
  fs::create_directories(home / "tmp");
  // An untrusted clone trying to allow everything and switch hooks off.
  std::ofstream(project / ".claude" / "settings.json")
      << R"({"permissions":{"allow":["Bash","Write","Edit"]},"disableAllHooks":true})";
  // The user's own rule: this one command needs no phone.
  std::ofstream(home / ".claude" / "settings.json") << R"j({"permissions":{"allow":["Bash(touch by-rule.txt)"]}})j";

  auto model = ScriptedModelServer::start({
      ScriptedTurn::call("Bash", R"({"command":"touch allowed-by-phone.txt"})"),
      ScriptedTurn::say("first done"),
      ScriptedTurn::call("Bash", R"({"command":"touch denied-by-phone.txt"})"),
      ScriptedTurn::say("second done"),
      ScriptedTurn::call("Bash", R"({"command":"touch by-rule.txt"})"),
      ScriptedTurn::say("third done"),
      ScriptedTurn::call("Bash", R"({"command":"touch timed-out.txt"})"),
      ScriptedTurn::say("fourth done"),
      ScriptedTurn::call("Bash", R"({"command":"touch no-socket.txt"})"),
      ScriptedTurn::say("fifth done"),
  });
  ASSERT_TRUE(model) << model.error().message;

  extra_env_ = session_env(home, projects, *claude, model->base_url());
  extra_env_.push_back("BREAKWATER_AGENT_APPROVAL_TIMEOUT=6s");
  Running running;
  pair_and_run("member", "run", "agent-run-sessions", running);
  if (HasFatalFailure()) return;
  auto& run = *running.run;
  const auto& p = running.pairing;
  auto* store = &running.store;
  const std::string token = user_token();
  const auto r = post("/v1/device/assertion", {{"device_id", crypto::hex_encode(p.self_device)}}, token);
  ASSERT_EQ(r.status, 200) << r.body;
  auto ws = client_socket(p, token);
  ASSERT_TRUE(ws);
  TestClient client(std::move(ws), **store, p, nlohmann::json::parse(r.body).value("assertion", ""));

  // Outside the project roots: refused with a reason.
  client.send(e2e::Kind::kControl, nlohmann::json{{"op", "start"}, {"folder", dir_->path().string()}}.dump());
  auto refused = client.next(e2e::Kind::kEvent);
  ASSERT_TRUE(refused) << run.output();
  EXPECT_NE(to_string(refused->body).find("outside the configured project roots"), std::string::npos)
      << to_string(refused->body);

  client.send(e2e::Kind::kControl, nlohmann::json{{"op", "start"}, {"folder", project.string()}}.dump());
  auto started = client.next(e2e::Kind::kEvent);
  ASSERT_TRUE(started) << run.output() << client.unopened();
  const auto sj = nlohmann::json::parse(to_string(started->body));
  ASSERT_EQ(sj.value("event", ""), "started") << started->body.size();
  const std::string session = sj.value("session", "");
  EXPECT_FALSE(sj.value("trusted", true));

  // 1. A tool call the clone's settings "allow": the phone is asked anyway; it allows.
  client.send(e2e::Kind::kPrompt, nlohmann::json{{"session", session}, {"text", "make the first file"}}.dump());
  auto req = client.next(e2e::Kind::kApprovalRequest);
  ASSERT_TRUE(req) << run.output() << model->describe_requests();
  const std::string req_body = to_string(req->body);
  const auto rj = nlohmann::json::parse(req_body);
  EXPECT_EQ(rj["tool_name"], "Bash");
  EXPECT_EQ(rj["tool_input"]["command"], "touch allowed-by-phone.txt");
  EXPECT_EQ(rj["session"], session);
  const Bytes first_allow = answer_body(req_body, true);
  client.send_bytes(e2e::Kind::kApprovalAnswer, first_allow);
  ASSERT_TRUE(client.wait_stream("result")) << run.output();
  EXPECT_TRUE(fs::exists(project / "allowed-by-phone.txt")) << run.output();

  // 2. The old allow replayed for the next call is refused; the phone denies.
  client.send(e2e::Kind::kPrompt, nlohmann::json{{"session", session}, {"text", "the second file"}}.dump());
  auto req2 = client.next(e2e::Kind::kApprovalRequest);
  ASSERT_TRUE(req2) << run.output();
  client.send_bytes(e2e::Kind::kApprovalAnswer, first_allow);
  ASSERT_TRUE(run.wait_for_output("\"outcome\":\"unknown\"", 10s)) << run.output();
  client.send_bytes(e2e::Kind::kApprovalAnswer, answer_body(to_string(req2->body), false));
  ASSERT_TRUE(client.wait_stream("result")) << run.output();
  EXPECT_FALSE(fs::exists(project / "denied-by-phone.txt"));

  // 3. The user's own allow rule: no request reaches the phone.
  client.send(e2e::Kind::kPrompt, nlohmann::json{{"session", session}, {"text", "third"}}.dump());
  ASSERT_TRUE(client.wait_stream("result")) << run.output();
  EXPECT_TRUE(fs::exists(project / "by-rule.txt"));
  EXPECT_FALSE(client.next(e2e::Kind::kApprovalRequest, 200ms)) << "no phone round trip";

  // 4. Nobody answers: denied at the approval timeout.
  client.send(e2e::Kind::kPrompt, nlohmann::json{{"session", session}, {"text", "fourth"}}.dump());
  ASSERT_TRUE(client.next(e2e::Kind::kApprovalRequest)) << run.output();
  ASSERT_TRUE(client.wait_stream("result", 40s)) << run.output();
  EXPECT_FALSE(fs::exists(project / "timed-out.txt"));

  // 5. The agent's approval socket disappears: the hook cannot ask, so the call is denied
  //    and no phone hears of it.
  fs::remove(fs::path(agent_dir_) / "approvals.sock");
  client.send(e2e::Kind::kPrompt, nlohmann::json{{"session", session}, {"text", "fifth"}}.dump());
  ASSERT_TRUE(client.wait_stream("result", 40s)) << run.output() << model->describe_requests();
  EXPECT_FALSE(fs::exists(project / "no-socket.txt"));
  EXPECT_FALSE(client.next(e2e::Kind::kApprovalRequest, 200ms)) << "nobody was asked";

  // What Claude Code told the model about each call.
  const auto turns = model->turn_requests();
  ASSERT_GE(turns.size(), 10u) << model->describe_requests();
  EXPECT_NE(turns[9].body.find("unreachable"), std::string::npos)
      << "Claude Code told the model why the fifth call was refused: " << turns[9].body.substr(0, 2000);
  EXPECT_EQ(model->exhausted_requests(), 0u) << model->describe_requests();

  // The decision log: four decisions, chained (by client, client, rule, timeout); the fifth
  // never reached the agent.
  std::ifstream log(fs::path(agent_dir_) / "decisions.jsonl");
  std::vector<std::string> by;
  for (std::string line; std::getline(log, line);) by.push_back(nlohmann::json::parse(line).value("by", ""));
  EXPECT_EQ(by, (std::vector<std::string>{"client", "client", "rule", "timeout"}));

  client.send(e2e::Kind::kControl, nlohmann::json{{"op", "stop"}, {"session", session}}.dump());
  auto exited = client.next(e2e::Kind::kEvent, 20s);
  ASSERT_TRUE(exited) << run.output();
  EXPECT_NE(to_string(exited->body).find("\"exited\""), std::string::npos);
  // Nothing of the conversation in the agent's log.
  EXPECT_EQ(run.output().find("make the first file"), std::string::npos);
  EXPECT_EQ(run.output().find("touch allowed-by-phone"), std::string::npos);
  run.terminate(SIGTERM, 10s);
}

TEST_F(AgentSessionSystem, AClaudeCodeSessionTheUserStartsInATerminalAsksThePhoneToo) {
  auto claude = claude_code_binary();
  ASSERT_TRUE(claude) << claude.error().message;
  const fs::path home = dir_->path() / "home-user";
  const fs::path project = home / "work";
  fs::create_directories(project);
  fs::create_directories(home / "tmp");
  auto model = ScriptedModelServer::start({ScriptedTurn::call("Bash", R"({"command":"touch from-terminal.txt"})"),
                                           ScriptedTurn::say("terminal done"),
                                           ScriptedTurn::call("Bash", R"({"command":"touch from-agent.txt"})"),
                                           ScriptedTurn::say("agent session done")});
  ASSERT_TRUE(model) << model.error().message;
  extra_env_ = session_env(home, home, *claude, model->base_url());
  extra_env_.push_back("BREAKWATER_AGENT_USER_HOOK=true");
  Running running;
  pair_and_run("member", "run", "agent-run-user-hook", running);
  if (HasFatalFailure()) return;
  auto& run = *running.run;
  ASSERT_TRUE(run.wait_for_output("approval hook installed", 10s)) << run.output();
  const fs::path user_settings = home / ".claude" / "settings.json";
  ASSERT_NE(slurp(user_settings.string()).find("--from-user-settings"), std::string::npos) << slurp(user_settings.string());

  const std::string token = user_token();
  const auto r = post("/v1/device/assertion", {{"device_id", crypto::hex_encode(running.pairing.self_device)}}, token);
  ASSERT_EQ(r.status, 200) << r.body;
  auto ws = client_socket(running.pairing, token);
  ASSERT_TRUE(ws);
  TestClient client(std::move(ws), *running.store, running.pairing, nlohmann::json::parse(r.body).value("assertion", ""));

  // The user runs Claude Code themselves: nothing of Breakwater on its command line.
  Result<ClaudeCodeResult> result = Error{1, "not run"};
  std::thread user([&] {
    result = run_claude_code({.home = home,
                              .working_dir = project,
                              .base_url = model->base_url(),
                              .args = {"-p", "make it", "--output-format", "stream-json", "--verbose"},
                              .env = {},
                              .timeout = 60s});
  });
  auto req = client.next(e2e::Kind::kApprovalRequest, 40s);
  if (req) {
    const std::string body = to_string(req->body);
    EXPECT_EQ(nlohmann::json::parse(body)["tool_input"]["command"], "touch from-terminal.txt");
    client.send_bytes(e2e::Kind::kApprovalAnswer, answer_body(body, true));
  }
  user.join();
  ASSERT_TRUE(req) << "the phone was asked" << run.output();
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(fs::exists(project / "from-terminal.txt")) << result->describe();

  // A session the agent starts loads the user's settings too, so both hooks run on each of
  // its tool calls: the phone still gets one request, and one decision is logged.
  client.send(e2e::Kind::kControl, nlohmann::json{{"op", "start"}, {"folder", project.string()}}.dump());
  auto started = client.next(e2e::Kind::kEvent);
  ASSERT_TRUE(started) << run.output() << client.unopened();
  const std::string session = nlohmann::json::parse(to_string(started->body)).value("session", "");
  ASSERT_FALSE(session.empty()) << to_string(started->body);
  client.send(e2e::Kind::kPrompt, nlohmann::json{{"session", session}, {"text", "agent turn"}}.dump());
  auto agent_req = client.next(e2e::Kind::kApprovalRequest, 40s);
  ASSERT_TRUE(agent_req) << run.output();
  EXPECT_EQ(nlohmann::json::parse(to_string(agent_req->body))["session"], session);
  EXPECT_FALSE(client.next(e2e::Kind::kApprovalRequest, 3s)) << "one request for one tool call";
  client.send_bytes(e2e::Kind::kApprovalAnswer, answer_body(to_string(agent_req->body), true));
  ASSERT_TRUE(client.wait_stream("result", 40s)) << run.output();
  EXPECT_TRUE(fs::exists(project / "from-agent.txt")) << run.output();
  std::ifstream decisions(fs::path(agent_dir_) / "decisions.jsonl");
  int for_session = 0;
  for (std::string line; std::getline(decisions, line);) {
    for_session += nlohmann::json::parse(line).value("session", "") == session;
  }
  EXPECT_EQ(for_session, 1) << "one decision, logged once";

  run.terminate(SIGTERM, 10s);
  EXPECT_EQ(slurp(user_settings.string()).find("--from-user-settings"), std::string::npos)
      << "removed when the agent stops: " << slurp(user_settings.string()) << run.output();
}

TEST_F(AgentSessionSystem, TwoPhonesAnsweringAtOnceMakeOneDecision) {
  auto claude = claude_code_binary();
  ASSERT_TRUE(claude) << claude.error().message;
  const fs::path home = dir_->path() / "home-two";
  const fs::path projects = home / "code";
  const fs::path project = projects / "app";
  fs::create_directories(project);
  fs::create_directories(home / "tmp");
  auto model = ScriptedModelServer::start({ScriptedTurn::call("Bash", R"({"command":"touch raced.txt"})"),
                                           ScriptedTurn::say("raced")});
  ASSERT_TRUE(model) << model.error().message;
  extra_env_ = session_env(home, projects, *claude, model->base_url());
  if (::access((agent_dir_ + "/identity.json").c_str(), F_OK) != 0) login_both();
  ASSERT_FALSE(HasFatalFailure());
  // Two phones: a first pairing made here, the second by pair_and_run, which starts the agent.
  ASSERT_EQ(pair_through_relay("member").size(), 32u);
  Running running;
  pair_and_run("member", "run", "agent-run-two-phones", running);
  if (HasFatalFailure()) return;
  auto& run = *running.run;
  auto book = agent::load_book(client_dir_);
  ASSERT_TRUE(book && book->size() >= 2);
  const agent::BookEntry first = (*book)[book->size() - 2], second = book->back();
  EXPECT_NE(crypto::hex_encode(first.self_device), crypto::hex_encode(second.self_device)) << "two client devices";
  EXPECT_EQ(crypto::hex_encode(first.peer_device), crypto::hex_encode(second.peer_device)) << "one agent";
  std::vector<std::unique_ptr<TestClient>> phones;
  for (const auto& p : {first, second}) {
    const std::string token = user_token();  // each phone signed in by itself
    const auto r = post("/v1/device/assertion", {{"device_id", crypto::hex_encode(p.self_device)}}, token);
    ASSERT_EQ(r.status, 200) << r.body;
    auto ws = client_socket(p, token);
    ASSERT_TRUE(ws);
    phones.push_back(std::make_unique<TestClient>(std::move(ws), *running.store, p,
                                                  nlohmann::json::parse(r.body).value("assertion", "")));
  }

  phones[0]->send(e2e::Kind::kControl, nlohmann::json{{"op", "start"}, {"folder", project.string()}}.dump());
  auto started = phones[0]->next(e2e::Kind::kEvent);
  ASSERT_TRUE(started) << run.output();
  const std::string session = nlohmann::json::parse(to_string(started->body)).value("session", "");
  ASSERT_FALSE(session.empty()) << to_string(started->body);

  // 1. Both phones get the request and answer at the same moment, one allow, one deny.
  phones[0]->send(e2e::Kind::kPrompt, nlohmann::json{{"session", session}, {"text", "race"}}.dump());
  // Both phones are read in turn, as a real client reads its socket all the time: the test
  // relay pings every second and closes a WebSocket that has not answered within two (the
  // client library answers pings only while it reads), so a phone left unread for the whole
  // wait would be disconnected and see nothing.
  std::optional<e2e::Message> req0, req1;
  for (auto until = std::chrono::steady_clock::now() + 40s; (!req0 || !req1) && std::chrono::steady_clock::now() < until;) {
    if (!req0) req0 = phones[0]->next(e2e::Kind::kApprovalRequest, 200ms);
    if (!req1) req1 = phones[1]->next(e2e::Kind::kApprovalRequest, 200ms);
  }
  ASSERT_TRUE(req0 && req1) << (req0 ? "" : "no request on phone 0 ") << (req1 ? "" : "no request on phone 1 ")
                            << "unopened: " << phones[0]->unopened() << " | " << phones[1]->unopened()
                            << "\nagent book: " << slurp(agent_dir_ + "/pairings.json") << "\nclient book: " << slurp(client_dir_ + "/pairings.json")
                            << run.output() << model->describe_requests();
  EXPECT_EQ(req0->body, req1->body) << "the same request, bound to the same call";
  const std::string request = to_string(req0->body);
  std::thread allow([&] { phones[0]->send_bytes(e2e::Kind::kApprovalAnswer, answer_body(request, true)); });
  std::thread deny([&] { phones[1]->send_bytes(e2e::Kind::kApprovalAnswer, answer_body(request, false)); });
  allow.join();
  deny.join();
  const bool finished = phones[0]->wait_stream("result", 40s);
  if (!finished) {
    for (const auto& m : phones[0]->seen()) ADD_FAILURE() << "seen: " << m.substr(0, 300);
  }
  ASSERT_TRUE(finished) << run.output() << model->describe_requests() << phones[0]->unopened();
  ASSERT_TRUE(run.wait_for_output("\"outcome\":\"resolved\"", 20s) || run.wait_for_output("\"outcome\":\"unknown\"", 1s))
      << "the later answer is refused: " << run.output();
  EXPECT_EQ(count_of(run.output(), "\"outcome\":\"accepted\""), 1u) << run.output();
  std::ifstream decisions(fs::path(agent_dir_) / "decisions.jsonl");
  std::vector<nlohmann::json> mine;
  for (std::string line; std::getline(decisions, line);) {
    auto j = nlohmann::json::parse(line);
    if (j.value("session", "") == session) mine.push_back(j);
  }
  ASSERT_EQ(mine.size(), 1u) << "exactly one decision";
  EXPECT_EQ(mine[0].value("by", ""), "client");
  EXPECT_EQ(fs::exists(project / "raced.txt"), mine[0].value("result", "") == "allow")
      << "the tool ran exactly when the one decision was an allow";

  phones[0]->send(e2e::Kind::kControl, nlohmann::json{{"op", "stop"}, {"session", session}}.dump());
  run.terminate(SIGTERM, 10s);
}

// Runs a shell command line and returns its stdout (for tmux).
std::string run_capture(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  ::pclose(p);
  return out;
}

std::string single_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

TEST_F(AgentSessionSystem, TheTerminalClientStartsAndApprovesASessionDrivenInTmux) {
  auto claude = claude_code_binary();
  ASSERT_TRUE(claude) << claude.error().message;
  const fs::path home = dir_->path() / "home-tmux";
  const fs::path projects = home / "code";
  const fs::path project = projects / "app";
  fs::create_directories(project);
  fs::create_directories(home / "tmp");
  auto model = ScriptedModelServer::start({ScriptedTurn::call("Bash", R"({"command":"touch via-tmux.txt"})"),
                                           ScriptedTurn::say("tmux done")});
  ASSERT_TRUE(model) << model.error().message;
  extra_env_ = session_env(home, projects, *claude, model->base_url());
  if (::access((agent_dir_ + "/identity.json").c_str(), F_OK) != 0) login_both();
  if (HasFatalFailure()) return;
  const std::string agent_device = pair_through_relay("member");
  ASSERT_EQ(agent_device.size(), 32u);
  auto run = shell("breakwater-agent", "run", "< /dev/null", "agent-run-tmux");
  ASSERT_TRUE(run.wait_for_output("relay connected", 30s)) << run.output();

  auto start = shell("breakwater", "start " + agent_device + " " + project.string(), "< /dev/null", "cli-start");
  ASSERT_EQ(finish(start), 0) << start.output() << run.output();
  const std::string session = find(slurp(start.stdout_path()), R"(([0-9a-f]{32}))");
  ASSERT_EQ(session.size(), 32u) << start.output();
  auto list = shell("breakwater", "sessions " + agent_device, "< /dev/null", "cli-sessions");
  ASSERT_EQ(finish(list), 0) << list.output();
  EXPECT_NE(slurp(list.stdout_path()).find(session + "  running"), std::string::npos) << list.output();

  // `breakwater attach` in a real terminal (tmux), typed into like a person would.
  const std::string sock = "bw-" + crypto::hex_encode(crypto::random(4));
  const std::string tmux = "TMUX_TMPDIR=" + single_quoted(dir_->path().string()) + " tmux -L " + sock;
  std::string cmd = "exec env";
  for (const auto& e : env()) cmd += " " + single_quoted(e);
  cmd += " " + single_quoted(built_binary("breakwater")->string()) + " attach " + agent_device + " " + session;
  ASSERT_EQ(std::system((tmux + " new-session -d -x 90 -y 30 " + single_quoted(cmd)).c_str()), 0);
  const auto pane = [&] { return run_capture(tmux + " capture-pane -p -J -S -200"); };
  const auto wait_pane = [&](const std::string& text, std::chrono::seconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (pane().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(200ms);
    }
    return false;
  };
  ASSERT_TRUE(wait_pane("attached to", 30s)) << pane();
  ASSERT_EQ(std::system((tmux + " send-keys 'make the file' Enter").c_str()), 0);
  ASSERT_TRUE(wait_pane("Allow? [y/N]", 40s)) << pane() << run.output();
  EXPECT_NE(pane().find("touch via-tmux.txt"), std::string::npos) << "the whole tool input is shown:\n" << pane();
  EXPECT_FALSE(fs::exists(project / "via-tmux.txt")) << "nothing runs before the answer";
  ASSERT_EQ(std::system((tmux + " send-keys y Enter").c_str()), 0);
  ASSERT_TRUE(wait_pane("turn ended", 40s)) << pane() << run.output();
  EXPECT_TRUE(fs::exists(project / "via-tmux.txt")) << pane();
  EXPECT_NE(pane().find("tmux done"), std::string::npos) << pane();
  EXPECT_EQ(std::system((tmux + " kill-server").c_str()), 0) << "the test's tmux server was still there";
  run.terminate(SIGTERM, 10s);
}

}  // namespace
}  // namespace bw::testing
