// breakwater-relay: routes end-to-end encrypted envelopes between agents and clients
// (DESIGN §4). Agents hold one gRPC stream each (this listener faces users' machines, which
// authenticate with device tokens in the first frame, not with cluster certificates);
// clients use WebSocket. The relay never holds a key that opens an envelope.
#include <memory>
#include <mutex>

#include "bw/auditclient/audit_config.hpp"
#include "bw/log/log.hpp"
#include "bw/quota/client.hpp"
#include "bw/redis/redis_config.hpp"
#include "bw/service/grpc_channel.hpp"
#include "bw/service/service_main.hpp"
#include "bw/service/tls.hpp"
#include "grpc_stream.hpp"
#include "redis_backend.hpp"
#include "relay_audit.hpp"
#include "relay_config.hpp"
#include "ws_listener.hpp"

namespace {

bw::Result<std::shared_ptr<grpc::Channel>> channel_to(const bw::config::Values& v, const std::string& address_key,
                                                       const std::string& plaintext_key, const std::string& name_key) {
  bw::service::ChannelOptions o;
  o.target = v.str(address_key);
  o.tls = {v.str("tls.cert_file"), v.str("tls.key_file"), v.str("tls.ca_file")};
  o.plaintext = v.boolean(plaintext_key);
  o.server_name = v.str(name_key);
  return bw::service::make_channel(o);
}

bw::Result<bw::ws::ServerOptions> ws_options(const bw::config::Values& v) {
  bw::ws::ServerOptions o;
  o.listen = v.str("relay.ws_listen");
  o.plaintext = v.boolean("relay.ws_plaintext");
  if (!o.plaintext) {
    auto tls = bw::service::load_tls({v.str("tls.cert_file"), v.str("tls.key_file"), ""}, true, false);
    if (!tls) return tls.error();
    o.cert_pem = std::move(tls->cert_pem);
    o.key_pem = std::move(tls->key_pem);
  }
  o.allowed_origins = v.list("relay.ws_allowed_origins");
  o.allow_missing_origin = v.boolean("relay.ws_allow_missing_origin");
  o.allowed_hosts = v.list("relay.ws_allowed_hosts");
  // A delivery carries one envelope plus a few framing bytes.
  o.max_message_bytes = static_cast<std::size_t>(v.integer("relay.max_envelope_bytes")) + 1024;
  o.max_outbound_bytes = static_cast<std::size_t>(v.integer("relay.max_queued_bytes"));
  o.max_connections = static_cast<std::size_t>(v.integer("relay.ws_max_connections"));
  o.handshake_timeout = v.duration("relay.hello_timeout");
  o.idle_timeout = v.duration("relay.idle_timeout");
  o.ping_interval = v.duration("relay.ping_interval");
  return o;
}

// Lets the subscriber thread reach the relay without owning it.
struct RelaySlot {
  std::mutex mu;
  std::weak_ptr<bw::relay::Relay> relay;
};

bw::Status start(bw::service::ServiceContext& ctx) {
  const auto& v = ctx.config();
  auto redis = bw::redis::make_clients(v);
  if (!redis) return redis.error();
  ctx.readiness().add_check("redis", [probe = redis->probe] { return probe->ping(); });
  ctx.keep(redis->probe);
  ctx.keep(redis->pool);
  auto pool_config = bw::redis::read_config(v);
  if (!pool_config) return pool_config.error();

  auto options = bw::relay::relay_options(v);
  auto audit = bw::auditclient::Producer::from_config(v, ctx.metrics(), "relay");
  if (!audit) return audit.error();
  options.audit = std::make_shared<bw::relay::RelayAudit>(audit.value());
  bw::relay::RedisBackendOptions bo;
  bo.pod_id = options.pod_id;
  bo.subscriber = pool_config->connection;
  bo.mailbox_max_entries = static_cast<std::uint64_t>(v.integer("relay.mailbox_max_len"));
  bo.mailbox_max_age = v.duration("relay.mailbox_max_age");
  bo.nonce_window = v.duration("relay.nonce_window");
  bo.max_envelope_bytes = static_cast<std::size_t>(v.integer("relay.max_envelope_bytes")) + 256;
  bo.notify_inline_max_bytes = static_cast<std::size_t>(v.integer("relay.notify_inline_max_bytes"));
  auto slot = std::make_shared<RelaySlot>();
  auto backend = bw::relay::make_redis_backend(redis->pool, bo, [slot](const std::string& device,
                                                                        const bw::relay::ChannelEvent& ev) {
    std::shared_ptr<bw::relay::Relay> relay;
    {
      std::lock_guard lock(slot->mu);
      relay = slot->relay.lock();
    }
    if (relay) relay->notify(device, ev);
  });
  ctx.keep(backend);

  auto auth_channel = channel_to(v, "relay.auth_address", "relay.auth_plaintext", "relay.auth_server_name");
  if (!auth_channel) return auth_channel.error();
  bw::relay::AuthLinkOptions ao;
  ao.issuer = v.str("relay.auth_issuer");
  ao.audience = v.str("relay.auth_audience");
  auto auth = std::make_shared<bw::relay::AuthLink>(auth_channel.value(), ao);

  std::shared_ptr<bw::quota::QuotaClient> quota;
  if (!v.str("relay.ratelimit_address").empty()) {
    auto channel = channel_to(v, "relay.ratelimit_address", "relay.ratelimit_plaintext", "relay.ratelimit_server_name");
    if (!channel) return channel.error();
    bw::quota::QuotaClient::Options qo;
    qo.holder = "breakwater-relay/" + options.pod_id;
    qo.fail_open = v.boolean("relay.quota_fail_open");
    qo.borrow_when_idle = v.boolean("relay.quota_borrow");
    quota = std::make_shared<bw::quota::QuotaClient>(channel.value(), qo);
  } else {
    bw::log::warn("no relay.ratelimit_address: envelopes are not rate limited");
  }

  const auto threads = static_cast<std::size_t>(v.integer("relay.actor_threads"));
  auto relay = std::make_shared<bw::relay::Relay>(backend, auth, quota, ctx.metrics(), options, threads);
  {
    std::lock_guard lock(slot->mu);
    slot->relay = relay;
  }
  ctx.keep(relay);
  ctx.add_grpc_service(std::make_shared<bw::relay::RelayGrpcService>(
                           relay, static_cast<std::size_t>(v.integer("relay.max_queued_bytes"))),
                       "breakwater.relay.v1.Relay");

  std::shared_ptr<bw::relay::WsListener> ws;
  if (!v.str("relay.ws_listen").empty()) {
    auto wo = ws_options(v);
    if (!wo) return wo.error();
    auto listener = bw::relay::WsListener::start(std::move(wo.value()), relay);
    if (!listener) return bw::Error{1, "websocket: " + listener.error().message};
    ws = std::move(listener.value());
    bw::log::info("websocket listening", {{"port", ws->port()}, {"tls", !v.boolean("relay.ws_plaintext")}});
    ctx.keep(ws);
  }
  std::vector<bw::relay::StatsExporter::Source> sources = {[backend] { return backend->stats(); }};
  if (ws) sources.push_back([ws] { return ws->samples(); });
  sources.push_back([weak = std::weak_ptr<bw::relay::Relay>(relay)] {
    const auto r = weak.lock();
    return std::vector<bw::relay::StatSample>{
        {"io_queue", "Blocking jobs (auth calls, mailbox reads and acks, presence) waiting for an I/O worker", {},
         r ? r->io_queued() : 0, true}};
  });
  if (quota) {
    sources.push_back([quota] {
      const auto st = quota->stats();
      const char* help = "Quota leases fetched, by whether an envelope waited for the fetch or it was renewed ahead";
      return std::vector<bw::relay::StatSample>{
          {"quota_lease_fetches", help, {{"mode", "waited"}}, st.waited},
          {"quota_lease_fetches", help, {{"mode", "ahead"}}, st.ahead},
          {"quota_renewal_calls", "Calls that renewed leases ahead (each carries up to 64 leases)", {}, st.ahead_calls},
          {"quota_waited_calls", "Calls that fetched leases envelopes waited for (an append batch's in one call)", {},
           st.waited_calls},
          {"quota_borrowed", "Envelopes routed on one borrowed token while their device's next lease was fetched", {},
           st.borrowed}};
    });
  }
  auto exporter = std::make_shared<bw::relay::StatsExporter>(ctx.metrics(), std::move(sources));
  exporter->collect();  // every family exists from the start
  ctx.keep(exporter);
  ctx.on_drain([relay] { relay->drain(); });
  ctx.on_stop([ws, backend, slot, exporter] {
    exporter->stop();
    if (ws) ws->stop();
    backend->stop();
    std::lock_guard lock(slot->mu);
    slot->relay.reset();
  });
  // After the connections are gone: flush their last events within audit.shutdown_timeout.
  ctx.on_stop([producer = audit.value()] { producer->stop(); });
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  bw::service::ServiceSpec spec;
  spec.name = "relay";
  spec.summary = "end-to-end encrypted message relay between agents and clients";
  spec.grpc_port = 7440;
  spec.ops_port = 9440;
  spec.require_client_certs = false;
  spec.add_config = [](bw::config::Schema& s) {
    bw::redis::add_config_keys(s);
    bw::relay::add_config_keys(s);
    bw::auditclient::add_config_keys(s);
  };
  spec.validate = [](const bw::config::Values& v) -> bw::Status {
    if (auto st = bw::redis::validate_config(v); !st) return st;
    if (auto st = bw::auditclient::validate_config(v); !st) return st;
    return bw::relay::validate_config(v);
  };
  spec.start = start;
  return bw::service::run_service(argc, argv, spec);
}
