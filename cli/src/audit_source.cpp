// See audit_source.hpp.
#include "audit_source.hpp"

#include <grpcpp/grpcpp.h>

#include <nlohmann/json.hpp>

#include "auth_commands.hpp"
#include "breakwater/audit/v1/audit.grpc.pb.h"
#include "bw/crypto/hex.hpp"
#include "bw/service/grpc_channel.hpp"
#include "signed_in.hpp"

namespace bw::cli {
namespace {

namespace v1 = breakwater::audit::v1;
using json = nlohmann::json;

Status from_grpc(const grpc::Status& st) {
  if (st.ok()) return {};
  return Error{1, st.error_message()};
}

class GrpcSource final : public AuditSource {
 public:
  GrpcSource(std::shared_ptr<grpc::Channel> channel, GrpcSourceOptions o)
      : stub_(v1::Audit::NewStub(std::move(channel))), o_(std::move(o)) {}
  Status keys(v1::PublicKeys* out) override {
    return call([&](auto* c) { return stub_->GetPublicKeys(c, {}, out); });
  }
  Status checkpoint(v1::Checkpoint* out) override {
    v1::GetCheckpointRequest req;
    req.set_tenant(tenant());
    return call([&](auto* c) { return stub_->GetCheckpoint(c, req, out); });
  }
  Status consistency(std::uint64_t first, std::uint64_t second, v1::ConsistencyProof* out) override {
    v1::GetConsistencyProofRequest req;
    req.set_tenant(tenant());
    req.set_first_size(first);
    req.set_second_size(second);
    return call([&](auto* c) { return stub_->GetConsistencyProof(c, req, out); });
  }
  Status inclusion(const std::string& event_id, std::uint64_t tree_size, v1::InclusionProof* out) override {
    v1::GetInclusionProofRequest req;
    req.set_tenant(tenant());
    req.set_event_id(event_id);
    req.set_tree_size(tree_size);
    return call([&](auto* c) { return stub_->GetInclusionProof(c, req, out); });
  }
  Status page(const std::string& token, v1::QueryResponse* out) override {
    v1::QueryRequest req;
    req.set_tenant(tenant());
    req.set_page_size(1000);
    req.set_page_token(token);
    return call([&](auto* c) { return stub_->Query(c, req, out); });
  }

 private:
  std::string tenant() const { return std::string(o_.tenant.begin(), o_.tenant.end()); }
  template <class Fn>
  Status call(Fn&& fn) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(o_.timeout_ms));
    return from_grpc(fn(&ctx));
  }
  std::unique_ptr<v1::Audit::Stub> stub_;
  GrpcSourceOptions o_;
};

// Hex text → bytes; empty on malformed input (the checks downstream then fail on sizes).
std::string unhex(const json& j, const char* key) {
  auto raw = crypto::hex_decode(j.value(key, ""));
  return raw ? std::string(raw->begin(), raw->end()) : std::string();
}

void event_from_json(const json& j, v1::StoredEvent* out) {
  out->set_leaf_index(j.value("leaf_index", std::uint64_t{0}));
  out->set_leaf_hash(unhex(j, "leaf_hash"));
  auto* e = out->mutable_event();
  e->set_event_id(unhex(j, "event_id"));
  e->set_tenant(unhex(j, "tenant"));
  const auto ms = j.value("time_ms", std::int64_t{0});
  e->mutable_time()->set_seconds(ms / 1000);
  e->mutable_time()->set_nanos(static_cast<std::int32_t>(ms % 1000) * 1'000'000);
  v1::Actor::Kind kind = v1::Actor::KIND_UNSPECIFIED;
  v1::Actor::Kind_Parse(j.value("actor_kind", ""), &kind);
  e->mutable_actor()->set_kind(kind);
  e->mutable_actor()->set_id(unhex(j, "actor_id"));
  e->mutable_actor()->set_name(j.value("actor_name", ""));
  e->set_action(j.value("action", ""));
  v1::Result result = v1::RESULT_UNSPECIFIED;
  v1::Result_Parse(j.value("result", ""), &result);
  e->set_result(result);
  e->mutable_target()->set_type(j.value("target_type", ""));
  e->mutable_target()->set_id(unhex(j, "target_id"));
  e->set_source_address(unhex(j, "source_address"));
  e->set_producer(j.value("producer", ""));
  if (j.contains("attributes") && j["attributes"].is_object()) {
    for (const auto& [k, v] : j["attributes"].items()) {
      if (v.is_string()) (*e->mutable_attributes())[k] = v.get<std::string>();
    }
  }
}

class ApiSource final : public AuditSource {
 public:
  explicit ApiSource(Signed s) : s_(std::move(s)) {}
  Status keys(v1::PublicKeys* out) override {
    auto j = get("/v1/audit/keys");
    if (!j) return j.error();
    for (const auto& k : (*j)["keys"]) {
      auto* key = out->add_keys();
      key->set_key_id(k.value("key_id", ""));
      key->set_public_key(unhex(k, "public_key"));
    }
    return {};
  }
  Status checkpoint(v1::Checkpoint* out) override {
    auto j = get("/v1/audit/checkpoint");
    if (!j) return j.error();
    out->set_tenant(unhex(*j, "tenant"));
    out->set_tree_size(j->value("tree_size", std::uint64_t{0}));
    out->set_root_hash(unhex(*j, "root_hash"));
    out->set_timestamp_ms(j->value("timestamp_ms", std::uint64_t{0}));
    out->set_key_id(j->value("key_id", ""));
    out->set_signature(unhex(*j, "signature"));
    return {};
  }
  Status consistency(std::uint64_t first, std::uint64_t second, v1::ConsistencyProof* out) override {
    auto j = get("/v1/audit/proofs/consistency?first=" + std::to_string(first) + "&second=" + std::to_string(second));
    if (!j) return j.error();
    out->set_first_size(j->value("first_size", std::uint64_t{0}));
    out->set_second_size(j->value("second_size", std::uint64_t{0}));
    for (const auto& h : (*j)["path"]) out->add_path(unhex(json{{"h", h}}, "h"));
    return {};
  }
  Status inclusion(const std::string& event_id, std::uint64_t tree_size, v1::InclusionProof* out) override {
    const auto id = crypto::hex_encode(ByteView(reinterpret_cast<const std::uint8_t*>(event_id.data()), event_id.size()));
    auto j = get("/v1/audit/proofs/inclusion?event_id=" + id + "&tree_size=" + std::to_string(tree_size));
    if (!j) return j.error();
    out->set_leaf_index(j->value("leaf_index", std::uint64_t{0}));
    out->set_tree_size(j->value("tree_size", std::uint64_t{0}));
    out->set_leaf_data(unhex(*j, "leaf_data"));
    for (const auto& h : (*j)["audit_path"]) out->add_audit_path(unhex(json{{"h", h}}, "h"));
    return {};
  }
  Status page(const std::string& token, v1::QueryResponse* out) override {
    auto j = get("/v1/audit/events?page_size=1000" + (token.empty() ? "" : "&page_token=" + token));
    if (!j) return j.error();
    for (const auto& e : (*j)["events"]) event_from_json(e, out->add_events());
    out->set_next_page_token(j->value("next_page_token", ""));
    return {};
  }

 private:
  Result<json> get(const std::string& path) {
    auto r = s_.http->request("GET", path, {}, s_.token);
    if (!r) return r.error();
    if (r->status != 200) return Error{1, http::describe_failure(*r)};
    auto j = json::parse(r->body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Error{1, "auth answered something that is not a JSON object"};
    return j;
  }
  Signed s_;
};

}  // namespace

Result<std::unique_ptr<AuditSource>> grpc_audit_source(const GrpcSourceOptions& o) {
  service::ChannelOptions c;
  c.target = o.target;
  c.tls = {o.cert_file, o.key_file, o.ca_file};
  c.server_name = o.server_name;
  c.mutual = !o.cert_file.empty();
  auto channel = service::make_channel(c);
  if (!channel) return channel.error();
  return std::unique_ptr<AuditSource>(std::make_unique<GrpcSource>(channel.value(), o));
}

Result<std::unique_ptr<AuditSource>> api_audit_source(const CommandEnv& env) {
  auto s = sign_in(env);
  if (!s) return s.error();
  return std::unique_ptr<AuditSource>(std::make_unique<ApiSource>(std::move(s.value())));
}

}  // namespace bw::cli
