// breakwater-auth: accounts, tenants, roles, tokens, devices and pairing (DESIGN §2).
// This binary wires components together; the logic lives in src/ (see docs/).
#include <chrono>
#include <iostream>

#include "api/audit_reader.hpp"
#include "api/auth_api.hpp"
#include "api/live_key_set.hpp"
#include "api/signing_keys.hpp"
#include "bw/auditclient/audit_config.hpp"
#include "bw/config/files.hpp"
#include "bw/http/server.hpp"
#include "bw/log/log.hpp"
#include "bw/quota/client.hpp"
#include "bw/redis/redis_config.hpp"
#include "bw/service/grpc_channel.hpp"
#include "bw/service/service_main.hpp"
#include "bw/service/tls.hpp"
#include "internal/internal_service.hpp"
#include "ops/audit_shipper.hpp"
#include "ops/cli.hpp"
#include "ops/housekeeper.hpp"
#include "ops/key_set_reloader.hpp"
#include "ops/service_setup.hpp"
#include "store/errors.hpp"
#include "store/store.hpp"

namespace {

using bw::config::Type;

using bw::auth::ops::load_kek;
using bw::auth::ops::now_ms;

void add_auth_keys(bw::config::Schema& s) {
  constexpr std::int64_t kYearMs = 366LL * 24 * 3600 * 1000;
  s.add({.path = "auth.public_listen", .type = Type::kString, .default_value = "",
         .help = "host:port of the public HTTPS JSON API (/v1/...); empty: the API is off"});
  s.add({.path = "auth.public_plaintext", .type = Type::kBool, .default_value = "false",
         .help = "serve the public API without TLS (only behind a proxy that terminates TLS)"});
  s.add({.path = "auth.issuer", .type = Type::kString, .default_value = "",
         .help = "iss of access tokens, e.g. https://auth.example.com (required with auth.public_listen)"});
  s.add({.path = "auth.audience", .type = Type::kString, .default_value = "breakwater",
         .help = "aud of access tokens"});
  s.add({.path = "auth.cors_origin", .type = Type::kString, .default_value = "",
         .help = "the one browser origin allowed cross-origin calls, e.g. https://app.example.com"});
  s.add({.path = "auth.kek_file", .type = Type::kString, .default_value = "",
         .help = "key-encryption key: 64 hex characters, mode 0600; set, it turns the database and the internal API on"});
  s.add({.path = "auth.kek_id", .type = Type::kString, .default_value = "kek1",
         .help = "id recorded with every value sealed under auth.kek_file"});
  s.add({.path = "auth.ratelimit_address", .type = Type::kString, .default_value = "",
         .help = "host:port of breakwater-ratelimit, for login lockout (required with auth.public_listen)"});
  s.add({.path = "auth.ratelimit_server_name", .type = Type::kString, .default_value = "",
         .help = "name expected in breakwater-ratelimit's certificate, if not the host"});
  s.add({.path = "auth.ratelimit_plaintext", .type = Type::kBool, .default_value = "false",
         .help = "call breakwater-ratelimit without TLS (only inside a mesh that encrypts)"});
  s.add({.path = "auth.database_url", .type = Type::kString, .default_value = "",
         .help = "PostgreSQL URL or conninfo (a secret); empty: SQLite at auth.sqlite_path"});
  s.add({.path = "auth.sqlite_path", .type = Type::kString, .default_value = "/var/lib/breakwater/auth.db",
         .help = "SQLite file, created if missing"});
  s.add({.path = "auth.database_pool_size", .type = Type::kInt, .default_value = "4",
         .help = "database connections per process", .min = 1, .max = 256});
  s.add({.path = "auth.database_statement_timeout", .type = Type::kDuration, .default_value = "5s",
         .help = "PostgreSQL statement_timeout", .min = 100, .max = 600'000});
  s.add({.path = "auth.refresh_idle", .type = Type::kDuration, .default_value = "14d",
         .help = "a session whose refresh token is unused this long ends", .min = 60'000, .max = kYearMs});
  s.add({.path = "auth.session_lifetime", .type = Type::kDuration, .default_value = "30d",
         .help = "absolute lifetime of a session (refresh family)", .min = 60'000, .max = kYearMs});
  s.add({.path = "auth.password_memory_kib", .type = Type::kInt, .default_value = "19456",
         .help = "Argon2id memory in KiB (never below 19456)", .min = 19456, .max = 4'194'304});
  s.add({.path = "auth.password_passes", .type = Type::kInt, .default_value = "2",
         .help = "Argon2id passes (never below 2)", .min = 2, .max = 64});
  s.add({.path = "auth.public_workers", .type = Type::kInt, .default_value = "4",
         .help = "threads running public API handlers (Argon2id runs there)", .min = 1, .max = 256});
  s.add({.path = "auth.purge_interval", .type = Type::kDuration, .default_value = "1h",
         .help = "how often expired offers, grants, invitations and sessions are deleted (0: never)",
         .min = 0, .max = 7LL * 24 * 3600 * 1000});
  s.add({.path = "auth.purge_retention", .type = Type::kDuration, .default_value = "7d",
         .help = "how long expired rows are kept before the purge deletes them",
         .min = 0, .max = 366LL * 24 * 3600 * 1000});
  s.add({.path = "auth.key_reload_interval", .type = Type::kDuration, .default_value = "60s",
         .help = "how often the signing keys are re-read from the database, so a rotate-signing-key reaches "
                 "every replica (0s: never)", .min = 0, .max = 3'600'000});
  // Redis holds the per-user revocation epochs every service checks (DESIGN §2).
  bw::redis::add_config_keys(s);
  // Where the audit outbox is shipped (DESIGN §6).
  bw::auditclient::add_config_keys(s);
}

// The database (and with it the internal API and the signing keys) is on when the public
// API is, or when auth.kek_file is set: the KEK is what the stored signing keys need.
bool store_configured(const bw::config::Values& v) {
  return !v.str("auth.public_listen").empty() || !v.str("auth.kek_file").empty();
}

bw::Status validate(const bw::config::Values& v) {
  if (auto st = bw::redis::validate_config(v); !st) return st;
  if (auto st = bw::auditclient::validate_config(v); !st) return st;
  if (!v.str("auth.kek_file").empty()) {
    if (auto ring = load_kek(v); !ring) return ring.error();
  }
  if (v.str("auth.public_listen").empty()) return {};
  for (const char* key : {"auth.issuer", "auth.kek_file", "auth.ratelimit_address"}) {
    if (v.str(key).empty()) {
      return bw::Error{bw::config::kMissing, std::string("config: ") + key + " is required when auth.public_listen is set"};
    }
  }
  if (!v.boolean("auth.public_plaintext") && (v.str("tls.cert_file").empty() || v.str("tls.key_file").empty())) {
    return bw::Error{bw::config::kMissing,
                     "config: the public API needs tls.cert_file and tls.key_file (or auth.public_plaintext: true)"};
  }
  return {};
}

bw::Result<std::shared_ptr<bw::quota::QuotaClient>> quota_client(const bw::config::Values& v) {
  bw::service::ChannelOptions o;
  o.target = v.str("auth.ratelimit_address");
  o.tls = {v.str("tls.cert_file"), v.str("tls.key_file"), v.str("tls.ca_file")};
  o.plaintext = v.boolean("auth.ratelimit_plaintext");
  o.server_name = v.str("auth.ratelimit_server_name");
  auto channel = bw::service::make_channel(o);
  if (!channel) return channel.error();
  bw::quota::QuotaClient::Options qo;
  qo.holder = "breakwater-auth";
  return std::make_shared<bw::quota::QuotaClient>(channel.value(), qo);
}

bw::Result<bw::http::ServerOptions> server_options(const bw::config::Values& v) {
  bw::http::ServerOptions o;
  o.listen = v.str("auth.public_listen");
  o.plaintext = v.boolean("auth.public_plaintext");
  o.workers = static_cast<std::size_t>(v.integer("auth.public_workers"));
  o.cors.origin = v.str("auth.cors_origin");
  if (!o.plaintext) {
    auto tls = bw::service::load_tls({v.str("tls.cert_file"), v.str("tls.key_file"), ""}, true, false);
    if (!tls) return tls.error();
    o.cert_pem = std::move(tls->cert_pem);
    o.key_pem = std::move(tls->key_pem);
  }
  return o;
}

// Tenant admins read their own audit log through the public API; auth reads it from
// breakwater-audit over the same channel settings as its audit shipper (audit.endpoint;
// empty: the /v1/audit routes answer 503).
bw::Result<std::shared_ptr<bw::auth::api::AuditReader>> audit_reader(const bw::config::Values& v) {
  if (!bw::auditclient::audit_enabled(v)) return std::shared_ptr<bw::auth::api::AuditReader>();
  bw::service::ChannelOptions o;
  o.target = v.str("audit.endpoint");
  o.tls = {v.str("tls.cert_file"), v.str("tls.key_file"), v.str("tls.ca_file")};
  o.plaintext = v.boolean("audit.plaintext");
  o.server_name = v.str("audit.server_name");
  auto channel = bw::service::make_channel(o);
  if (!channel) return bw::Error{channel.error().code, "audit.endpoint: " + channel.error().message};
  return bw::auth::api::make_grpc_audit_reader(channel.value(), v.duration("audit.rpc_timeout"));
}

// What both APIs share: the store and the live signing keys, opened once.
struct Shared {
  std::shared_ptr<bw::auth::store::Store> store;
  std::shared_ptr<const bw::authcore::KeyRing> kek;
  bw::auth::api::LiveKeySet keys;
};

bw::Result<Shared> open_shared(bw::service::ServiceContext& ctx) {
  const auto& v = ctx.config();
  auto ring = load_kek(v);
  if (!ring) return ring.error();
  auto opened = bw::auth::store::open_store(bw::auth::ops::store_config(v), now_ms());
  if (!opened) return bw::Error{opened.error().code, "auth store: " + opened.error().message};
  Shared shared{std::move(opened.value()), std::make_shared<const bw::authcore::KeyRing>(std::move(ring.value())), {}};
  auto load = [store = shared.store, kek = shared.kek] { return bw::auth::api::load_or_create_key_set(*store, *kek, now_ms()); };
  auto keys = load();
  if (!keys) return bw::Error{keys.error().code, "signing keys: " + keys.error().message};
  shared.keys.replace(std::make_shared<const bw::jwt::KeySet>(std::move(keys.value())));
  // An operator's rotate-signing-key reaches this replica within one interval.
  auto reloader = std::make_shared<bw::auth::ops::KeySetReloader>(shared.keys, load, ctx.metrics());
  reloader->start(v.duration("auth.key_reload_interval"));
  ctx.on_reload([reloader] { reloader->reload(); });  // SIGHUP: at once
  ctx.on_stop([reloader] { reloader->stop(); });
  ctx.keep(reloader);
  auto housekeeper = std::make_shared<bw::auth::ops::Housekeeper>(shared.store, v.duration("auth.purge_retention"),
                                                                  now_ms, ctx.metrics());
  housekeeper->start(v.duration("auth.purge_interval"));
  ctx.on_stop([housekeeper] { housekeeper->stop(); });
  ctx.keep(housekeeper);
  if (auto st = bw::auth::ops::start_audit_shipper(ctx, shared.store); !st) return st.error();
  // Ready while the database answers (a lookup of an id that cannot exist).
  ctx.readiness().add_check("database", [store = shared.store] {
    auto probe = store->get_tenant(bw::auth::store::Id{});
    return probe.ok() || bw::auth::store::has_code(probe.error(), bw::auth::store::Errc::kNotFound);
  });
  ctx.keep(shared.store);
  return shared;
}

bw::Status start_public_api(bw::service::ServiceContext& ctx, const Shared& shared) {
  const auto& v = ctx.config();
  auto hasher = bw::auth::ops::make_hasher(v);
  if (!hasher) return hasher.error();
  auto quota = quota_client(v);
  if (!quota) return quota.error();
  auto options = server_options(v);
  if (!options) return options.error();
  auto redis = bw::redis::make_clients(v);
  if (!redis) return redis.error();

  bw::auth::api::ApiOptions api_options{v.str("auth.issuer"), v.str("auth.audience"), v.duration("auth.refresh_idle"),
                                        v.duration("auth.session_lifetime")};
  bw::auth::api::ApiDeps deps{shared.store, bw::auth::api::make_quota_lockout(quota.value()),
                              std::make_shared<const bw::authcore::PasswordHasher>(std::move(hasher.value())),
                              shared.keys, now_ms, bw::auth::api::make_redis_revocations(redis->pool), shared.kek};
  auto audit = audit_reader(v);
  if (!audit) return audit.error();
  deps.audit = audit.value();
  const std::string kid = deps.keys->signing_key()->kid();
  auto api = std::make_shared<bw::auth::api::AuthApi>(std::move(api_options), std::move(deps), ctx.metrics());
  auto server = bw::http::start_server(std::move(options.value()), [api](const auto& r) { return api->handle(r); });
  if (!server) return server.error();
  std::shared_ptr<bw::http::Server> running = std::move(server.value());
  bw::log::info("public_api_listening", {{"port", running->port()}, {"tls", !v.boolean("auth.public_plaintext")},
                                         {"signing_kid", kid}});
  // Not ready without Redis: a password change could not revoke tokens at once.
  ctx.readiness().add_check("redis", [probe = redis->probe] { return probe->ping(); });
  ctx.on_stop([running] { running->stop(); });
  ctx.keep(redis->probe);
  ctx.keep(redis->pool);
  ctx.keep(quota.value());
  ctx.keep(api);
  ctx.keep(running);
  return {};
}

bw::Status start(bw::service::ServiceContext& ctx) {
  if (!store_configured(ctx.config())) {
    bw::log::info("auth_apis_disabled", {{"reason", "auth.kek_file and auth.public_listen are empty"}});
    return {};
  }
  auto shared = open_shared(ctx);
  if (!shared) return shared.error();
  ctx.add_grpc_service(std::make_shared<bw::auth::internal::AuthInternalService>(shared->store, shared->keys,
                                                                                  ctx.metrics()),
                       "breakwater.auth.v1.AuthInternal");
  if (ctx.config().str("auth.public_listen").empty()) {
    bw::log::info("public_api_disabled", {{"reason", "auth.public_listen is empty"}});
    return {};
  }
  return start_public_api(ctx, *shared);
}

}  // namespace

int main(int argc, char** argv) {
  bw::service::ServiceSpec spec;
  spec.name = "auth";
  spec.summary = "identity authority: accounts, tenants, tokens, devices, pairing";
  spec.grpc_port = 7410;
  spec.ops_port = 9410;
  spec.require_client_certs = true;  // the internal API is for services holding cluster certificates
  spec.add_config = add_auth_keys;
  spec.validate = validate;
  spec.start = start;
  spec.extra_help = bw::auth::ops::commands_help();
  if (bw::auth::ops::is_command(argc, argv)) return bw::auth::ops::run_command(argc, argv, spec, std::cout, std::cerr);
  return bw::service::run_service(argc, argv, spec);
}
