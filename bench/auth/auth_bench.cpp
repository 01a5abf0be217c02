// auth_bench: breakwater-auth's costly paths beside raw baselines measured in the same run
// (issue 4), so the ratios hold on a noisy machine:
//  - logins/s through the public API's handler (JSON, account lookup, Argon2id, session row,
//    signed access token) vs bare Argon2id verifications at the same parameters, same callers
//    (goal ≥ 90%);
//  - access-token verifications/s by the verifier the relay uses (bw::jwt::verify: parse,
//    header pinning, key lookup, Ed25519, claims) vs bare Ed25519 verifications of the same
//    signing input (goal ≥ 80%);
//  - refreshes/s through the handler (rotation with reuse detection, new token pair) on
//    SQLite and on PostgreSQL vs the store's bare rotation on the same database.
// The handlers run in process (no TLS, no HTTP parsing) with a lockout port that always
// allows: the figures are auth's own work, not the network's or the rate-limit service's.
// Nothing here passes or fails; it prints a Markdown table and the goals in plain words.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/auth_api.hpp"
#include "api/signing_keys.hpp"
#include "bw/authcore/tokens.hpp"
#include "bw/crypto/base64url.hpp"
#include "bw/crypto/ed25519.hpp"
#include "bw/jwt/jwt.hpp"
#include "bw/log/log.hpp"
#include "bw/testing/postgres_server.hpp"
#include "bw/testing/temp_dir.hpp"
#include "closed_loop.hpp"
#include "machine.hpp"
#include "store/store.hpp"

namespace bw::bench {
namespace {

using auth::api::ApiDeps;
using auth::api::ApiOptions;
using auth::api::AuthApi;
namespace store = auth::store;

constexpr const char* kPassword = "benchmark passphrase of decent length 1";
constexpr const char* kIssuer = "https://auth.bench";
constexpr const char* kAudience = "breakwater";

struct Options {
  Timing timing;
  int callers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  bool postgres = true;
};

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: auth_bench [--warmup S] [--duration S] [--callers N] [--no-postgres]\n"
               "  Measures logins, access-token verifications and refreshes of breakwater-auth's\n"
               "  handlers beside bare Argon2id, bare Ed25519 and bare store rotations.\n"
               "  --warmup S     warm-up seconds per cell (default 1)\n"
               "  --duration S   measured seconds per cell (default 3)\n"
               "  --callers N    concurrent callers (default: the number of cores)\n"
               "  --no-postgres  skip the PostgreSQL cells\n");
}

std::optional<Options> parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string f = argv[i];
    const auto value = [&]() -> std::optional<double> {
      if (i + 1 >= argc) return std::nullopt;
      char* end = nullptr;
      const double v = std::strtod(argv[++i], &end);
      if (end == argv[i] || *end != '\0' || v < 0 || v > 3600) return std::nullopt;
      return v;
    };
    if (f == "--help" || f == "-h") {
      usage(stdout);
      std::exit(0);
    } else if (f == "--no-postgres") {
      o.postgres = false;
    } else if (f == "--warmup" || f == "--duration" || f == "--callers") {
      const auto v = value();
      if (!v) {
        std::fprintf(stderr, "auth_bench: %s needs a number (seconds 0..3600, callers 1..256)\n", f.c_str());
        return std::nullopt;
      }
      if (f == "--warmup") o.timing.warmup = std::chrono::duration<double>(*v);
      if (f == "--duration") o.timing.measure = std::chrono::duration<double>(*v);
      if (f == "--callers") {
        if (*v < 1 || *v > 256) return std::fprintf(stderr, "auth_bench: --callers is 1..256\n"), std::nullopt;
        o.callers = static_cast<int>(*v);
      }
    } else {
      std::fprintf(stderr, "auth_bench: unknown option %s (see --help)\n", f.c_str());
      return std::nullopt;
    }
  }
  return o;
}

struct AllowAll final : auth::api::LoginLockout {
  Result<auth::api::AttemptDecision> record_attempt(const std::string&, const std::string&) override {
    return auth::api::AttemptDecision{true, {}};
  }
  Status record_address_failure(const std::string&) override { return {}; }
  Status clear_account(const std::string&) override { return {}; }
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "auth_bench: %s\n", what.c_str());
  std::exit(1);
}

http::Response call(AuthApi& api, const std::string& path, const nlohmann::json& body) {
  http::Request r;
  r.method = "POST";
  r.path = r.target = path;
  r.body = body.dump();
  r.peer = "192.0.2.1";
  r.tls = true;
  return api.handle(r);
}

// A store with one tenant and `users` users sharing one password hash, and an API over it.
struct Bed {
  std::shared_ptr<store::Store> store;
  std::shared_ptr<const jwt::KeySet> keys;
  std::shared_ptr<const authcore::PasswordHasher> hasher;
  std::unique_ptr<AuthApi> api;
  std::string phc;
  store::Id tenant{};
  std::vector<std::string> logins;
};

Bed make_bed(std::unique_ptr<store::Store> opened, int users, metrics::Factory& metrics) {
  Bed b;
  b.store = std::move(opened);
  auto ring = auth::api::kek_from_file_text("kek1", std::string(64, 'a'));
  if (!ring) die("kek: " + ring.error().message);
  auto keys = auth::api::load_or_create_key_set(*b.store, *ring, now_ms());
  if (!keys) die("keys: " + keys.error().message);
  b.keys = std::make_shared<const jwt::KeySet>(std::move(keys.value()));
  auto hasher = authcore::PasswordHasher::create({});
  if (!hasher) die("hasher: " + hasher.error().message);
  b.hasher = std::make_shared<const authcore::PasswordHasher>(std::move(hasher.value()));
  ApiDeps deps{b.store, std::make_shared<AllowAll>(), b.hasher, b.keys, now_ms};
  b.api = std::make_unique<AuthApi>(ApiOptions{kIssuer, kAudience}, std::move(deps), metrics);
  const auto s = call(*b.api, "/v1/signup", {{"tenant", "bench"}, {"login", "u0"}, {"email", "u0@bench.example"},
                                              {"password", kPassword}});
  if (s.status != 201) die("sign-up: " + s.body);
  auto t = b.store->find_tenant_by_slug("bench");
  if (!t) die("tenant: " + t.error().message);
  b.tenant = t->id;
  auto owner = b.store->find_user_by_login(t->id, "u0");
  if (!owner) die("owner: " + owner.error().message);
  b.phc = owner->password_phc;
  b.logins.push_back("u0");
  for (int i = 1; i < users; ++i) {
    store::User u = *owner;
    u.id[0] = static_cast<std::uint8_t>(i);
    u.id[1] ^= 0x5a;
    u.login = "u" + std::to_string(i);
    u.email = u.login + "@bench.example";
    u.role = store::Role::kMember;
    if (auto st = b.store->create_user(u); !st) die("user: " + st.error().message);
    b.logins.push_back(u.login);
  }
  return b;
}

std::string refresh_token_of(const http::Response& r) {
  return nlohmann::json::parse(r.body, nullptr, false).value("refresh_token", "");
}

// Refresh cells on one store: through the handler, and the store's bare rotation.
std::pair<CellResult, CellResult> refresh_cells(Bed& b, const Options& o) {
  std::vector<std::string> chains(static_cast<std::size_t>(o.callers));
  for (int i = 0; i < o.callers; ++i) {
    const auto l = call(*b.api, "/v1/login", {{"tenant", "bench"}, {"login", b.logins[i]}, {"password", kPassword}});
    if (l.status != 200) die("login: " + l.body);
    chains[static_cast<std::size_t>(i)] = refresh_token_of(l);
  }
  const CellResult api = run_threads(o.callers, o.timing, [&](int i, std::string& error) -> std::uint64_t {
    auto& token = chains[static_cast<std::size_t>(i)];
    const auto r = call(*b.api, "/v1/token/refresh", {{"tenant", "bench"}, {"refresh_token", token}});
    if (r.status != 200) return error = r.body, 0;
    token = refresh_token_of(r);
    return 1;
  });
  // The bare store: a family per caller, each op rotates its live token into a new one.
  std::vector<Bytes> live(static_cast<std::size_t>(o.callers));
  for (int i = 0; i < o.callers; ++i) {
    store::RefreshFamily f;
    f.tenant_id = b.tenant;
    f.id[0] = 0xb0;
    f.id[1] = static_cast<std::uint8_t>(i);
    auto u = b.store->find_user_by_login(b.tenant, b.logins[static_cast<std::size_t>(i)]);
    if (!u) die("user: " + u.error().message);
    f.user_id = u->id;
    f.created_at = now_ms();
    f.absolute_expires_at = f.created_at + 86'400'000;
    const auto h = authcore::token_hash(authcore::generate_token(authcore::TokenKind::kRefresh));
    live[static_cast<std::size_t>(i)] = Bytes(h.begin(), h.end());
    if (auto st = b.store->create_refresh_family(f, {live[static_cast<std::size_t>(i)], f.created_at,
                                                     f.created_at + 3'600'000});
        !st) {
      die("family: " + st.error().message);
    }
  }
  const CellResult raw = run_threads(o.callers, o.timing, [&](int i, std::string& error) -> std::uint64_t {
    auto& current = live[static_cast<std::size_t>(i)];
    const auto h = authcore::token_hash(authcore::generate_token(authcore::TokenKind::kRefresh));
    Bytes next(h.begin(), h.end());
    const auto t = now_ms();
    auto r = b.store->rotate_refresh_token(b.tenant, current, {next, t, t + 3'600'000}, t);
    if (!r || r->outcome != store::RotateOutcome::kRotated) return error = r ? "not rotated" : r.error().message, 0;
    current = std::move(next);
    return 1;
  });
  return {api, raw};
}

double pct(const CellResult& a, const CellResult& b) { return b.rate() > 0 ? 100.0 * a.rate() / b.rate() : 0; }

void row(const char* what, const CellResult& service, const char* baseline_name, const CellResult& baseline) {
  std::printf("| %s | %.0f | %.2f | %.2f | %s | %.0f | %.2f | %.0f%% | %llu / %llu |\n", what, service.rate(),
              service.latency.p50_ms, service.latency.p99_ms, baseline_name, baseline.rate(), baseline.latency.p50_ms,
              pct(service, baseline), static_cast<unsigned long long>(service.errors),
              static_cast<unsigned long long>(baseline.errors));
}

int run(const Options& o) {
  log::set_level(log::Level::kWarn);
  metrics::Factory metrics("auth", "bench");
  auto dir = testing::TempDir::create("bw-auth-bench-");
  if (!dir) die("temp dir: " + dir.error().message);
  auto sqlite = store::open_store({.database_url = "", .sqlite_path = (dir->path() / "bench.db").string(),
                                   .pool_size = std::max(4, o.callers)},
                                  now_ms());
  if (!sqlite) die("sqlite: " + sqlite.error().message);
  Bed bed = make_bed(std::move(sqlite.value()), o.callers, metrics);

  std::printf("auth_bench: %s\n", machine_summary().c_str());
  std::printf("callers %d, warm-up %.2f s, measured %.2f s per cell; Argon2id 19 MiB, t=2, p=1\n\n", o.callers,
              o.timing.warmup.count(), o.timing.measure.count());

  const CellResult argon = run_threads(o.callers, o.timing, [&](int, std::string& error) -> std::uint64_t {
    if (!bed.hasher->verify(bed.phc, kPassword)) return error = "verify failed", 0;
    return 1;
  });
  const CellResult logins = run_threads(o.callers, o.timing, [&](int i, std::string& error) -> std::uint64_t {
    const auto r = call(*bed.api, "/v1/login",
                        {{"tenant", "bench"}, {"login", bed.logins[static_cast<std::size_t>(i)]}, {"password", kPassword}});
    if (r.status != 200) return error = r.body, 0;
    return 1;
  });

  const auto l = call(*bed.api, "/v1/login", {{"tenant", "bench"}, {"login", "u0"}, {"password", kPassword}});
  const std::string token = nlohmann::json::parse(l.body, nullptr, false).value("access_token", "");
  if (token.empty()) die("no access token: " + l.body);
  const auto dot = token.rfind('.');
  const std::string input = token.substr(0, dot);
  auto signature = crypto::base64url_decode(token.substr(dot + 1));
  if (!signature) die("signature");
  const auto public_key = bed.keys->signing_key()->public_key();
  const CellResult ed25519 = run_threads(o.callers, o.timing, [&](int, std::string& error) -> std::uint64_t {
    if (!crypto::ed25519_verify(public_key, as_bytes(input), *signature)) return error = "bad signature", 0;
    return 1;
  });
  const jwt::VerifyOptions vo{kIssuer, kAudience};
  const CellResult verifies = run_threads(o.callers, o.timing, [&](int, std::string& error) -> std::uint64_t {
    auto c = jwt::verify(*bed.keys, token, vo, now_ms() / 1000);
    if (!c) return error = c.error().message, 0;
    return 1;
  });
  const auto [sqlite_api, sqlite_raw] = refresh_cells(bed, o);

  std::optional<std::pair<CellResult, CellResult>> pg;
  std::string pg_note;
  if (o.postgres) {
    auto server = testing::PostgresServer::start();
    if (!server) {
      pg_note = "PostgreSQL did not start: " + server.error().message;
    } else {
      auto opened = store::open_store({.database_url = server->conninfo(), .pool_size = std::max(4, o.callers)}, now_ms());
      if (!opened) die("postgres store: " + opened.error().message);
      metrics::Factory pg_metrics("auth", "bench_pg");
      Bed pg_bed = make_bed(std::move(opened.value()), o.callers, pg_metrics);
      pg = refresh_cells(pg_bed, o);
    }
  }

  std::printf("| path | service/s | p50 ms | p99 ms | raw baseline | baseline/s | p50 ms | service / baseline | errors |\n");
  std::printf("|---|---:|---:|---:|---|---:|---:|---:|---|\n");
  row("login (handler)", logins, "Argon2id verify", argon);
  row("access-token verify (jwt::verify)", verifies, "Ed25519 verify", ed25519);
  row("refresh, SQLite (handler)", sqlite_api, "store rotation, SQLite", sqlite_raw);
  if (pg) row("refresh, PostgreSQL (handler)", pg->first, "store rotation, PostgreSQL", pg->second);
  if (!pg_note.empty()) std::printf("\n%s\n", pg_note.c_str());
  std::printf("\ngoal, logins: %.0f%% of bare Argon2id (goal >= 90%%): %s\n", pct(logins, argon),
              pct(logins, argon) >= 90 ? "met" : "not met");
  std::printf("goal, verifications: %.0f%% of bare Ed25519 (goal >= 80%%): %s\n", pct(verifies, ed25519),
              pct(verifies, ed25519) >= 80 ? "met" : "not met");
  for (const CellResult* c : {&argon, &logins, &ed25519, &verifies, &sqlite_api, &sqlite_raw}) {
    if (c->errors) std::printf("first error: %s\n", c->first_error.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace bw::bench

int main(int argc, char** argv) {
  const auto options = bw::bench::parse(argc, argv);
  if (!options) return 2;
  return bw::bench::run(*options);
}
