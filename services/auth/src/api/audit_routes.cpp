// Audit routes (modules.hpp): a tenant's owners and admins read their own tenant's audit log
// and the proofs that it was not rewritten, through auth, which asks breakwater-audit as a
// reader (audit_reader.hpp). The tenant is always the caller's own, taken from the
// authenticated session — never from the request — so no request can name another tenant.
//
//   GET /v1/audit/checkpoint                         latest signed checkpoint
//   GET /v1/audit/keys                               checkpoint public keys
//   GET /v1/audit/events?page_token=&page_size=      events, oldest first (each with leaf_data)
//   GET /v1/audit/proofs/inclusion?event_id=&tree_size=
//   GET /v1/audit/proofs/consistency?first=&second=
// Bytes are lowercase hex. Answers: 200; 400 bad parameter; 403 below admin; 404 nothing
// there yet (no checkpoint, no such event); 409 a size beyond the log; 503 audit unreachable
// or not configured. docs/protocol.md lists the fields.
#include <grpcpp/support/status.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "api/api_support.hpp"
#include "api/audit_reader.hpp"
#include "api/modules.hpp"
#include "bw/crypto/hex.hpp"
#include "bw/json/writer.hpp"

namespace bw::auth::api {

using detail::error;

namespace {

namespace v1 = breakwater::audit::v1;

std::string hex(const std::string& bytes) {
  return crypto::hex_encode(ByteView(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

// The query's parameters, each at most once and only those allowed.
Result<std::map<std::string, std::string>> params(std::string_view query, std::initializer_list<std::string_view> allowed) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const std::string name(pair.substr(0, eq));
    if (eq == std::string_view::npos || std::find(allowed.begin(), allowed.end(), name) == allowed.end() ||
        !out.emplace(name, std::string(pair.substr(eq + 1))).second) {
      return Error{1, "query: unknown or repeated parameter '" + name + "'"};
    }
  }
  return out;
}

std::optional<std::uint64_t> number(const std::map<std::string, std::string>& p, const std::string& name) {
  auto it = p.find(name);
  if (it == p.end()) return 0;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
  if (ec != std::errc() || end != it->second.data() + it->second.size()) return std::nullopt;
  return n;
}

http::Response from_audit(const Error& e) {
  switch (static_cast<grpc::StatusCode>(e.code)) {
    case grpc::StatusCode::NOT_FOUND: return error(404, "not_found", "nothing in the audit log yet, or no such event");
    case grpc::StatusCode::INVALID_ARGUMENT: return error(400, "invalid_request", e.message);
    case grpc::StatusCode::FAILED_PRECONDITION: return error(409, "conflict", e.message);
    default: return error(503, "unavailable", "the audit log is not reachable now; try again");
  }
}

void write_event(json::Writer& w, const v1::StoredEvent& s) {
  const auto& e = s.event();
  w.begin_object()
      .field("leaf_index", s.leaf_index())
      .field("leaf_hash", hex(s.leaf_hash()))
      .field("event_id", hex(e.event_id()))
      .field("tenant", hex(e.tenant()))
      .field("time_ms", static_cast<std::int64_t>(e.time().seconds() * 1000 + e.time().nanos() / 1'000'000))
      .field("action", e.action())
      .field("result", v1::Result_Name(e.result()))
      .field("actor_kind", v1::Actor::Kind_Name(e.actor().kind()))
      .field("actor_id", hex(e.actor().id()))
      .field("actor_name", e.actor().name())
      .field("source_address", hex(e.source_address()))
      .field("target_type", e.target().type())
      .field("target_id", hex(e.target().id()))
      .field("producer", e.producer())
      .key("attributes")
      .begin_object();
  std::map<std::string, std::string> sorted(e.attributes().begin(), e.attributes().end());
  for (const auto& [k, v] : sorted) w.field(k, v);
  w.end_object().end_object();
}

}  // namespace

void add_audit_routes(Router& router, const ApiCore& core, std::shared_ptr<AuditReader> reader) {
  const AuthOptions admin{.min_role = store::Role::kAdmin};
  auto with_reader = [reader](auto&& fn) {
    return [reader, fn](const http::Request& r, const Caller& c, const PathParams&) -> http::Response {
      if (!reader) return error(503, "unavailable", "the audit log is not configured on this deployment");
      return fn(*reader, r, c);
    };
  };
  core.add_authed(router, "GET", "/v1/audit/checkpoint", admin, with_reader([](AuditReader& a, const http::Request&, const Caller& c) {
    auto cp = a.checkpoint(c.tenant.id);
    if (!cp) return from_audit(cp.error());
    json::Writer w;
    w.begin_object().field("tree_size", cp->tree_size()).field("root_hash", hex(cp->root_hash()))
        .field("timestamp_ms", cp->timestamp_ms()).field("key_id", cp->key_id()).field("signature", hex(cp->signature()))
        .field("tenant", hex(cp->tenant())).end_object();
    return detail::json(200, w.take());
  }));
  core.add_authed(router, "GET", "/v1/audit/keys", admin, with_reader([](AuditReader& a, const http::Request&, const Caller&) {
    auto keys = a.keys();
    if (!keys) return from_audit(keys.error());
    json::Writer w;
    w.begin_object().key("keys").begin_array();
    for (const auto& k : keys->keys()) {
      w.begin_object().field("key_id", k.key_id()).field("public_key", hex(k.public_key())).end_object();
    }
    w.end_array().end_object();
    return detail::json(200, w.take());
  }));
  core.add_authed(router, "GET", "/v1/audit/events", admin, with_reader([](AuditReader& a, const http::Request& r, const Caller& c) {
    auto p = params(r.query, {"page_token", "page_size"});
    if (!p) return error(400, "invalid_request", p.error().message);
    const auto size = number(*p, "page_size");
    if (!size || *size > 1000) return error(400, "invalid_request", "page_size: a number up to 1000");
    v1::QueryRequest req;
    req.set_page_size(static_cast<std::uint32_t>(*size));
    if (p->contains("page_token")) req.set_page_token(p->at("page_token"));
    auto page = a.query(c.tenant.id, req);
    if (!page) return from_audit(page.error());
    json::Writer w;
    w.begin_object().key("events").begin_array();
    for (const auto& e : page->events()) write_event(w, e);
    w.end_array().field("next_page_token", page->next_page_token()).end_object();
    return detail::json(200, w.take());
  }));
  core.add_authed(router, "GET", "/v1/audit/proofs/inclusion", admin, with_reader([](AuditReader& a, const http::Request& r, const Caller& c) {
    auto p = params(r.query, {"event_id", "tree_size"});
    if (!p) return error(400, "invalid_request", p.error().message);
    const auto id = p->contains("event_id") ? crypto::hex_decode(p->at("event_id")) : Result<Bytes>(Error{1, ""});
    const auto size = number(*p, "tree_size");
    if (!id || id->size() != 16 || !size) return error(400, "invalid_request", "event_id (32 hex digits) and tree_size");
    v1::GetInclusionProofRequest req;
    req.set_event_id(std::string(id->begin(), id->end()));
    req.set_tree_size(*size);
    auto proof = a.inclusion(c.tenant.id, req);
    if (!proof) return from_audit(proof.error());
    json::Writer w;
    w.begin_object().field("leaf_index", proof->leaf_index()).field("tree_size", proof->tree_size())
        .field("leaf_data", hex(proof->leaf_data())).key("audit_path").begin_array();
    for (const auto& h : proof->audit_path()) w.value(hex(h));
    w.end_array().end_object();
    return detail::json(200, w.take());
  }));
  core.add_authed(router, "GET", "/v1/audit/proofs/consistency", admin, with_reader([](AuditReader& a, const http::Request& r, const Caller& c) {
    auto p = params(r.query, {"first", "second"});
    if (!p) return error(400, "invalid_request", p.error().message);
    const auto first = number(*p, "first"), second = number(*p, "second");
    if (!first || !second || *first == 0) return error(400, "invalid_request", "first (at least 1) and second");
    v1::GetConsistencyProofRequest req;
    req.set_first_size(*first);
    req.set_second_size(*second);
    auto proof = a.consistency(c.tenant.id, req);
    if (!proof) return from_audit(proof.error());
    json::Writer w;
    w.begin_object().field("first_size", proof->first_size()).field("second_size", proof->second_size()).key("path").begin_array();
    for (const auto& h : proof->path()) w.value(hex(h));
    w.end_array().end_object();
    return detail::json(200, w.take());
  }));
}

}  // namespace bw::auth::api
