// relay_bench: breakwater-relay's figures of issue 5, each beside a baseline measured in the
// same run, against real pods: redis-server, breakwater-ratelimit (the `relay` quota domain),
// breakwater-auth (devices and pairings seeded into its SQLite file before it starts) and
// breakwater-relay pods sharing the Redis — every check on (auth-validated connections,
// quota, the relay's atomic Redis step).
//  1. Envelopes routed per second per pod (256-byte ciphertext; clients on pod 0 over
//     WebSocket, echoing agents on pod 1 over gRPC, so every envelope crosses pods) beside the
//     raw rate of the same Lua step (Mailboxes::append_script) driven straight at Redis,
//     pipelined. Goal: ≥ 50% of the raw rate.
//  2. Round trip client → agent → client (p50/p99) at `--sessions` concurrent sessions
//     (issue: 1,000; goal p99 < 10 ms), paced: each session sends `--rate` envelopes per
//     second on a fixed schedule and waits for each echo; latency counts from the scheduled
//     send, so a late start is charged to the relay (no coordinated omission).
//  3. Memory per idle connection: a fresh pod's RSS before and after N idle WebSocket
//     connections (idle_ws_client.hpp), and another fresh pod's before and after N idle gRPC
//     agents (issue: 10,000 each; goals ≤ 16 KiB and ≤ 64 KiB), each with TLS ended in the
//     pod and again with TLS ended in front of it (plaintext listeners, as behind an
//     ingress or mesh). When fewer connections open than asked, the figures use the number
//     that opened and say so; a pod that did not grow counts as not measured.
// The load generator (a thread per client; agents on gRPC's callback threads, echo_agent.hpp)
// runs on the same cores as the pods.
// A benchmark, not a test: it prints figures and exits 0 whatever they are; it exits
// non-zero only when it cannot run (bad flags, a server that does not start).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <dirent.h>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "bw/redis/connection.hpp"
#include "bw/redis/script.hpp"
#include "closed_loop.hpp"
#include "echo_agent.hpp"
#include "echo_session.hpp"
#include "idle_ws_client.hpp"
#include "machine.hpp"
#include "process_cpu.hpp"
#include "redis/mailboxes.hpp"
#include "relay_system_support.hpp"

namespace bw::bench {
namespace {

using testing::rv1::RelayFrame;

constexpr std::size_t kCiphertextBytes = 256;

struct Options {
  Timing timing;
  int sessions = 1000;      // round-trip cell
  double rate = 1.0;        // round trips per second per session there
  int tp_sessions = 64;     // throughput cell
  int depth = 8;            // envelopes in flight per session in the throughput cell
  int raw_connections = 2;  // raw baseline
  int raw_depth = 128;      // commands per pipelined round trip
  int idle = 10000;         // idle connections of each kind
};

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: relay_bench [--warmup S] [--duration S] [--sessions N] [--rate HZ]\n"
               "                   [--throughput-sessions N] [--depth N] [--idle N]\n"
               "  Envelopes routed per pod beside the raw Redis step, client→agent→client round trips,\n"
               "  and a relay pod's memory per idle WebSocket and gRPC connection.\n"
               "  --warmup S               warm-up seconds per cell (default 1)\n"
               "  --duration S             measured seconds per cell (default 3)\n"
               "  --sessions N             concurrent sessions of the round-trip cell (default 1000)\n"
               "  --rate HZ                round trips per second each of them starts (default 1); that\n"
               "                           cell warms up at least 5 and measures at least 10 rounds\n"
               "  --throughput-sessions N  sessions of the throughput cell (default 64)\n"
               "  --depth N                envelopes in flight per session there (default 8, max 32)\n"
               "  --idle N                 idle connections of each kind (default 10000; 0 skips)\n");
}

std::optional<Options> parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string f = argv[i];
    if (f == "--help" || f == "-h") {
      usage(stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "relay_bench: %s needs a value (see --help)\n", f.c_str());
      return std::nullopt;
    }
    char* end = nullptr;
    const double v = std::strtod(argv[++i], &end);
    if (end == argv[i] || *end != '\0' || v < 0) {
      std::fprintf(stderr, "relay_bench: %s needs a non-negative number\n", f.c_str());
      return std::nullopt;
    }
    const auto count = [&](int lo, int hi, int& into) {
      if (v < lo || v > hi) return std::fprintf(stderr, "relay_bench: %s is %d..%d\n", f.c_str(), lo, hi), false;
      into = static_cast<int>(v);
      return true;
    };
    if (f == "--warmup" && v <= 3600) {
      o.timing.warmup = std::chrono::duration<double>(v);
    } else if (f == "--duration" && v <= 3600) {
      o.timing.measure = std::chrono::duration<double>(v);
    } else if (f == "--sessions") {
      if (!count(1, 5000, o.sessions)) return std::nullopt;
    } else if (f == "--rate" && v > 0 && v <= 1000) {
      o.rate = v;
    } else if (f == "--throughput-sessions") {
      if (!count(1, 5000, o.tp_sessions)) return std::nullopt;
    } else if (f == "--depth") {
      if (!count(1, 32, o.depth)) return std::nullopt;
    } else if (f == "--idle") {
      if (!count(0, 50000, o.idle)) return std::nullopt;
    } else {
      std::fprintf(stderr, "relay_bench: unknown option or bad value: %s (see --help)\n", f.c_str());
      return std::nullopt;
    }
  }
  return o;
}

// Progress on stderr, with the time, so a cell can be lined up with what else the machine
// did (top, perf, the pods' metrics); stdout keeps only the figures.
void progress(const std::string& what) {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::fprintf(stderr, "relay_bench %02d:%02d:%02d UTC: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec, what.c_str());
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "relay_bench: %s\n", what.c_str());
  std::exit(1);
}

// Kernel figures of a pod: resident memory (KiB) and open descriptors.
long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}
long open_fds(pid_t pid) {
  long n = 0;
  if (DIR* d = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
    while (readdir(d) != nullptr) ++n;
    closedir(d);
  }
  return n > 2 ? n - 2 : 0;  // . and ..
}

// Raises this process's descriptor limit (children inherit it). The limit in force.
rlim_t raise_fd_limit(rlim_t want) {
  rlimit r{};
  getrlimit(RLIMIT_NOFILE, &r);
  rlimit up{want, std::max(want, r.rlim_max)};
  if (setrlimit(RLIMIT_NOFILE, &up) != 0) {  // not privileged: as far as the hard limit
    up = {r.rlim_max, r.rlim_max};
    setrlimit(RLIMIT_NOFILE, &up);
  }
  getrlimit(RLIMIT_NOFILE, &r);
  return r.rlim_cur;
}

// The servers, seeded devices and helpers, on top of the relay system tests' support.
class World : public testing::RelaySystemFixture {
 public:
  // Starts redis, ratelimit, auth (seeded with `pairs` paired agent/client devices and
  // `idle` more such pairs for the idle connections) and two pods. Dies when one fails.
  static void start(int pairs, int idle) {
    SystemFixture::SetUpTestSuite();
    if (HasFatalFailure()) die("could not make the PKI or start redis-server");
    make_suite_dir("bw-relay-bench-", testing::kRelayKekHex);
    if (HasFatalFailure()) die("could not make the suite folder");
    const std::string db = (dir_->path() / "auth.db").string();
    seed(db, pairs, idle);
    // Quota on, high enough that the benchmark measures routing, not refusals.
    start_ratelimit_and_auth(db, "domain: relay\n"
                                 "descriptors:\n"
                                 "  - key: tenant\n"
                                 "    rate_limit: {unit: second, requests_per_unit: 10000000, algorithm: gcra, burst: 1000000}\n"
                                 "    descriptors:\n"
                                 "      - key: device\n"
                                 "        rate_limit: {unit: second, requests_per_unit: 1000000, algorithm: gcra, burst: 100000}\n");
    if (HasFatalFailure()) die("could not start ratelimit or auth");
    // Pings far apart: opening 1,000 sessions takes longer than the default idle time-out,
    // and the load generator answers pings only once its loops run.
    for (int i = 0; i < 2; ++i) {
      pods_.push_back(pod({"BREAKWATER_RELAY_PING_INTERVAL=5m", "BREAKWATER_RELAY_IDLE_TIMEOUT=15m"}));
    }
  }
  static void stop() {
    pods_.clear();
    TearDownTestSuite();
  }

  // A pod with the relay's default timers (`extra` overrides), quota not failing open.
  static testing::RelayPod pod(std::vector<std::string> extra) {
    testing::RelayPod p;
    p.ws_port = testing::free_loopback_port();
    auto env = pod_base_env(p.ws_port);
    env.push_back("BREAKWATER_RELAY_WS_MAX_CONNECTIONS=60000");
    env.insert(env.end(), extra.begin(), extra.end());
    auto svc = start_service("relay", env);
    if (!svc) die("relay pod: " + svc.error().message);
    p.service = std::make_unique<testing::RunningService>(std::move(svc.value()));
    return p;
  }

  static std::string token() { return access_token(tenant_, user_); }
  static auto agent(const testing::RelayPod& p, const std::string& tok) { return connect_agent(p, tok); }
  static std::string ca() { return ca_file(); }
  static auto client(const testing::RelayPod& p, const std::string& tok, const Id& dev) {
    return connect_client(p, tok, dev);
  }
  static testing::RelayPod& pod_at(std::size_t i) { return pods_[i]; }
  static testing::RedisServer& redis_server() { return redis(); }

  static inline std::vector<Pair> pairs_;
  static inline std::vector<Pair> idle_;  // pairs for the idle connections
  static inline Id tenant_{}, user_{};

 private:
  static void seed(const std::string& db, int pairs, int idle) {
    using auth::store::DeviceKind;
    using auth::store::Role;
    using testing::kSeedT0;
    using testing::random_store_id;
    auto opened = auth::store::open_store({.database_url = "", .sqlite_path = db}, kSeedT0);
    if (!opened) die("store: " + opened.error().message);
    auto& s = **opened;
    auto ring = auth::api::kek_from_file_text("kek1", testing::kRelayKekHex);
    if (!ring) die("kek");
    seed_key_ = crypto::random(32);
    auto row = auth::api::seal_signing_key(*ring, testing::kRelayKid, seed_key_, kSeedT0);
    if (!row || !s.rotate_signing_key(*row)) die("signing key");
    const Bytes pk = crypto::random(32);
    auth::store::Tenant t{random_store_id(), "bench-" + crypto::hex_encode(crypto::random(3)), "bench", false, kSeedT0};
    auth::store::User u{t.id, random_store_id(), "owner", "owner@example.com", Role::kOwner, "$argon2id$x", 0, kSeedT0};
    if (!s.create_tenant_with_owner(t, u)) die("tenant");
    tenant_ = t.id;
    user_ = u.id;
    auto device = [&](DeviceKind kind) {
      auth::store::Device d{t.id, random_store_id(), u.id, kind, "d", {}, kSeedT0};
      if (kind == DeviceKind::kClient) d.public_key = pk;
      if (!s.create_device(d)) die("device");
      return d.id;
    };
    auto agent_token = [&](const Id& dev) {
      const std::string tok = authcore::generate_token(authcore::TokenKind::kDevice);
      if (!s.create_device_token(t.id, u.id, dev, authcore::token_hash(tok), kSeedT0)) die("device token");
      return tok;
    };
    for (int i = 0; i < pairs + idle; ++i) {
      Pair p;
      p.agent = device(DeviceKind::kAgent);
      p.agent_token = agent_token(p.agent);
      p.client = device(DeviceKind::kClient);
      // The relay admits a client device only with a pairing: idle ones are paired too.
      const auto code = crypto::random(32);
      auth::store::PairingOffer offer{t.id, random_store_id(), p.agent, Role::kMember, code, kSeedT0, kSeedT0 + 300'000, 3};
      if (!s.create_pairing_offer(offer)) die("pairing offer");
      auto claimed = s.claim_pairing_offer(t.id, offer.id, {p.client, u.id, pk, code}, kSeedT0 + 1);
      if (!claimed || claimed->outcome != auth::store::ClaimOutcome::kClaimed) die("pairing claim");
      if (i < pairs) {
        pairs_.push_back(std::move(p));
      } else {
        idle_.push_back(std::move(p));
      }
    }
  }
};

struct Sessions {
  std::vector<std::unique_ptr<Session>> all;   // the client ends
  std::vector<std::unique_ptr<EchoAgent>> agents;  // the echoing agent ends, same order
  std::atomic<std::uint64_t> echo_failures{0};
  ~Sessions() {
    for (auto& a : agents) {
      if (a) a->stop();
    }
  }
};

// Opens `n` sessions (2 threads connecting); stops at the first that fails.
bool open_sessions(Sessions& ss, int n, std::string& error) {
  auto& out = ss.all;
  out.resize(static_cast<std::size_t>(n));
  ss.agents.resize(static_cast<std::size_t>(n));
  const std::string target = "127.0.0.1:" + std::to_string(World::pod_at(1).service->grpc_port);
  const std::string ca = read_pem(World::ca());
  std::atomic<int> next{0};
  std::mutex m;
  auto work = [&] {
    for (int i; (i = next++) < n;) {
      auto s = std::make_unique<Session>();
      s->pair = World::pairs_[static_cast<std::size_t>(i)];
      const auto b = crypto::random(kCiphertextBytes);
      s->body.assign(b.begin(), b.end());
      auto fail = [&](const std::string& why) {
        std::lock_guard lock(m);
        if (error.empty()) error = "session " + std::to_string(i) + ": " + why;
        next = n;
      };
      auto a = std::make_unique<EchoAgent>(target, ca, s->pair, ss.echo_failures);
      std::string why;
      if (!a->wait_welcome(10s, why)) return fail("agent: " + why);
      ss.agents[static_cast<std::size_t>(i)] = std::move(a);
      auto c = World::client(World::pod_at(0), World::token(), s->pair.client);
      if (!c) return fail("client: " + c.error().message);
      s->client = std::move(c.value());
      out[static_cast<std::size_t>(i)] = std::move(s);
    }
  };
  std::thread t1(work), t2(work);
  t1.join();
  t2.join();
  return error.empty();
}

std::vector<pid_t> pids() {
  return {World::pod_at(0).service->process.pid(), World::pod_at(1).service->process.pid()};
}

// Paced round trips: each session starts one every 1/rate seconds and waits for its echo.
CellResult round_trips(Sessions& ss, double rate, const Timing& timing, std::vector<double>& cpu) {
  CpuMeter meter(pids());
  auto r = run_paced(static_cast<int>(ss.all.size()), rate, timing, [&](int i, std::string& error) -> std::uint64_t {
    auto& s = *ss.all[static_cast<std::size_t>(i)];
    if (!send_one(s)) return error = "send failed", 0;
    return await_delivery(s, error) ? 1 : 0;
  });
  cpu = meter.percent();
  return r;
}

// Envelopes routed with `depth` in flight per session: every echo counts 2 (one each way).
CellResult throughput(Sessions& ss, int sessions, int depth, const Timing& timing, std::vector<double>& cpu) {
  std::vector<int> inflight(static_cast<std::size_t>(sessions), 0);
  CpuMeter meter(pids());
  auto r = run_threads(sessions, timing, [&](int i, std::string& error) -> std::uint64_t {
    auto& s = *ss.all[static_cast<std::size_t>(i)];
    auto& k = inflight[static_cast<std::size_t>(i)];
    for (; k < depth; ++k) {
      if (!send_one(s)) return error = "send failed", 0;
    }
    if (!await_delivery(s, error)) return 0;
    --k;
    return 2;
  });
  cpu = meter.percent();
  return r;
}

// The relay's Lua step straight at Redis: `connections` threads, each pipelining `depth`
// appends per round trip to 1,024 recipients with fresh nonces; counts appended envelopes.
CellResult raw_step(int connections, int depth, const Timing& timing, std::size_t envelope_bytes) {
  auto& server = World::redis_server();
  redis::ConnectionOptions ro;
  ro.port = server.port();
  ro.password = server.password();
  const relay::redis::MailboxLimits limits;
  const auto& script = relay::redis::Mailboxes::append_script();
  std::vector<std::unique_ptr<redis::Connection>> conns;
  for (int i = 0; i < connections; ++i) {
    conns.push_back(std::make_unique<redis::Connection>(ro));
    if (auto st = script.load(*conns.back()); !st) die("raw baseline: SCRIPT LOAD: " + st.error().message);
  }
  std::vector<relay::redis::DeviceId> recipients(1024);
  for (auto& r : recipients) {
    const auto b = crypto::random(16);
    std::copy(b.begin(), b.end(), r.begin());
  }
  const std::string payload(envelope_bytes, 'x');
  std::vector<std::uint64_t> counters(static_cast<std::size_t>(connections), 0);
  return run_threads(connections, timing, [&](int i, std::string& error) -> std::uint64_t {
    std::vector<std::vector<std::string>> cmds;
    cmds.reserve(static_cast<std::size_t>(depth));
    auto& c = counters[static_cast<std::size_t>(i)];
    for (int k = 0; k < depth; ++k, ++c) {
      relay::redis::AppendRequest req;
      req.recipient = recipients[c % recipients.size()];
      // A nonce never used before: the caller's index and a counter.
      req.nonce[0] = static_cast<std::uint8_t>(i);
      for (int b = 0; b < 8; ++b) req.nonce[8 + b] = static_cast<std::uint8_t>(c >> (8 * b));
      req.envelope = payload;
      cmds.push_back(script.evalsha_command({relay::redis::mailbox_key(req.recipient),
                                             relay::redis::nonce_key(req.recipient, req.nonce),
                                             relay::redis::cut_key(req.recipient)},
                                            relay::redis::Mailboxes::append_args(limits, req)));
    }
    auto replies = conns[static_cast<std::size_t>(i)]->pipeline(cmds);
    if (!replies) return error = replies.error().message, 0;
    std::uint64_t appended = 0;
    for (const auto& r : *replies) {
      if (r.is_array() && r.as_array().size() == 3 && r.as_array()[0].is_integer() && r.as_array()[0].as_integer() == 0) {
        ++appended;
      } else if (error.empty()) {
        error = "append not admitted: " + (r.is_error() ? r.as_string() : std::string("outcome != appended"));
      }
    }
    return appended == cmds.size() ? appended : 0;
  });
}

struct PodFigures {
  long rss0 = 0, rss1 = 0;  // KiB, before and after the connections opened
  long fds0 = 0, fds1 = 0;
};

struct KindFigures {
  int opened = 0;
  PodFigures pod;
  double per_connection_kib() const {
    return opened > 0 && pod.rss1 > pod.rss0 ? static_cast<double>(pod.rss1 - pod.rss0) / opened : 0.0;
  }
};

struct MemoryFigures {
  int asked = 0;
  KindFigures ws[2], grpc[2];  // [0]: TLS ended in the pod; [1]: plaintext (TLS ended before it)
  std::string stopped;         // why fewer than asked opened
};

// RSS of a settled pod: the smallest of a few readings 200 ms apart after a pause.
long settled_rss(pid_t pid) {
  std::this_thread::sleep_for(1s);
  long best = rss_kib(pid);
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(200ms);
    best = std::min(best, rss_kib(pid));
  }
  return best;
}

// Opens up to `n` connections with `open_one(i, why)` on two threads; stops at the first
// failure and records why in `stopped`.
template <class OpenOne>
void open_all(int n, std::string& stopped, OpenOne&& open_one) {
  std::mutex mu;
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  auto work = [&] {
    for (int i; !failed && (i = next++) < n;) {
      std::string why;
      if (open_one(static_cast<std::size_t>(i), why)) continue;
      failed = true;
      std::lock_guard lock(mu);
      if (stopped.empty()) stopped = why;
    }
  };
  std::thread t1(work), t2(work);
  t1.join();
  t2.join();
}

// A fresh pod whose pings and idle time-outs are far apart, so connections stay idle while
// they are counted (`setting`: one more, or null), with its RSS and descriptors now.
testing::RelayPod quiet_pod(const char* setting, PodFigures& f) {
  std::vector<std::string> env = {"BREAKWATER_RELAY_PING_INTERVAL=10m", "BREAKWATER_RELAY_IDLE_TIMEOUT=30m"};
  if (setting != nullptr) env.emplace_back(setting);
  auto p = World::pod(env);
  f.rss0 = settled_rss(p.service->process.pid());
  f.fds0 = open_fds(p.service->process.pid());
  return p;
}

// How many of `conns` opened, and the pod's RSS and descriptors with them open.
template <class Conns>
void record_open(const Conns& conns, pid_t pid, KindFigures& k) {
  k.opened = static_cast<int>(std::count_if(conns.begin(), conns.end(), [](const auto& c) { return c != nullptr; }));
  k.pod.rss1 = settled_rss(pid);
  k.pod.fds1 = open_fds(pid);
}

// Idle WebSocket clients that said hello and got Welcome, on a quiet pod. `tls` false: the
// pod's WebSocket listener is plaintext, as behind an ingress that ends TLS.
KindFigures idle_ws(int n, bool tls, std::string& stopped) {
  KindFigures k;
  auto p = quiet_pod(tls ? nullptr : "BREAKWATER_RELAY_WS_PLAINTEXT=true", k.pod);
  const pid_t pid = p.service->process.pid();
  SSL_CTX* ctx = tls ? IdleWsClient::make_context(World::ca()) : nullptr;
  const std::string tok = World::token();
  std::vector<std::unique_ptr<IdleWsClient>> ws(static_cast<std::size_t>(n));
  open_all(n, stopped, [&](std::size_t i, std::string& why) {
    breakwater::relay::v1::ClientHello h;
    h.set_access_token(tok);
    h.set_device(testing::raw(World::idle_[i].client));
    h.set_protocol_version(1);
    auto c = std::make_unique<IdleWsClient>();
    if (auto e = c->open(p.ws_port, ctx, h); !e.empty()) return why = "WebSocket " + std::to_string(i) + ": " + e, false;
    ws[i] = std::move(c);
    return true;
  });
  record_open(ws, pid, k);
  ws.clear();
  if (ctx != nullptr) SSL_CTX_free(ctx);
  return k;
}

// The same for idle agents (gRPC streams that sent Hello and got Welcome). `tls` false:
// the pod serves gRPC without TLS (`tls.plaintext: true`, as behind a mesh that ends it).
KindFigures idle_grpc(int n, bool tls, std::string& stopped) {
  KindFigures k;
  auto p = quiet_pod(tls ? nullptr : "BREAKWATER_TLS_PLAINTEXT=true", k.pod);
  const pid_t pid = p.service->process.pid();
  const std::string target = "127.0.0.1:" + std::to_string(p.service->grpc_port);
  const std::string ca = tls ? read_pem(World::ca()) : std::string();
  std::atomic<std::uint64_t> failures{0};
  std::vector<std::unique_ptr<EchoAgent>> agents(static_cast<std::size_t>(n));
  open_all(n, stopped, [&](std::size_t i, std::string& why) {
    auto a = std::make_unique<EchoAgent>(target, ca, World::idle_[i], failures);
    std::string e;
    if (!a->wait_welcome(10s, e)) return why = "gRPC " + std::to_string(i) + ": " + e, false;
    agents[i] = std::move(a);
    return true;
  });
  record_open(agents, pid, k);
  agents.clear();
  return k;
}

MemoryFigures idle_memory(int n) {
  MemoryFigures m;
  m.asked = n;
  for (const bool tls : {true, false}) {
    m.ws[tls ? 0 : 1] = idle_ws(n, tls, m.stopped);
    m.grpc[tls ? 0 : 1] = idle_grpc(n, tls, m.stopped);
  }
  return m;
}

std::string pct(const std::vector<double>& v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f / %.0f", v.size() > 0 ? v[0] : 0.0, v.size() > 1 ? v[1] : 0.0);
  return buf;
}

}  // namespace
}  // namespace bw::bench

int main(int argc, char** argv) {
  using namespace bw::bench;
  const auto parsed = parse(argc, argv);
  if (!parsed) return 2;
  const Options& o = *parsed;
  // Each idle connection is a descriptor here and one in the pod (children inherit this).
  const rlim_t want = static_cast<rlim_t>(o.idle + 8 * std::max(o.sessions, o.tp_sessions) + 4096);
  const rlim_t limit = raise_fd_limit(want);
  if (!std::getenv("BW_SOURCE_DIR")) setenv("BW_SOURCE_DIR", BW_SOURCE_DIR_DEFAULT, 1);
  if (!std::getenv("BW_BIN_DIR")) {
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) setenv("BW_BIN_DIR", self.parent_path().c_str(), 1);
  }
  const int pairs = std::max(o.sessions, o.tp_sessions);
  std::printf("relay_bench, %s, build %s\n", utc_now().c_str(), BW_BUILD_TYPE);
  std::printf("machine: %s\n", machine_summary().c_str());
  std::printf("descriptor limit (bench and the servers it starts): %llu\n", static_cast<unsigned long long>(limit));
  std::fflush(stdout);
  World::start(pairs, o.idle);

  // 2. Round trips at `sessions`, then 1. throughput on the first `tp_sessions`.
  Sessions ss;
  std::string error;
  progress("opening " + std::to_string(pairs) + " client/agent pairs");
  if (!open_sessions(ss, pairs, error)) die("could not open the sessions: " + error);
  std::vector<double> cpu_rt, cpu_tp;
  // Paced: at least 5 rounds of warm-up (every session's first quota lease is fetched while
  // it waits; later ones are renewed ahead) and 10 measured rounds.
  Timing paced = o.timing;
  paced.warmup = std::max<std::chrono::duration<double>>(paced.warmup, std::chrono::duration<double>(5 / o.rate));
  paced.measure = std::max<std::chrono::duration<double>>(paced.measure, std::chrono::duration<double>(10 / o.rate));
  progress("round trips: warm-up " + std::to_string(static_cast<int>(paced.warmup.count())) + " s, then measured " +
           std::to_string(static_cast<int>(paced.measure.count())) + " s");
  const CellResult rt = round_trips(ss, o.rate, paced, cpu_rt);
  {
    std::string line = "round trips over " + std::to_string(static_cast<int>(rt.slow_ms)) +
                       " ms, per 100 ms of the measured window:";
    for (const auto n : rt.slow_per_100ms) line += " " + std::to_string(n);
    progress(line);
  }
  // Every envelope the relay stores for the raw cell's comparison: its serialized size.
  const std::size_t envelope_bytes =
      envelope(ss.all[0]->pair.client, ss.all[0]->pair.agent, breakwater::relay::v1::KIND_PROMPT, ss.all[0]->body, 1)
          .ByteSizeLong();
  // Sessions of the round-trip cell hold nothing in flight now (each waited for its echo).
  progress("envelopes routed");
  const CellResult thr = throughput(ss, o.tp_sessions, o.depth, o.timing, cpu_tp);
  progress("raw Lua step at Redis");
  const CellResult raw = raw_step(o.raw_connections, o.raw_depth, o.timing, envelope_bytes);
  progress("done with the cells that route");
  const auto echo_failures = ss.echo_failures.load();
  for (auto& a : ss.agents) {
    if (a) a->stop();
  }
  ss.agents.clear();
  ss.all.clear();

  const double per_pod = thr.rate() / 2;
  const double ratio = raw.rate() > 0 ? per_pod / raw.rate() : 0;
  std::printf("\nenvelopes: %zu-byte ciphertext (%zu bytes serialized); clients on pod 0 (WebSocket), echoing agents on pod 1 (gRPC)\n",
              kCiphertextBytes, envelope_bytes);
  std::printf("\n| cell | sessions | in flight per session | per second | p50 ms | p99 ms | max ms | errors | CPU %% pod 0 / pod 1 |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
  std::printf("| round trips client → agent → client, each session %g/s | %d | ≤ 1 | %.0f | %.2f | %.2f | %.2f | %llu | %s |\n", o.rate, pairs, rt.rate(),
              rt.latency.p50_ms, rt.latency.p99_ms, rt.latency.max_ms, static_cast<unsigned long long>(rt.errors),
              pct(cpu_rt).c_str());
  std::printf("| envelopes routed, both pods | %d | %d | %.0f | | | | %llu | %s |\n", o.tp_sessions, o.depth, thr.rate(),
              static_cast<unsigned long long>(thr.errors), pct(cpu_tp).c_str());
  std::printf("| envelopes routed per pod | | | %.0f | | | | | |\n", per_pod);
  std::printf("| raw Lua step at Redis, %d connections × %d pipelined | | | %.0f | %.2f | %.2f | %.2f | %llu | |\n",
              o.raw_connections, o.raw_depth, raw.rate(), raw.latency.p50_ms, raw.latency.p99_ms, raw.latency.max_ms,
              static_cast<unsigned long long>(raw.errors));
  for (const auto* c : {&rt, &thr, &raw}) {
    if (!c->first_error.empty()) std::printf("first error: %s\n", c->first_error.c_str());
  }
  if (echo_failures > 0) std::printf("echo agent failures: %llu\n", static_cast<unsigned long long>(echo_failures));
  std::printf("goal, routed per pod: %.0f%% of the raw pipelined step (goal >= 50%%: %s)\n", ratio * 100,
              ratio >= 0.5 ? "met" : "not met");
  std::printf("goal, round trip at %d sessions%s: p99 %.2f ms (goal < 10 ms: %s)\n", pairs,
              pairs < 1000 ? " (fewer than the issue's 1,000)" : "", rt.latency.p99_ms,
              rt.units > 0 && rt.latency.p99_ms < 10 ? "met" : "not met");
  std::fflush(stdout);
  // Each idle connection is one descriptor here and one in its pod (the two kinds are
  // measured one after the other, on pods of their own): N is capped to what fits.
  const int fit = static_cast<int>(limit > 2048 ? limit - 2048 : 0);
  const int idle = std::min(o.idle, fit);
  if (idle < o.idle) std::printf("\nidle connections: %d of each kind asked, %d fit under the descriptor limit %llu\n", o.idle, idle, static_cast<unsigned long long>(limit));
  if (idle > 0) progress("idle connections: " + std::to_string(idle) + " of each kind, a fresh pod each");
  const MemoryFigures mem = idle > 0 ? idle_memory(idle) : MemoryFigures{};
  World::stop();
  if (idle > 0) {
    std::printf("\n| idle connections (a fresh pod each) | TLS | opened | pod RSS before KiB | after KiB | per connection KiB | pod descriptors before / after |\n");
    std::printf("|---|---|---:|---:|---:|---:|---|\n");
    const auto row = [](const char* kind, const char* tls, const KindFigures& k) {
      std::printf("| %s | %s | %d | %ld | %ld | %.1f | %ld / %ld |\n", kind, tls, k.opened, k.pod.rss0, k.pod.rss1,
                  k.per_connection_kib(), k.pod.fds0, k.pod.fds1);
    };
    row("WebSocket (ClientHello answered with Welcome)", "in the pod", mem.ws[0]);
    row("WebSocket (ClientHello answered with Welcome)", "ended before the pod", mem.ws[1]);
    row("gRPC (Hello answered with Welcome)", "in the pod", mem.grpc[0]);
    row("gRPC (Hello answered with Welcome)", "ended before the pod", mem.grpc[1]);
    if (!mem.stopped.empty()) std::printf("stopped opening at: %s\n", mem.stopped.c_str());
    const auto goal = [](const char* kind, const char* where, const KindFigures& k, double budget) {
      const double kib = k.per_connection_kib();
      std::printf("goal, idle %s, TLS %s, at N=%d%s: %.1f KiB each (goal <= %.0f KiB: %s)\n", kind, where, k.opened,
                  k.opened < 10000 ? " (fewer than the issue's 10,000)" : "", kib, budget,
                  kib > 0 && kib <= budget ? "met" : "not met");
    };
    goal("WebSocket", "in the pod", mem.ws[0], 16);
    goal("WebSocket", "ended before the pod", mem.ws[1], 16);
    goal("gRPC", "in the pod", mem.grpc[0], 64);
    goal("gRPC", "ended before the pod", mem.grpc[1], 64);
  }
  return 0;
}
