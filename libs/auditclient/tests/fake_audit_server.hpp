// An in-process Audit service for the client's tests: it keeps appended events in order,
// honours idempotency by event id (duplicate flag) and fails on demand.
#pragma once

#include <grpcpp/server.h>

#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "breakwater/audit/v1/audit.grpc.pb.h"

namespace bw::auditclient::testing {

namespace pb = breakwater::audit::v1;

class FakeAuditServer final : public pb::Audit::Service {
 public:
  FakeAuditServer();
  ~FakeAuditServer() override;

  // host:port on 127.0.0.1 (plaintext).
  std::string address() const { return address_; }

  // The next calls fail with these codes, one per call, before committing anything.
  void fail_next(std::vector<grpc::StatusCode> codes);
  // The next call commits its events and then answers UNAVAILABLE (a lost answer).
  void lose_next_answer();
  // Forgets failures not yet injected.
  void clear_failures();
  // Any batch containing an event with this action is refused with INVALID_ARGUMENT.
  void refuse_action(std::string action);

  // Events committed, in commit order, each id once.
  std::vector<pb::Event> events() const;
  std::size_t calls() const;
  std::size_t duplicates_answered() const;

  grpc::Status Append(grpc::ServerContext* ctx, const pb::AppendRequest* request,
                      pb::AppendResponse* response) override;

 private:
  mutable std::mutex mu_;
  std::deque<grpc::StatusCode> failures_;
  bool lose_answer_ = false;
  std::set<std::string> refused_;
  std::vector<pb::Event> events_;
  std::set<std::string> ids_;
  std::size_t calls_ = 0;
  std::size_t duplicates_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace bw::auditclient::testing
