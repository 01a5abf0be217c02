// gRPC server metrics interceptor (see grpc_metrics.hpp). Series are created on first use
// per (method, code); prometheus-cpp's Family::Add is thread-safe and idempotent.
#include "bw/service/grpc_metrics.hpp"

#include <chrono>
#include <string>

namespace bw::service {
namespace {

struct GrpcMetrics {
  metrics::Family<prometheus::Counter> requests;
  metrics::Family<prometheus::Histogram> duration;

  void record(const std::string& method, grpc::StatusCode code, double seconds) {
    requests.add({{"method", method}, {"code", status_code_name(code)}}).Increment();
    duration.add({{"method", method}}, metrics::Factory::latency_buckets()).Observe(seconds);
  }
};

class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(GrpcMetrics& m, const char* method)
      : m_(m), method_(method ? method : "unknown"), start_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      m_.record(method_, methods->GetSendStatus().error_code(), elapsed);
    }
    methods->Proceed();
  }

 private:
  GrpcMetrics& m_;
  std::string method_;
  std::chrono::steady_clock::time_point start_;
};

class MetricsInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(metrics::Factory& f)
      : m_{f.counter("grpc_requests", "gRPC calls answered, by method and status code"),
           f.histogram("grpc_request_duration_seconds", "gRPC call latency, by method")} {}

  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(m_, info->method());  // gRPC owns and deletes it
  }

 private:
  GrpcMetrics m_;
};

}  // namespace

const char* status_code_name(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {
      "OK",        "CANCELLED",          "UNKNOWN",        "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS",     "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED",   "OUT_OF_RANGE",       "UNIMPLEMENTED",  "INTERNAL",         "UNAVAILABLE",
      "DATA_LOSS", "UNAUTHENTICATED"};
  const auto i = static_cast<int>(code);
  return (i >= 0 && i < 17) ? kNames[i] : "UNKNOWN";
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> make_grpc_metrics(metrics::Factory& metrics) {
  return std::make_unique<MetricsInterceptorFactory>(metrics);
}

}  // namespace bw::service
