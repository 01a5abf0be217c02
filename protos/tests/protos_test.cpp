// Wire-compatibility facts of bw_protos that must never regress.
//
// - Envoy RLS and gRPC health: package, service, method, message and enum names, field
//   numbers and types, checked field by field against the values read from Envoy's and
//   gRPC's published definitions (envoyproxy/data-plane-api, grpc/grpc-proto), plus byte
//   strings computed by hand from the protobuf encoding rules, plus real RPCs over an
//   in-process channel addressed by the literal method paths a gateway or probe uses.
// - Breakwater: proto file names (which fix include paths and descriptor-pool names), the
//   rpc shapes, and the numbers that are hashed into the E2E protocol (Role in the pairing
//   transcript, Kind in the associated data) or that clients see (relay error codes).
#include <gtest/gtest.h>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "breakwater/audit/v1/audit.grpc.pb.h"
#include "breakwater/auth/v1/auth.grpc.pb.h"
#include "breakwater/common/v1/identity.pb.h"
#include "breakwater/ratelimit/v1/ratelimit.grpc.pb.h"
#include "breakwater/relay/v1/relay.grpc.pb.h"
#include "envoy/service/ratelimit/v3/rls.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace {

namespace pb = google::protobuf;
namespace rls = envoy::service::ratelimit::v3;
namespace health = grpc::health::v1;
using FD = pb::FieldDescriptor;

std::string to_hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0x0f];
  }
  return out;
}

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

const pb::DescriptorPool& pool() { return *pb::DescriptorPool::generated_pool(); }

// --- Field numbers, types and labels ------------------------------------------------------

struct FieldSpec {
  const char* name;
  int number;
  FD::Type type;
  bool repeated;
  const char* type_name;  // full name of the message or enum type, or "" for scalars
};

void expect_fields(const char* message, const std::vector<FieldSpec>& fields) {
  SCOPED_TRACE(message);
  const pb::Descriptor* d = pool().FindMessageTypeByName(message);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->field_count(), static_cast<int>(fields.size())) << "unexpected extra fields";
  for (const FieldSpec& f : fields) {
    SCOPED_TRACE(f.name);
    const FD* fd = d->FindFieldByName(f.name);
    ASSERT_NE(fd, nullptr);
    EXPECT_EQ(fd->number(), f.number);
    EXPECT_EQ(fd->type(), f.type);
    EXPECT_EQ(fd->is_repeated(), f.repeated);
    std::string type_name;
    if (fd->message_type() != nullptr) type_name = fd->message_type()->full_name();
    if (fd->enum_type() != nullptr) type_name = fd->enum_type()->full_name();
    EXPECT_EQ(type_name, f.type_name);
  }
}

void expect_enum(const char* name, const std::vector<std::pair<const char*, int>>& values) {
  SCOPED_TRACE(name);
  const pb::EnumDescriptor* e = pool().FindEnumTypeByName(name);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->value_count(), static_cast<int>(values.size())) << "unexpected extra values";
  for (const auto& [value_name, number] : values) {
    const pb::EnumValueDescriptor* v = e->FindValueByName(value_name);
    ASSERT_NE(v, nullptr) << value_name;
    EXPECT_EQ(v->number(), number) << value_name;
  }
}

constexpr const char* kDescriptor = "envoy.extensions.common.ratelimit.v3.RateLimitDescriptor";
constexpr const char* kResponse = "envoy.service.ratelimit.v3.RateLimitResponse";

TEST(EnvoyRls, RequestAndDescriptorFieldsMatchEnvoy) {
  // Linking the generated classes registers their files in the generated pool.
  ASSERT_NE(rls::RateLimitRequest::descriptor(), nullptr);
  expect_fields("envoy.service.ratelimit.v3.RateLimitRequest",
                {{"domain", 1, FD::TYPE_STRING, false, ""},
                 {"descriptors", 2, FD::TYPE_MESSAGE, true, kDescriptor},
                 {"hits_addend", 3, FD::TYPE_UINT32, false, ""}});
  expect_fields(kDescriptor,
                {{"entries", 1, FD::TYPE_MESSAGE, true,
                  "envoy.extensions.common.ratelimit.v3.RateLimitDescriptor.Entry"},
                 {"limit", 2, FD::TYPE_MESSAGE, false,
                  "envoy.extensions.common.ratelimit.v3.RateLimitDescriptor.RateLimitOverride"},
                 {"hits_addend", 3, FD::TYPE_MESSAGE, false, "google.protobuf.UInt64Value"}});
  expect_fields("envoy.extensions.common.ratelimit.v3.RateLimitDescriptor.Entry",
                {{"key", 1, FD::TYPE_STRING, false, ""}, {"value", 2, FD::TYPE_STRING, false, ""}});
  expect_fields("envoy.extensions.common.ratelimit.v3.RateLimitDescriptor.RateLimitOverride",
                {{"requests_per_unit", 1, FD::TYPE_UINT32, false, ""},
                 {"unit", 2, FD::TYPE_ENUM, false, "envoy.type.v3.RateLimitUnit"}});
  expect_fields("envoy.config.core.v3.HeaderValue", {{"key", 1, FD::TYPE_STRING, false, ""},
                                                     {"value", 2, FD::TYPE_STRING, false, ""},
                                                     {"raw_value", 3, FD::TYPE_BYTES, false, ""}});
}

TEST(EnvoyRls, ResponseFieldsMatchEnvoy) {
  ASSERT_NE(rls::RateLimitResponse::descriptor(), nullptr);
  const std::string code = std::string(kResponse) + ".Code";
  const std::string limit = std::string(kResponse) + ".RateLimit";
  const std::string quota = std::string(kResponse) + ".Quota";
  const std::string status = std::string(kResponse) + ".DescriptorStatus";
  expect_fields(kResponse,
                {{"overall_code", 1, FD::TYPE_ENUM, false, code.c_str()},
                 {"statuses", 2, FD::TYPE_MESSAGE, true, status.c_str()},
                 {"response_headers_to_add", 3, FD::TYPE_MESSAGE, true,
                  "envoy.config.core.v3.HeaderValue"},
                 {"request_headers_to_add", 4, FD::TYPE_MESSAGE, true,
                  "envoy.config.core.v3.HeaderValue"},
                 {"raw_body", 5, FD::TYPE_BYTES, false, ""},
                 {"dynamic_metadata", 6, FD::TYPE_MESSAGE, false, "google.protobuf.Struct"},
                 {"quota", 7, FD::TYPE_MESSAGE, false, quota.c_str()}});
  expect_fields(limit.c_str(), {{"name", 3, FD::TYPE_STRING, false, ""},
                                {"requests_per_unit", 1, FD::TYPE_UINT32, false, ""},
                                {"unit", 2, FD::TYPE_ENUM, false, (limit + ".Unit").c_str()}});
  expect_fields(quota.c_str(),
                {{"requests", 1, FD::TYPE_UINT32, false, ""},
                 {"valid_until", 2, FD::TYPE_MESSAGE, false, "google.protobuf.Timestamp"},
                 {"id", 3, FD::TYPE_STRING, false, ""}});
  expect_fields(status.c_str(),
                {{"code", 1, FD::TYPE_ENUM, false, code.c_str()},
                 {"current_limit", 2, FD::TYPE_MESSAGE, false, limit.c_str()},
                 {"limit_remaining", 3, FD::TYPE_UINT32, false, ""},
                 {"duration_until_reset", 4, FD::TYPE_MESSAGE, false, "google.protobuf.Duration"},
                 {"quota", 5, FD::TYPE_MESSAGE, false, quota.c_str()}});
  const FD* valid_until = rls::RateLimitResponse::Quota::descriptor()->FindFieldByNumber(2);
  ASSERT_NE(valid_until->containing_oneof(), nullptr);
  EXPECT_EQ(valid_until->containing_oneof()->name(), "expiration_specifier");
}

TEST(EnvoyRls, EnumValuesMatchEnvoy) {
  ASSERT_NE(rls::RateLimitResponse::descriptor(), nullptr);
  expect_enum("envoy.service.ratelimit.v3.RateLimitResponse.Code",
              {{"UNKNOWN", 0}, {"OK", 1}, {"OVER_LIMIT", 2}});
  expect_enum("envoy.service.ratelimit.v3.RateLimitResponse.RateLimit.Unit",
              {{"UNKNOWN", 0}, {"SECOND", 1}, {"MINUTE", 2}, {"HOUR", 3}, {"DAY", 4},
               {"WEEK", 7}, {"MONTH", 5}, {"YEAR", 6}});
  expect_enum("envoy.type.v3.RateLimitUnit", {{"UNKNOWN", 0}, {"SECOND", 1}, {"MINUTE", 2},
                                              {"HOUR", 3}, {"DAY", 4}, {"MONTH", 5}, {"YEAR", 6}});
}

// --- Services and files --------------------------------------------------------------------

struct MethodSpec {
  const char* name;
  const char* input;
  const char* output;
  bool client_streaming;
  bool server_streaming;
};

void expect_service(const pb::FileDescriptor* file, const char* file_name, const char* service,
                    const std::vector<MethodSpec>& methods) {
  SCOPED_TRACE(service);
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->name(), file_name);
  const pb::ServiceDescriptor* s = pool().FindServiceByName(service);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->file(), file);
  EXPECT_EQ(s->method_count(), static_cast<int>(methods.size()));
  for (const MethodSpec& m : methods) {
    SCOPED_TRACE(m.name);
    const pb::MethodDescriptor* md = s->FindMethodByName(m.name);
    ASSERT_NE(md, nullptr);
    EXPECT_EQ(md->input_type()->full_name(), m.input);
    EXPECT_EQ(md->output_type()->full_name(), m.output);
    EXPECT_EQ(md->client_streaming(), m.client_streaming);
    EXPECT_EQ(md->server_streaming(), m.server_streaming);
  }
}

TEST(Services, EnvoyRateLimitServiceShape) {
  expect_service(rls::RateLimitRequest::descriptor()->file(),
                 "envoy/service/ratelimit/v3/rls.proto",
                 "envoy.service.ratelimit.v3.RateLimitService",
                 {{"ShouldRateLimit", "envoy.service.ratelimit.v3.RateLimitRequest",
                   "envoy.service.ratelimit.v3.RateLimitResponse", false, false}});
}

TEST(Services, GrpcHealthMatchesPublishedDefinition) {
  const char* req = "grpc.health.v1.HealthCheckRequest";
  const char* resp = "grpc.health.v1.HealthCheckResponse";
  expect_service(health::HealthCheckRequest::descriptor()->file(), "grpc/health/v1/health.proto",
                 "grpc.health.v1.Health",
                 {{"Check", req, resp, false, false},
                  {"List", "grpc.health.v1.HealthListRequest", "grpc.health.v1.HealthListResponse",
                   false, false},
                  {"Watch", req, resp, false, true}});
  expect_fields(req, {{"service", 1, FD::TYPE_STRING, false, ""}});
  expect_fields(resp, {{"status", 1, FD::TYPE_ENUM, false,
                        "grpc.health.v1.HealthCheckResponse.ServingStatus"}});
  expect_fields("grpc.health.v1.HealthListResponse",
                {{"statuses", 1, FD::TYPE_MESSAGE, true,
                  "grpc.health.v1.HealthListResponse.StatusesEntry"}});
  expect_enum("grpc.health.v1.HealthCheckResponse.ServingStatus",
              {{"UNKNOWN", 0}, {"SERVING", 1}, {"NOT_SERVING", 2}, {"SERVICE_UNKNOWN", 3}});
}

TEST(Services, BreakwaterServicesLiveAtTheirPackagePaths) {
  namespace relay = breakwater::relay::v1;
  namespace auth = breakwater::auth::v1;
  namespace quota = breakwater::ratelimit::v1;
  namespace audit = breakwater::audit::v1;
  expect_service(relay::Envelope::descriptor()->file(), "breakwater/relay/v1/relay.proto",
                 "breakwater.relay.v1.Relay",
                 {{"Connect", "breakwater.relay.v1.AgentFrame", "breakwater.relay.v1.RelayFrame",
                   true, true}});
  expect_service(auth::Pairing::descriptor()->file(), "breakwater/auth/v1/auth.proto",
                 "breakwater.auth.v1.AuthInternal",
                 {{"ValidateDeviceToken", "breakwater.auth.v1.ValidateDeviceTokenRequest",
                   "breakwater.auth.v1.DeviceIdentity", false, false},
                  {"GetKeySet", "breakwater.auth.v1.GetKeySetRequest", "breakwater.auth.v1.KeySet",
                   false, false},
                  {"LookupPairing", "breakwater.auth.v1.LookupPairingRequest",
                   "breakwater.auth.v1.Pairing", false, false},
                  {"ListPairings", "breakwater.auth.v1.ListPairingsRequest",
                   "breakwater.auth.v1.ListPairingsResponse", false, false},
                  {"GetRevocationEpoch", "breakwater.auth.v1.GetRevocationEpochRequest",
                   "breakwater.auth.v1.GetRevocationEpochResponse", false, false}});
  EXPECT_EQ(quota::LockoutStatus::descriptor()->file()->name(),
            "breakwater/ratelimit/v1/ratelimit.proto");
  ASSERT_NE(pool().FindServiceByName("breakwater.ratelimit.v1.Quota"), nullptr);
  const auto* quota_service = pool().FindServiceByName("breakwater.ratelimit.v1.Quota");
  EXPECT_EQ(quota_service->method_count(), 8);
  for (const char* batch : {"AcquireLeases", "ReturnLeases"}) {
    const auto* m = quota_service->FindMethodByName(batch);
    ASSERT_NE(m, nullptr) << batch;
    EXPECT_FALSE(m->client_streaming() || m->server_streaming()) << batch << " is unary";
  }
  EXPECT_EQ(audit::Checkpoint::descriptor()->file()->name(), "breakwater/audit/v1/audit.proto");
  ASSERT_NE(pool().FindServiceByName("breakwater.audit.v1.Audit"), nullptr);
  EXPECT_EQ(pool().FindServiceByName("breakwater.audit.v1.Audit")->method_count(), 6);
}

// --- Numbers hashed into the E2E protocol or shown to clients ------------------------------

TEST(BreakwaterNumbers, RoleIsTheTranscriptByte) {
  ASSERT_NE(breakwater::common::v1::Role_descriptor(), nullptr);
  expect_enum("breakwater.common.v1.Role", {{"ROLE_UNSPECIFIED", 0}, {"ROLE_OWNER", 1},
                                            {"ROLE_ADMIN", 2}, {"ROLE_MEMBER", 3},
                                            {"ROLE_VIEWER", 4}});
}

TEST(BreakwaterNumbers, EnvelopeKindIsTheAssociatedDataByte) {
  ASSERT_NE(breakwater::relay::v1::Kind_descriptor(), nullptr);
  expect_enum("breakwater.relay.v1.Kind",
              {{"KIND_UNSPECIFIED", 0}, {"KIND_PAIR_CLIENT_PROOF", 1}, {"KIND_PAIR_AGENT_PROOF", 2},
               {"KIND_ASSERTION", 3}, {"KIND_PROMPT", 4}, {"KIND_CONTROL", 5},
               {"KIND_APPROVAL_REQUEST", 6}, {"KIND_APPROVAL_ANSWER", 7}, {"KIND_OUTPUT", 8},
               {"KIND_EVENT", 9}, {"KIND_ACK", 10}, {"KIND_CLOSE", 11}});
  EXPECT_LE(breakwater::relay::v1::Kind_MAX, 255);
}

TEST(BreakwaterNumbers, RelayErrorCodesAreStable) {
  ASSERT_NE(breakwater::relay::v1::Error::descriptor(), nullptr);
  expect_enum("breakwater.relay.v1.Error.Code",
              {{"CODE_UNSPECIFIED", 0}, {"UNAUTHENTICATED", 1}, {"NOT_PAIRED", 2},
               {"CROSS_TENANT", 3}, {"ROLE_FORBIDS_KIND", 4}, {"CLOCK_SKEW", 5},
               {"REPLAYED_NONCE", 6}, {"TOO_LARGE", 7}, {"RATE_LIMITED", 8}, {"BAD_VERSION", 9},
               {"MALFORMED", 10}, {"MAILBOX_FULL", 11}, {"INTERNAL", 12}, {"GOING_AWAY", 13},
               {"SENDER_MISMATCH", 14}, {"UNAVAILABLE", 15}});
}

// --- Bytes on the wire, computed by hand ----------------------------------------------------

// domain="edge"; descriptors=[{entries=[("k","v")], limit={10, MINUTE}, hits_addend=5}];
// hits_addend=3. Tags: 0a = field 1 len, 12 = field 2 len, 1a = field 3 len, 18 = field 3
// varint, 08/10 = fields 1/2 varint.
constexpr std::string_view kRequestHex =
    "0a0465646765"        // 1: domain "edge"
    "1212"                // 2: descriptors, 18 bytes
    "0a060a016b120176"    //   1: entries {1: "k", 2: "v"}
    "1204080a1002"        //   2: limit {1: 10, 2: MINUTE(2)}
    "1a020805"            //   3: hits_addend UInt64Value {1: 5}
    "1803";               // 3: hits_addend 3

rls::RateLimitRequest known_request() {
  rls::RateLimitRequest req;
  req.set_domain("edge");
  auto* d = req.add_descriptors();
  auto* e = d->add_entries();
  e->set_key("k");
  e->set_value("v");
  d->mutable_limit()->set_requests_per_unit(10);
  d->mutable_limit()->set_unit(envoy::type::v3::MINUTE);
  d->mutable_hits_addend()->set_value(5);
  req.set_hits_addend(3);
  return req;
}

TEST(EnvoyWire, RequestEncodesToHandComputedBytes) {
  EXPECT_EQ(to_hex(known_request().SerializeAsString()), kRequestHex);
}

TEST(EnvoyWire, RequestDecodesFromHandComputedBytes) {
  rls::RateLimitRequest req;
  ASSERT_TRUE(req.ParseFromString(from_hex(kRequestHex)));
  EXPECT_TRUE(req.GetReflection()->GetUnknownFields(req).empty());
  EXPECT_EQ(req.domain(), "edge");
  ASSERT_EQ(req.descriptors_size(), 1);
  EXPECT_EQ(req.descriptors(0).entries(0).key(), "k");
  EXPECT_EQ(req.descriptors(0).entries(0).value(), "v");
  EXPECT_EQ(req.descriptors(0).limit().unit(), envoy::type::v3::MINUTE);
  EXPECT_EQ(req.descriptors(0).hits_addend().value(), 5u);
  EXPECT_EQ(req.hits_addend(), 3u);
}

TEST(EnvoyWire, ResponseEncodesToHandComputedBytes) {
  rls::RateLimitResponse resp;
  resp.set_overall_code(rls::RateLimitResponse::OVER_LIMIT);
  auto* s = resp.add_statuses();
  s->set_code(rls::RateLimitResponse::OVER_LIMIT);
  s->mutable_current_limit()->set_name("n");
  s->mutable_current_limit()->set_requests_per_unit(7);
  s->mutable_current_limit()->set_unit(rls::RateLimitResponse::RateLimit::WEEK);
  s->set_limit_remaining(4);
  s->mutable_duration_until_reset()->set_seconds(30);
  s->mutable_quota()->set_requests(1);
  s->mutable_quota()->mutable_valid_until()->set_seconds(100);
  s->mutable_quota()->set_id("q");
  auto* h1 = resp.add_response_headers_to_add();
  h1->set_key("a");
  h1->set_value("b");
  auto* h2 = resp.add_request_headers_to_add();
  h2->set_key("c");
  h2->set_raw_value("\xff");
  resp.set_raw_body("x");
  (*resp.mutable_dynamic_metadata()->mutable_fields())["k"].set_string_value("v");
  resp.mutable_quota()->set_requests(2);

  EXPECT_EQ(to_hex(resp.SerializeAsString()),
            "0802"                      // 1: overall_code OVER_LIMIT
            "121c"                      // 2: statuses, 28 bytes
            "0802"                      //   1: code OVER_LIMIT
            "1207080710071a016e"        //   2: current_limit {1: 7, 2: WEEK(7), 3: "n"}
            "1804"                      //   3: limit_remaining 4
            "2202081e"                  //   4: duration_until_reset {seconds: 30}
            "2a090801120208641a0171"    //   5: quota {1: 1, 2: {seconds: 100}, 3: "q"}
            "1a060a0161120162"          // 3: response_headers_to_add {1: "a", 2: "b"}
            "22060a01631a01ff"          // 4: request_headers_to_add {1: "c", 3: 0xff}
            "2a0178"                    // 5: raw_body "x"
            "320a0a080a016b12031a0176"  // 6: dynamic_metadata {"k": {string_value: "v"}}
            "3a020802");                // 7: quota {1: 2}
}

// --- Real RPCs addressed by the literal paths Envoy and health probes use -------------------

class FakeRls final : public rls::RateLimitService::Service {
  grpc::Status ShouldRateLimit(grpc::ServerContext*, const rls::RateLimitRequest* req,
                               rls::RateLimitResponse* resp) override {
    if (req->domain() != "edge" || req->descriptors_size() != 1 ||
        req->descriptors(0).hits_addend().value() != 5) {
      return {grpc::StatusCode::INVALID_ARGUMENT, "unexpected request"};
    }
    resp->set_overall_code(rls::RateLimitResponse::OVER_LIMIT);
    auto* s = resp->add_statuses();
    s->set_code(rls::RateLimitResponse::OVER_LIMIT);
    s->set_limit_remaining(req->hits_addend());
    return grpc::Status::OK;
  }
};

class FakeHealth final : public health::Health::Service {
  grpc::Status Check(grpc::ServerContext*, const health::HealthCheckRequest* req,
                     health::HealthCheckResponse* resp) override {
    if (req->service() != "x") return {grpc::StatusCode::NOT_FOUND, "unknown service"};
    resp->set_status(health::HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }
};

// Sends raw request bytes to a method path; returns the status and the raw response bytes.
std::pair<grpc::Status, std::string> raw_unary_call(grpc::Channel& channel,
                                                    const std::string& path,
                                                    const std::string& request) {
  grpc::GenericStub stub(std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::Slice slice(request);
  grpc::ByteBuffer req_buf(&slice, 1);
  grpc::ByteBuffer resp_buf;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, path, grpc::StubOptions(), &req_buf, &resp_buf,
                 [&done](grpc::Status s) { done.set_value(std::move(s)); });
  grpc::Status status = done.get_future().get();
  grpc::Slice out;
  if (status.ok() && !resp_buf.DumpToSingleSlice(&out).ok()) return {status, "<unreadable>"};
  return {status, status.ok() ? std::string(out.begin(), out.end()) : std::string()};
}

TEST(WireRpc, GatewayPathsReachTheGeneratedServices) {
  FakeRls rls_service;
  FakeHealth health_service;
  grpc::ServerBuilder builder;
  builder.RegisterService(&rls_service);
  builder.RegisterService(&health_service);
  const std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  const std::shared_ptr<grpc::Channel> channel = server->InProcessChannel(grpc::ChannelArguments());

  const auto [rls_status, rls_bytes] = raw_unary_call(
      *channel, "/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit",
      from_hex(kRequestHex));
  ASSERT_TRUE(rls_status.ok()) << rls_status.error_message();
  // overall_code OVER_LIMIT; statuses [{code OVER_LIMIT, limit_remaining 3}].
  EXPECT_EQ(to_hex(rls_bytes), "0802" "1204" "0802" "1803");

  const auto [health_status, health_bytes] =
      raw_unary_call(*channel, "/grpc.health.v1.Health/Check", from_hex("0a0178"));
  ASSERT_TRUE(health_status.ok()) << health_status.error_message();
  EXPECT_EQ(to_hex(health_bytes), "0801");  // status SERVING

  server->Shutdown();
}

}  // namespace
