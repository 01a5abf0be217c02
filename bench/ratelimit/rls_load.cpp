// Asynchronous ShouldRateLimit load (see rls_load.hpp).
#include "rls_load.hpp"

#include <grpcpp/create_channel.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>

#include <mutex>
#include <thread>

#include "envoy/service/ratelimit/v3/rls.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace bw::bench {
namespace {

using envoy::service::ratelimit::v3::RateLimitRequest;
using envoy::service::ratelimit::v3::RateLimitResponse;
using envoy::service::ratelimit::v3::RateLimitService;
using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// One caller: its fixed request and the state of its call in flight.
struct Caller {
  RateLimitService::Stub* stub = nullptr;  // null: health Check through health_stub
  Health::Stub* health_stub = nullptr;
  RateLimitRequest request;
  RateLimitResponse response;
  HealthCheckRequest health_request;
  HealthCheckResponse health_response;
  grpc::Status status;
  std::unique_ptr<grpc::ClientContext> context;
  std::unique_ptr<grpc::ClientAsyncResponseReader<RateLimitResponse>> reader;
  std::unique_ptr<grpc::ClientAsyncResponseReader<HealthCheckResponse>> health_reader;
  Clock::time_point started;
  bool counted = false;  // started inside the measured window
};

RateLimitRequest make_request(const std::string& domain, int caller, int descriptors) {
  RateLimitRequest req;
  req.set_domain(domain);
  for (int k = 0; k < descriptors; ++k) {
    auto* e = req.add_descriptors()->add_entries();
    e->set_key("tenant");
    e->set_value("c" + std::to_string(caller) + "-d" + std::to_string(k));
  }
  return req;
}

void send(Caller& c, grpc::CompletionQueue& cq, Phase phase) {
  c.context = std::make_unique<grpc::ClientContext>();
  c.context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  c.counted = phase == Phase::kMeasure;
  c.started = Clock::now();
  if (c.stub == nullptr) {
    c.health_response.Clear();
    c.health_reader = c.health_stub->AsyncCheck(c.context.get(), c.health_request, &cq);
    c.health_reader->Finish(&c.health_response, &c.status, &c);
    return;
  }
  c.response.Clear();
  c.reader = c.stub->AsyncShouldRateLimit(c.context.get(), c.request, &cq);
  c.reader->Finish(&c.response, &c.status, &c);
}

bool answered_yes(const Caller& c) {
  if (!c.status.ok()) return false;
  return c.stub == nullptr ? c.health_response.status() == HealthCheckResponse::SERVING
                           : c.response.overall_code() == RateLimitResponse::OK;
}

// One completion-queue thread serving its share of the callers until the cell stops and
// every call it has in flight has answered.
void serve(std::vector<Caller*> mine, const std::atomic<Phase>& phase, std::mutex& mu, CellResult& result,
           LatencySamples& all) {
  grpc::CompletionQueue cq;
  for (Caller* c : mine) send(*c, cq, phase.load());
  LatencySamples samples;
  std::uint64_t units = 0, errors = 0;
  std::string first_error;
  std::size_t in_flight = mine.size();
  void* tag = nullptr;
  bool ok = false;
  while (in_flight > 0 && cq.Next(&tag, &ok)) {
    auto& c = *static_cast<Caller*>(tag);
    const auto ended = Clock::now();
    const Phase now = phase.load();
    if (c.counted && now == Phase::kMeasure) {
      if (ok && answered_yes(c)) {
        ++units;
        samples.add(ended - c.started);
      } else if (errors++ == 0) {
        first_error = !ok ? "completion queue: call failed"
                      : !c.status.ok() ? "gRPC " + std::to_string(c.status.error_code()) + ": " + c.status.error_message()
                                       : "answered OVER_LIMIT or NOT_SERVING";
      }
    }
    if (now == Phase::kStop) {
      --in_flight;
    } else {
      send(c, cq, now);
    }
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  std::lock_guard lock(mu);
  result.units += units;
  result.errors += errors;
  if (result.first_error.empty()) result.first_error = first_error;
  all.merge(samples);
}

}  // namespace

Result<std::vector<std::shared_ptr<grpc::Channel>>> make_channels(const RlsTarget& target, int count) {
  auto material = service::load_tls(target.tls, /*need_identity=*/true, /*need_ca=*/true);
  if (!material) return material.error();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = material->ca_pem;
  ssl.pem_cert_chain = material->cert_pem;
  ssl.pem_private_key = material->key_pem;
  std::vector<std::shared_ptr<grpc::Channel>> out;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride(target.server_name);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own
    args.SetInt("bw.bench.channel", i);
    out.push_back(grpc::CreateCustomChannel(target.address, grpc::SslCredentials(ssl), args));
  }
  return out;
}

CellResult run_rls_cell(const std::vector<std::shared_ptr<grpc::Channel>>& channels, const std::string& domain,
                        const RlsCell& cell, const Timing& timing) {
  std::vector<std::unique_ptr<RateLimitService::Stub>> stubs;
  std::vector<std::unique_ptr<Health::Stub>> health_stubs;
  for (const auto& ch : channels) {
    stubs.push_back(RateLimitService::NewStub(ch));
    health_stubs.push_back(Health::NewStub(ch));
  }
  std::vector<Caller> callers(static_cast<std::size_t>(cell.callers));
  const int threads = std::max(1, std::min(cell.client_threads, cell.callers));
  std::vector<std::vector<Caller*>> shares(static_cast<std::size_t>(threads));
  for (std::size_t i = 0; i < callers.size(); ++i) {
    if (cell.rpc == Rpc::kShouldRateLimit) callers[i].stub = stubs[i % stubs.size()].get();
    callers[i].health_stub = health_stubs[i % health_stubs.size()].get();
    callers[i].request = make_request(domain, static_cast<int>(i), cell.descriptors);
    shares[i % shares.size()].push_back(&callers[i]);
  }
  std::atomic<Phase> phase{Phase::kWarmup};
  std::mutex mu;
  CellResult result;
  LatencySamples all;
  std::vector<std::thread> workers;
  for (auto& share : shares) {
    workers.emplace_back([&, share] { serve(share, phase, mu, result, all); });
  }
  result.seconds = run_phases(phase, timing);
  for (auto& w : workers) w.join();
  result.latency = all.summarize();
  return result;
}

}  // namespace bw::bench
