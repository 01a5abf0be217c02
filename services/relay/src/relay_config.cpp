#include "relay_config.hpp"

#include <unistd.h>

#include <random>

namespace bw::relay {

using config::Type;

void add_config_keys(config::Schema& s) {
  s.add({.path = "relay.actor_threads", .type = Type::kInt, .default_value = "2",
         .help = "CAF scheduler worker threads", .min = 1, .max = 64});
  s.add({.path = "relay.io_actors", .type = Type::kInt, .default_value = "4",
         .help = "I/O worker threads, sharing one queue, that make blocking calls (auth, Redis reads and acks, presence)", .min = 1, .max = 64});
  s.add({.path = "relay.appenders", .type = Type::kInt, .default_value = "2",
         .help = "actors that pipeline envelope appends to Redis", .min = 1, .max = 64});
  s.add({.path = "relay.auth_address", .type = Type::kString, .default_value = "",
         .help = "breakwater-auth's internal gRPC API (host:port); required", .required = false});
  s.add({.path = "relay.auth_server_name", .type = Type::kString, .default_value = "",
         .help = "expected name in auth's certificate, if not the host"});
  s.add({.path = "relay.auth_plaintext", .type = Type::kBool, .default_value = "false",
         .help = "call auth without TLS (only behind a mesh that adds mutual TLS)"});
  s.add({.path = "relay.auth_issuer", .type = Type::kString, .default_value = "",
         .help = "iss of the access tokens clients present (auth.issuer); required"});
  s.add({.path = "relay.auth_audience", .type = Type::kString, .default_value = "breakwater",
         .help = "aud of the access tokens clients present (auth.audience)"});
  s.add({.path = "relay.ratelimit_address", .type = Type::kString, .default_value = "",
         .help = "breakwater-ratelimit (host:port) for message quotas; empty: no quotas (not for production)"});
  s.add({.path = "relay.ratelimit_server_name", .type = Type::kString, .default_value = "",
         .help = "expected name in the rate-limit service's certificate, if not the host"});
  s.add({.path = "relay.ratelimit_plaintext", .type = Type::kBool, .default_value = "false",
         .help = "call the rate-limit service without TLS (only behind a mesh that adds mutual TLS)"});
  s.add({.path = "relay.quota_domain", .type = Type::kString, .default_value = "relay",
         .help = "rate-limit domain: descriptors (tenant) and (tenant, device), one token per envelope"});
  s.add({.path = "relay.quota_fail_open", .type = Type::kBool, .default_value = "true",
         .help = "route envelopes while the rate-limit service is unreachable (counted as degraded)"});
  s.add({.path = "relay.quota_borrow", .type = Type::kBool, .default_value = "false",
         .help = "a device whose last lease ran out unspent sends its next envelope at once, on one token charged "
                 "to the lease then fetched in the background (false: that envelope waits for the fetch)"});
  s.add({.path = "relay.ws_listen", .type = Type::kString, .default_value = "0.0.0.0:8440",
         .help = "clients' WebSocket listener (path /v1/connect); empty: none"});
  s.add({.path = "relay.ws_plaintext", .type = Type::kBool, .default_value = "false",
         .help = "serve the WebSocket without TLS (only behind a proxy that terminates TLS)"});
  s.add({.path = "relay.ws_allowed_origins", .type = Type::kStringList, .default_value = "[]",
         .help = "browser origins allowed to open a WebSocket (exact match); requests without Origin are non-browser clients"});
  s.add({.path = "relay.ws_allow_missing_origin", .type = Type::kBool, .default_value = "true",
         .help = "accept WebSocket handshakes without Origin (non-browser clients such as the terminal client; "
                 "browsers always send one, so this never admits a browser page)"});
  s.add({.path = "relay.ws_allowed_hosts", .type = Type::kStringList, .default_value = "[]",
         .help = "Host header values accepted on the WebSocket (exact, with the port if not 443); required with relay.ws_listen"});
  s.add({.path = "relay.ws_max_connections", .type = Type::kInt, .default_value = "20000",
         .help = "WebSocket connections per pod; more are refused with 503", .min = 1, .max = 1'000'000});
  s.add({.path = "relay.max_envelope_bytes", .type = Type::kInt, .default_value = "1052672",
         .help = "largest envelope (82-byte header + ciphertext)", .min = 1024, .max = 16 * 1024 * 1024});
  s.add({.path = "relay.notify_inline_max_bytes", .type = Type::kInt, .default_value = "16384",
         .help = "envelopes up to this size travel with their notification, sent on without a mailbox read; "
                 "0 announces every entry only (set 0 while pods older than the `mail` notification still run)",
         .min = 0, .max = 16384});
  s.add({.path = "relay.max_clock_skew", .type = Type::kDuration, .default_value = "2m",
         .help = "largest |sent_at − relay clock| accepted", .min = 1000, .max = 3'600'000});
  s.add({.path = "relay.max_unacked", .type = Type::kInt, .default_value = "64",
         .help = "deliveries sent ahead of the recipient's last Ack", .min = 1, .max = 4096});
  s.add({.path = "relay.max_pending", .type = Type::kInt, .default_value = "256",
         .help = "envelopes of one connection waiting for Redis; beyond, the connection is closed", .min = 1, .max = 65536});
  s.add({.path = "relay.max_queued_bytes", .type = Type::kInt, .default_value = "4194304",
         .help = "bytes waiting to be written to one connection; beyond, it is closed as a slow reader",
         .min = 65536, .max = 256 * 1024 * 1024});
  s.add({.path = "relay.hello_timeout", .type = Type::kDuration, .default_value = "10s",
         .help = "time for a new connection to authenticate", .min = 100, .max = 120'000});
  s.add({.path = "relay.ping_interval", .type = Type::kDuration, .default_value = "15s",
         .help = "Ping on every connection this often (also re-reads the mailbox)", .min = 100, .max = 600'000});
  s.add({.path = "relay.idle_timeout", .type = Type::kDuration, .default_value = "45s",
         .help = "close a connection that sent nothing for this long", .min = 200, .max = 3'600'000});
  s.add({.path = "relay.recheck_interval", .type = Type::kDuration, .default_value = "30s",
         .help = "re-check every connection's credential, revocation epoch and pairings this often",
         .min = 100, .max = 3'600'000});
  s.add({.path = "relay.drain_grace", .type = Type::kDuration, .default_value = "1s",
         .help = "after GoAway DRAINING, close connections after this long", .min = 0, .max = 60'000});
  s.add({.path = "relay.mailbox_max_len", .type = Type::kInt, .default_value = "10000",
         .help = "entries a device's mailbox holds; more are refused with MAILBOX_FULL", .min = 1, .max = 10'000'000});
  s.add({.path = "relay.mailbox_max_age", .type = Type::kDuration, .default_value = "7d",
         .help = "entries older than this are dropped unread (counted)", .min = 1000, .max = 90LL * 86'400'000});
  s.add({.path = "relay.nonce_window", .type = Type::kDuration, .default_value = "10m",
         .help = "how long a nonce is remembered per recipient (must exceed 2 × max_clock_skew)",
         .min = 1000, .max = 86'400'000});
}

Status validate_config(const config::Values& v) {
  if (v.str("relay.auth_address").empty()) {
    return Error{config::kMissing, "config: relay.auth_address is required (breakwater-auth's internal API)"};
  }
  if (v.str("relay.auth_issuer").empty()) {
    return Error{config::kMissing, "config: relay.auth_issuer is required (the iss of auth's access tokens)"};
  }
  if (v.duration("relay.nonce_window") < 2 * v.duration("relay.max_clock_skew")) {
    return Error{config::kOutOfRange,
                 "config: relay.nonce_window must be at least twice relay.max_clock_skew, or a replay could pass"};
  }
  if (v.duration("relay.idle_timeout") <= v.duration("relay.ping_interval")) {
    return Error{config::kOutOfRange, "config: relay.idle_timeout must exceed relay.ping_interval"};
  }
  if (!v.str("relay.ws_listen").empty() && v.list("relay.ws_allowed_hosts").empty()) {
    return Error{config::kMissing,
                 "config: relay.ws_allowed_hosts is required with relay.ws_listen (the Host names clients use)"};
  }
  if (!v.str("relay.ws_listen").empty() && !v.boolean("relay.ws_plaintext") &&
      (v.str("tls.cert_file").empty() || v.str("tls.key_file").empty())) {
    return Error{config::kMissing,
                 "config: the WebSocket listener needs tls.cert_file and tls.key_file (or relay.ws_plaintext: true)"};
  }
  return {};
}

RelayOptions relay_options(const config::Values& v) {
  RelayOptions o;
  char host[64] = {};
  ::gethostname(host, sizeof host - 1);
  std::random_device rd;
  o.pod_id = std::string(host) + "-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 100000);
  o.limits.max_envelope_bytes = static_cast<std::uint32_t>(v.integer("relay.max_envelope_bytes"));
  o.limits.max_clock_skew_ms = static_cast<std::uint32_t>(v.duration("relay.max_clock_skew").count());
  o.max_unacked = static_cast<std::uint32_t>(v.integer("relay.max_unacked"));
  o.max_pending = static_cast<std::uint32_t>(v.integer("relay.max_pending"));
  o.hello_timeout = v.duration("relay.hello_timeout");
  o.ping_interval = v.duration("relay.ping_interval");
  o.idle_timeout = v.duration("relay.idle_timeout");
  o.recheck_interval = v.duration("relay.recheck_interval");
  o.drain_grace = v.duration("relay.drain_grace");
  o.io_actors = static_cast<std::size_t>(v.integer("relay.io_actors"));
  o.appenders = static_cast<std::size_t>(v.integer("relay.appenders"));
  o.quota_domain = v.str("relay.quota_domain");
  return o;
}

}  // namespace bw::relay
