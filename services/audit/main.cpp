// breakwater-audit: per-tenant tamper-evident log with signed checkpoints (DESIGN §6).
// This binary wires components together; the logic lives in src/ (see docs/operations.md).
//
//   breakwater-audit [--config FILE]               serve
//   breakwater-audit rotate-key [--config FILE]    new checkpoint signing key (old ones stay
//                                                  published); running replicas take it on SIGHUP
#include <chrono>
#include <cstring>
#include <iostream>

#include "bw/authcore/sealed_secret.hpp"
#include "bw/config/files.hpp"
#include "bw/log/log.hpp"
#include "bw/service/service_main.hpp"
#include "checkpoint_keys.hpp"
#include "grpc_service.hpp"
#include "log_actors.hpp"
#include "store/store.hpp"

namespace {

using bw::config::Type;

bw::auditsvc::TimeMs now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void add_audit_keys(bw::config::Schema& s) {
  s.add({.path = "audit.kek_file", .type = Type::kString, .default_value = "",
         .help = "key-encryption key for the checkpoint signing keys: 64 hex characters, mode 0600; empty: the log is off"});
  s.add({.path = "audit.kek_id", .type = Type::kString, .default_value = "kek1",
         .help = "id recorded with every key sealed under audit.kek_file"});
  s.add({.path = "audit.database_url", .type = Type::kString, .default_value = "",
         .help = "PostgreSQL URL or conninfo (a secret); empty: SQLite at audit.sqlite_path"});
  s.add({.path = "audit.sqlite_path", .type = Type::kString, .default_value = "/var/lib/breakwater/audit.db",
         .help = "SQLite file, created if missing (one replica only)"});
  s.add({.path = "audit.database_pool_size", .type = Type::kInt, .default_value = "4",
         .help = "database connections per process", .min = 1, .max = 256});
  s.add({.path = "audit.database_statement_timeout", .type = Type::kDuration, .default_value = "5s",
         .help = "PostgreSQL statement_timeout", .min = 100, .max = 600'000});
  s.add({.path = "audit.checkpoint_every", .type = Type::kInt, .default_value = "1000",
         .help = "sign a checkpoint after this many new events in a tenant's log", .min = 1, .max = 10'000'000});
  s.add({.path = "audit.checkpoint_interval", .type = Type::kDuration, .default_value = "10s",
         .help = "and at least this often while a tenant's log grows", .min = 100, .max = 86'400'000});
  s.add({.path = "audit.max_batch", .type = Type::kInt, .default_value = "1000",
         .help = "most events committed in one transaction", .min = 1, .max = 100'000});
  s.add({.path = "audit.workers", .type = Type::kInt, .default_value = "2",
         .help = "threads that run database work", .min = 1, .max = 64});
  s.add({.path = "audit.append_timeout", .type = Type::kDuration, .default_value = "10s",
         .help = "an Append not durable by then answers UNAVAILABLE (the producer retries)", .min = 100, .max = 600'000});
  s.add({.path = "audit.readers", .type = Type::kStringList, .default_value = "breakwater-auth,breakwater-operator",
         .help = "client certificate names (DNS SAN or CN) that may read logs; any cluster certificate may append"});
}

bw::audit::store::StoreConfig store_config(const bw::config::Values& v) {
  return {v.str("audit.database_url"), v.str("audit.sqlite_path"), static_cast<int>(v.integer("audit.database_pool_size")),
          static_cast<int>(v.duration("audit.database_statement_timeout").count())};
}

bw::Result<bw::authcore::KeyRing> load_kek(const bw::config::Values& v) {
  auto text = bw::config::read_private_file(v.str("audit.kek_file"), 4096);
  if (!text) return bw::Error{text.error().code, "config: audit.kek_file: " + text.error().message};
  auto ring = bw::authcore::kek_from_file_text(v.str("audit.kek_id"), *text);
  if (!ring) return bw::Error{ring.error().code, "config: audit.kek_file: " + ring.error().message};
  return ring;
}

bw::Status validate(const bw::config::Values& v) {
  if (v.str("audit.kek_file").empty()) return {};
  if (auto ring = load_kek(v); !ring) return ring.error();
  return {};
}

// Commit and checkpoint metrics (docs/operations.md, "The audit service").
bw::auditsvc::LogActorsHooks log_hooks(bw::metrics::Factory& m) {
  auto commits = m.counter("commits", "transactions of appended events by outcome (ok, failed)");
  auto events = m.histogram("commit_events", "events per transaction (group commit: several callers share one)");
  auto callers = m.histogram("commit_callers", "Append calls served by one transaction");
  auto seconds = m.histogram("commit_duration_seconds", "time to make one batch durable");
  auto checkpoints = m.counter("checkpoints", "signed checkpoints written by outcome (ok, failed)");
  auto& ok = commits.add({{"outcome", "ok"}});
  auto& failed = commits.add({{"outcome", "failed"}});
  const prometheus::Histogram::BucketBoundaries sizes{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000};
  auto& size = events.add({}, sizes);
  auto& shared = callers.add({}, sizes);
  auto& took = seconds.add({}, bw::metrics::Factory::latency_buckets());
  auto& cp_ok = checkpoints.add({{"outcome", "ok"}});
  auto& cp_failed = checkpoints.add({{"outcome", "failed"}});
  bw::auditsvc::LogActorsHooks hooks;
  hooks.committed = [&ok, &failed, &size, &shared, &took](std::size_t n, std::size_t c, double s, bool good) {
    (good ? ok : failed).Increment();
    size.Observe(static_cast<double>(n));
    shared.Observe(static_cast<double>(c));
    took.Observe(s);
  };
  hooks.checkpointed = [&cp_ok, &cp_failed](bool good) { (good ? cp_ok : cp_failed).Increment(); };
  return hooks;
}

bw::Status start(bw::service::ServiceContext& ctx) {
  const auto& v = ctx.config();
  if (v.str("audit.kek_file").empty()) {
    bw::log::warn("audit_log_disabled", {{"reason", "audit.kek_file is empty"}});
    return {};
  }
  auto ring = load_kek(v);
  if (!ring) return ring.error();
  auto opened = bw::audit::store::open_store(store_config(v), now_ms());
  if (!opened) return bw::Error{opened.error().code, "audit store: " + opened.error().message};
  std::shared_ptr<bw::audit::store::Store> store = std::move(opened.value());
  auto kek = std::make_shared<const bw::authcore::KeyRing>(std::move(ring.value()));
  auto keys = bw::auditsvc::CheckpointKeys::open(store, kek, now_ms());
  if (!keys) return bw::Error{keys.error().code, "checkpoint keys: " + keys.error().message};

  bw::auditsvc::TenantLogOptions log_options{static_cast<std::uint64_t>(v.integer("audit.checkpoint_every")),
                                             v.duration("audit.checkpoint_interval")};
  bw::auditsvc::LogActorsOptions actor_options;
  actor_options.workers = static_cast<std::size_t>(v.integer("audit.workers"));
  actor_options.max_batch = static_cast<std::size_t>(v.integer("audit.max_batch"));
  actor_options.tick = std::min(std::chrono::milliseconds(1000), v.duration("audit.checkpoint_interval"));
  actor_options.hooks = log_hooks(ctx.metrics());
  std::shared_ptr<const bw::auditsvc::CheckpointSigner> signer = keys.value();
  auto logs = std::make_shared<bw::auditsvc::LogActors>(
      [store, signer, log_options](const bw::auditsvc::TenantId& tenant) {
        return std::make_shared<bw::auditsvc::TenantLog>(tenant, store, signer, log_options);
      },
      actor_options);

  bw::auditsvc::AuditServiceOptions options;
  options.readers = v.list("audit.readers");
  // Without client certificates (a mesh terminates TLS) names cannot be checked here: the
  // mesh's own policy must then keep producers from reading (docs/operations.md).
  options.check_readers = v.str("tls.client_auth") == "require";
  if (!options.check_readers) bw::log::warn("audit_readers_unchecked", {{"reason", "tls.client_auth is none"}});
  options.max_append_events = static_cast<std::size_t>(v.integer("audit.max_batch"));
  options.append_timeout = v.duration("audit.append_timeout");
  ctx.add_grpc_service(std::make_shared<bw::auditsvc::AuditGrpcService>(logs, store, keys.value(), options, ctx.metrics()),
                       "breakwater.audit.v1.Audit");
  ctx.readiness().add_check("database", [store] { return store->list_signing_keys().ok(); });
  auto reloads = ctx.metrics().counter("key_reloads", "checkpoint key reloads on SIGHUP by outcome (ok, failed)");
  ctx.on_reload([keys = keys.value(), &ok = reloads.add({{"outcome", "ok"}}), &failed = reloads.add({{"outcome", "failed"}})] {
    if (auto st = keys->reload(); !st) {
      failed.Increment();
      bw::log::error("checkpoint key reload failed", {{"error", st.error().message}});
    } else {
      ok.Increment();
      bw::log::info("checkpoint keys reloaded", {{"current", keys->public_keys().front().key_id}});
    }
  });
  ctx.on_stop([logs] { logs->stop(); });
  ctx.keep(store);
  ctx.keep(logs);
  bw::log::info("audit_log_ready", {{"checkpoint_key", keys.value()->public_keys().front().key_id}});
  return {};
}

// `breakwater-audit rotate-key [--config FILE]`
int rotate_key(int argc, char** argv, const bw::service::ServiceSpec& spec) {
  std::string config_path;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      config_path = argv[++i];
    } else {
      std::cerr << "breakwater-audit rotate-key: unknown argument " << argv[i] << " (usage: rotate-key [--config FILE])\n";
      return 2;
    }
  }
  bw::config::Schema schema;
  bw::service::add_common_keys(schema, spec);
  add_audit_keys(schema);
  auto values = bw::config::load_file(schema, config_path, bw::config::process_environment());
  if (!values) return std::cerr << "breakwater-audit rotate-key: " << values.error().message << "\n", 2;
  if (values->str("audit.kek_file").empty()) return std::cerr << "breakwater-audit rotate-key: audit.kek_file is empty\n", 2;
  auto ring = load_kek(*values);
  if (!ring) return std::cerr << "breakwater-audit rotate-key: " << ring.error().message << "\n", 2;
  auto store = bw::audit::store::open_store(store_config(*values), now_ms());
  if (!store) return std::cerr << "breakwater-audit rotate-key: audit store: " << store.error().message << "\n", 1;
  auto kid = bw::auditsvc::CheckpointKeys::rotate(**store, *ring, now_ms());
  if (!kid) return std::cerr << "breakwater-audit rotate-key: " << kid.error().message << "\n", 1;
  std::cout << "new checkpoint key " << *kid << " (send SIGHUP to running replicas)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bw::service::ServiceSpec spec;
  spec.name = "audit";
  spec.summary = "per-tenant tamper-evident audit log with signed checkpoints and proofs";
  spec.extra_help = "commands:\n  rotate-key [--config FILE]   make a new checkpoint signing key; old ones stay published\n";
  spec.grpc_port = 7430;
  spec.ops_port = 9430;
  spec.require_client_certs = true;
  spec.add_config = add_audit_keys;
  spec.validate = validate;
  spec.start = start;
  if (argc > 1 && std::strcmp(argv[1], "rotate-key") == 0) return rotate_key(argc, argv, spec);
  return bw::service::run_service(argc, argv, spec);
}
