// approval_bench: issue 6's benchmark — the approval round trip, hook start → decision back,
// with the answering client on the other relay pod, beside the bare relay round trip measured
// in the same run through the same pods.
//
// What runs, all real: redis-server, breakwater-ratelimit (the `relay` quota, far above the
// load), breakwater-auth and two breakwater-relay pods with their default timers;
// `breakwater-agent run` on pod 0 (gRPC), signed in and paired (role member) with the
// `breakwater` client through the relay by the real binaries, as the system tests do
// (agent/tests/agent_relay_fixture.hpp); and the phone — this process, on pod 1 (WebSocket),
// with the client's own folder and pairing, answering every request "allow" at once
// (answering_client.hpp).
//
// How the hook gets its socket and secret (the design choice). The agent hands them to a hook
// in one of two ways: in the environment of a Claude Code session it starts (session_plan.hpp),
// or, with agent.user_hook, in the command it installs in the user's ~/.claude/settings.json
// (`breakwater-agent hook --from-user-settings --socket … --secret-file … --deadline-ms …`,
// the secret in a 0600 file in its private folder; user_hook.hpp). The benchmark takes the
// second: it starts the agent with agent.user_hook, reads the command the agent wrote into
// the settings file and runs exactly that, as Claude Code runs a command hook (hook_runner.hpp).
// From there the path is the one every session's tool call takes — the same hook binary and
// socket, peer and secret checks, the user's rules, the broker, the decision log, the relay
// and the phone; it differs only in reading the secret from a file instead of the
// environment, and in taking the call's cwd as the project. Driving a real Claude Code
// session instead would need the CLI from npm and would wrap every hook call in a model
// round trip and Claude Code's own work, which the issue does not ask for and which could not
// be separated from the hook's time.
//
// Rows, one sample each per iteration, interleaved in a rotating order so that the other
// work on the machine weighs on every row alike:
//  1. bare relay round trip: a seeded, paired client (pod 1) → echoing agent (pod 0) →
//     client, 256-byte ciphertext, no e2e work (relay_bench's round-trip cell, one session);
//  2. approval round trip: the hook started for a Bash call no rule allows → agent →
//     APPROVAL_REQUEST pod 0 → pod 1 → phone allows → pod 1 → pod 0 → agent → the hook
//     prints "allow" and exits;
//  3. the same hook, for a call the user's allow rule covers: the agent decides alone
//     (rules, decision log), no relay — hook start plus the agent's local work;
//  4. hook start alone: the same command line with a socket path where nothing listens —
//     sh, the hook binary, its secret file, stdin parsed, an immediate deny.
// So 2 − 3 is about the relay and the phone, 3 − 4 the agent's local work, 4 process start.
// A benchmark, not a test: it prints figures and exits 0 whatever they are; non-zero only
// when it cannot run (bad flags, a server that does not start, a row failing 5 times).
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "agent_relay_fixture.hpp"
#include "answering_client.hpp"
#include "closed_loop.hpp"
#include "echo_session.hpp"
#include "hook/user_hook.hpp"
#include "hook_runner.hpp"
#include "machine.hpp"

namespace bw::bench {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRuleCommand = "echo bench";  // the user's allow rule: Bash(echo bench)
constexpr auto kHookTimeout = std::chrono::seconds(30);

struct Options {
  int iterations = 200;
  int warmup = 10;
};

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: approval_bench [--iterations N] [--warmup N]\n"
               "  The approval round trip (breakwater-agent hook started → decision back, the answering\n"
               "  client on the other relay pod) beside the bare relay round trip through the same pods,\n"
               "  a hook answered by a rule (no round trip) and the hook's process start alone.\n"
               "  --iterations N  measured samples of each row (default 200; 1..100000)\n"
               "  --warmup N      unmeasured iterations first (default 10)\n"
               "  The measured loop must end within 5 minutes, the access tokens' longest lifetime (neither\n"
               "  the phone nor the bare client refreshes its token).\n");
}

std::optional<Options> parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string f = argv[i];
    if (f == "--help" || f == "-h") {
      usage(stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) return std::fprintf(stderr, "approval_bench: %s needs a value (see --help)\n", f.c_str()), std::nullopt;
    char* end = nullptr;
    const long v = std::strtol(argv[++i], &end, 10);
    const bool number = end != argv[i] && *end == '\0';
    if (f == "--iterations" && number && v >= 1 && v <= 100000) {
      o.iterations = static_cast<int>(v);
    } else if (f == "--warmup" && number && v >= 0 && v <= 100000) {
      o.warmup = static_cast<int>(v);
    } else {
      std::fprintf(stderr, "approval_bench: unknown option or bad value: %s %s (see --help)\n", f.c_str(), argv[i]);
      return std::nullopt;
    }
  }
  return o;
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "approval_bench: %s\n", what.c_str());
  std::exit(1);
}

// The servers, the paired agent and client, and the running agent, on top of the agent's
// system-test fixture (signup, login and pairing by the real binaries).
class World : public testing::AgentRelaySystem {
 public:
  // Starts everything; `home` becomes the agent's HOME (its ~/.claude/settings.json holds the
  // user's allow rule, and the agent installs its hook there). Dies when a step fails.
  static void start(const fs::path& home) {
    servers();
    extra_env_ = {"HOME=" + home.string(), "BREAKWATER_AGENT_USER_HOOK=true", "BREAKWATER_AGENT_APPROVAL_TIMEOUT=10s"};
    pair_and_run("member", "run", "agent-run", running_);
    if (::testing::Test::HasFailure() || !running_.run) die("could not sign in, pair or start breakwater-agent run");
    if (!running_.run->wait_for_output("approval hook installed", 10s)) die("the agent did not install its hook");
  }
  static void stop() {
    if (running_.run) running_.run->terminate(SIGTERM, 10s);
    running_ = {};
    pods_.clear();
    TearDownTestSuite();
  }

  static std::string agent_dir() { return agent_dir_; }
  static std::string client_dir() { return client_dir_; }
  static Running& running() { return running_; }
  static pid_t agent_pid() { return running_.run->pid(); }
  static std::string agent_output() { return running_.run->output(); }

  // The phone: a fresh access token and device assertion, a WebSocket on pod 1.
  static AnsweringClient::Setup phone() {
    const std::string token = user_token();
    const auto& p = running_.pairing;
    const auto r = post("/v1/device/assertion", {{"device_id", crypto::hex_encode(p.self_device)}}, token);
    if (r.status != 200) die("device assertion: HTTP " + std::to_string(r.status));
    auto ws = client_socket(p, token);
    if (!ws) die("the phone's WebSocket did not open");
    return {std::move(ws), std::move(running_.store), client_dir_, p,
            nlohmann::json::parse(r.body, nullptr, false).value("assertion", "")};
  }

  // The bare baseline: the seeded pairing P1 — agent A1 echoing on pod 0, client C1 on pod 1.
  static std::unique_ptr<Session> bare_session() {
    auto s = std::make_unique<Session>();
    s->pair = {seed_.agent_a1, seed_.client_c1, seed_.token_a1};
    const auto b = crypto::random(256);
    s->body.assign(b.begin(), b.end());
    auto a = connect_agent(pods_[0], seed_.token_a1);
    if (!a) die("bare agent: " + a.error().message);
    auto c = connect_client(pods_[1], access_token(seed_.tenant_a, seed_.alice, 0, 300, nullptr, 0), seed_.client_c1);
    if (!c) die("bare client: " + c.error().message);
    s->agent = std::move(a.value());
    s->client = std::move(c.value());
    return s;
  }

 private:
  // redis, ratelimit, auth (seeded as the relay system tests are: P1 is the bare baseline's
  // pairing) and two pods with the relay's default timers, then the agent's tenant signed up.
  static void servers() {
    SystemFixture::SetUpTestSuite();
    if (HasFatalFailure()) die("could not make the PKI or start redis-server");
    make_suite_dir("bw-approval-bench-", testing::kRelayKekHex);
    if (HasFatalFailure()) die("could not make the suite folder");
    const std::string db = (dir_->path() / "auth.db").string();
    seed_database(db);
    if (HasFailure()) die("could not seed auth's database");
    start_ratelimit_and_auth(db, "domain: relay\n"
                                 "descriptors:\n"
                                 "  - key: tenant\n"
                                 "    rate_limit: {unit: second, requests_per_unit: 1000000, algorithm: gcra, burst: 100000}\n"
                                 "    descriptors:\n"
                                 "      - key: device\n"
                                 "        rate_limit: {unit: second, requests_per_unit: 100000, algorithm: gcra, burst: 10000}\n");
    if (HasFatalFailure()) die("could not start ratelimit or auth");
    for (int i = 0; i < 2; ++i) pods_.push_back(pod());
    slug_ = "bench-" + crypto::hex_encode(crypto::random(4));
    const auto r = post("/v1/signup", {{"tenant", slug_}, {"login", "alice"}, {"email", "alice@example.com"},
                                       {"password", testing::kPassword}});
    if (r.status != 201) die("signup: HTTP " + std::to_string(r.status) + " " + r.body);
    agent_dir_ = (dir_->path() / "agent").string();
    client_dir_ = (dir_->path() / "client").string();
  }

  static testing::RelayPod pod() {
    testing::RelayPod p;
    p.ws_port = testing::free_loopback_port();
    auto svc = start_service("relay", pod_base_env(p.ws_port));
    if (!svc) die("relay pod: " + svc.error().message);
    p.service = std::make_unique<testing::RunningService>(std::move(svc.value()));
    return p;
  }

  static inline Running running_;
};

// The hook command the agent wrote into the user's settings (what Claude Code would run).
std::string installed_hook_command(const fs::path& settings) {
  const auto j = nlohmann::json::parse(testing::slurp(settings), nullptr, false);
  if (j.is_object() && j.contains("hooks") && j["hooks"].contains("PreToolUse")) {
    for (const auto& entry : j["hooks"]["PreToolUse"]) {
      for (const auto& h : entry.value("hooks", nlohmann::json::array())) {
        const std::string c = h.value("command", "");
        if (c.find(agent::hook::kUserHookMarker) != std::string::npos) return c;
      }
    }
  }
  die("no breakwater hook in " + settings.string());
}

// What Claude Code writes on a PreToolUse hook's stdin for a Bash call.
std::string pre_tool_use(const fs::path& cwd, const std::string& command, int n) {
  return nlohmann::json{{"session_id", "5c0e0b6a-bench-4a1e-9f00-000000000001"},
                        {"transcript_path", (cwd / "transcript.jsonl").string()},
                        {"cwd", cwd.string()},
                        {"permission_mode", "default"},
                        {"hook_event_name", "PreToolUse"},
                        {"tool_name", "Bash"},
                        {"tool_input", {{"command", command}, {"description", "benchmark call"}}},
                        {"tool_use_id", "toolu_bench_" + std::to_string(n)}}
      .dump();
}

struct Row {
  const char* name = "";
  LatencySamples samples;
  std::uint64_t errors = 0;
  std::string first_error;
  LatencySummary summary;
  void failed(const std::string& why) {
    ++errors;
    if (first_error.empty()) first_error = why;
  }
};

// One hook run for a row: measured when `measure`, checked against the expected decision.
void hook_sample(Row& row, bool measure, const std::string& command, const std::string& input,
                 const std::vector<std::string>& env, bool want_allow, const std::string& want_reason) {
  const auto o = run_hook(command, input, env, kHookTimeout);
  if (!o.ran) return row.failed(o.reason);
  if (o.allow != want_allow || o.reason.find(want_reason) == std::string::npos) {
    return row.failed(std::string("unexpected decision: ") + (o.allow ? "allow" : "deny") + " (" + o.reason + ")");
  }
  if (measure) row.samples.add(o.elapsed);
}

void relay_sample(Row& row, bool measure, Session& s) {
  const auto t0 = Clock::now();
  std::string error;
  if (!send_one(s)) return row.failed("send failed");
  if (!await_delivery(s, error)) return row.failed(error);
  if (measure) row.samples.add(Clock::now() - t0);
}

// How the agent's decision log says the calls were decided: "client" and "rule" counts.
std::pair<int, int> decided_by(const std::string& log_path) {
  std::ifstream in(log_path);
  int client = 0, rule = 0;
  for (std::string line; std::getline(in, line);) {
    const auto by = nlohmann::json::parse(line, nullptr, false).value("by", "");
    client += by == "client";
    rule += by == "rule";
  }
  return {client, rule};
}

void print_rows(std::vector<Row>& rows) {
  std::printf("\n| row | count | p50 ms | p99 ms | mean ms | max ms | errors |\n|---|---:|---:|---:|---:|---:|---:|\n");
  for (auto& r : rows) {
    r.summary = r.samples.summarize();
    std::printf("| %s | %zu | %.2f | %.2f | %.2f | %.2f | %llu |\n", r.name, r.samples.size(), r.summary.p50_ms,
                r.summary.p99_ms, r.summary.mean_ms, r.summary.max_ms, static_cast<unsigned long long>(r.errors));
  }
  for (const auto& r : rows) {
    if (!r.first_error.empty()) std::printf("first error, %s: %s\n", r.name, r.first_error.c_str());
  }
}

}  // namespace
}  // namespace bw::bench

int main(int argc, char** argv) {
  using namespace bw::bench;
  const auto parsed = parse(argc, argv);
  if (!parsed) return 2;
  const Options& o = *parsed;
  ::signal(SIGPIPE, SIG_IGN);  // a hook that exits before reading its stdin
  if (!std::getenv("BW_SOURCE_DIR")) setenv("BW_SOURCE_DIR", BW_SOURCE_DIR_DEFAULT, 1);
  if (!std::getenv("BW_BIN_DIR")) {
    std::error_code ec;
    const auto self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) setenv("BW_BIN_DIR", self.parent_path().c_str(), 1);
  }
  std::printf("approval_bench, %s, build %s\n", utc_now().c_str(), BW_BUILD_TYPE);
  std::printf("machine: %s\n", machine_summary().c_str());
  std::fflush(stdout);

  auto scratch = bw::testing::TempDir::create("bw-approval-home-");
  if (!scratch) die("cannot make a scratch HOME");
  const fs::path home = scratch->path();
  const fs::path project = home / "work";
  fs::create_directories(project);
  fs::create_directories(home / ".claude");
  std::ofstream(home / ".claude" / "settings.json")
      << R"j({"permissions": {"allow": ["Bash()j" << kRuleCommand << R"j()"]}})j" << "\n";
  World::start(home);

  const std::string hook = installed_hook_command(home / ".claude" / "settings.json");
  const std::string socket = "'" + World::agent_dir() + "/approvals.sock'";
  std::string no_agent_hook = hook;
  const auto at = no_agent_hook.find(socket);
  if (at == std::string::npos) die("the hook command does not name the agent's socket: " + hook);
  no_agent_hook.replace(at, socket.size(), "'" + World::agent_dir() + "/no-agent-here.sock'");
  // What Claude Code passes down (the hook's own wiring is on its command line).
  const std::vector<std::string> hook_env{"HOME=" + home.string(), "PATH=/usr/local/bin:/usr/bin:/bin",
                                          "LANG=C.UTF-8"};

  auto phone = AnsweringClient::start(World::phone());
  if (!phone) die("the phone could not start: " + phone.error().message);
  auto bare = World::bare_session();
  std::atomic<bool> stop_echo{false};
  std::atomic<std::uint64_t> echo_failures{0};
  std::thread echo([&] { run_echo(*bare, stop_echo, echo_failures); });

  std::vector<Row> rows(4);
  rows[0].name = "bare relay round trip client → agent → client";
  rows[1].name = "approval round trip: hook start → phone allows → decision";
  rows[2].name = "hook answered by the user's allow rule (no round trip)";
  rows[3].name = "hook start alone (no agent listening: immediate deny)";
  const auto started = Clock::now();
  bool gave_up = false;  // a broken path would otherwise cost an approval timeout per iteration
  for (int i = 0; i < o.warmup + o.iterations && !gave_up; ++i) {
    const bool measure = i >= o.warmup;
    for (int k = 0; k < 4; ++k) {
      switch ((i + k) % 4) {
        case 0: relay_sample(rows[0], measure, *bare); break;
        case 1:
          hook_sample(rows[1], measure, hook, pre_tool_use(project, "touch approved-" + std::to_string(i) + ".txt", i),
                      hook_env, true, "approved on");
          break;
        case 2: hook_sample(rows[2], measure, hook, pre_tool_use(project, kRuleCommand, i), hook_env, true, "allowed by"); break;
        case 3: hook_sample(rows[3], measure, no_agent_hook, pre_tool_use(project, kRuleCommand, i), hook_env, false, "unreachable"); break;
      }
    }
    for (const auto& r : rows) gave_up = gave_up || r.errors >= 5;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  stop_echo = true;
  echo.join();
  const auto answered = (*phone)->answered();
  const auto phone_failures = (*phone)->failures();
  const auto phone_error = (*phone)->first_failure();
  phone->reset();
  const auto [by_client, by_rule] = decided_by(World::agent_dir() + "/decisions.jsonl");
  World::stop();

  std::printf("load average after the run: %s\n", load_average().c_str());
  std::printf("\n%d iterations (+%d warm-up) in %.1f s, rows interleaved; agent on pod 0 (gRPC), phone and bare client on pod 1 (WebSocket)\n",
              o.iterations, o.warmup, seconds);
  print_rows(rows);
  if (gave_up) std::printf("stopped early: a row failed 5 times\n");
  std::printf("\nthe phone answered %llu approval requests (%llu failures%s%s); the agent's decision log: %d by client, %d by rule\n",
              static_cast<unsigned long long>(answered), static_cast<unsigned long long>(phone_failures),
              phone_error.empty() ? "" : ", first: ", phone_error.c_str(), by_client, by_rule);
  if (echo_failures > 0) std::printf("bare echo agent failures: %llu\n", static_cast<unsigned long long>(echo_failures.load()));
  const auto& s = rows;
  std::printf("split of the approval p50: process start %.2f ms, agent's local work %.2f ms (rule row − start row), relay and phone %.2f ms (approval − rule row), bare relay round trip %.2f ms\n",
              s[3].summary.p50_ms, s[2].summary.p50_ms - s[3].summary.p50_ms, s[1].summary.p50_ms - s[2].summary.p50_ms,
              s[0].summary.p50_ms);
  std::printf("(differences of medians, not medians of differences)\n");
  return gave_up ? 1 : 0;
}
