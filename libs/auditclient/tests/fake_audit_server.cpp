#include "fake_audit_server.hpp"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

namespace bw::auditclient::testing {

FakeAuditServer::FakeAuditServer() {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(this);
  server_ = builder.BuildAndStart();
  address_ = "127.0.0.1:" + std::to_string(port);
}

FakeAuditServer::~FakeAuditServer() { server_->Shutdown(); }

void FakeAuditServer::fail_next(std::vector<grpc::StatusCode> codes) {
  std::lock_guard lock(mu_);
  failures_.insert(failures_.end(), codes.begin(), codes.end());
}

void FakeAuditServer::lose_next_answer() {
  std::lock_guard lock(mu_);
  lose_answer_ = true;
}

void FakeAuditServer::clear_failures() {
  std::lock_guard lock(mu_);
  failures_.clear();
}

void FakeAuditServer::refuse_action(std::string action) {
  std::lock_guard lock(mu_);
  refused_.insert(std::move(action));
}

std::vector<pb::Event> FakeAuditServer::events() const {
  std::lock_guard lock(mu_);
  return events_;
}

std::size_t FakeAuditServer::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

std::size_t FakeAuditServer::duplicates_answered() const {
  std::lock_guard lock(mu_);
  return duplicates_;
}

grpc::Status FakeAuditServer::Append(grpc::ServerContext*, const pb::AppendRequest* request,
                                     pb::AppendResponse* response) {
  std::lock_guard lock(mu_);
  ++calls_;
  if (!failures_.empty()) {
    const auto code = failures_.front();
    failures_.pop_front();
    return {code, "injected failure"};
  }
  for (const auto& e : request->events()) {
    if (refused_.count(e.action()) != 0) return {grpc::StatusCode::INVALID_ARGUMENT, "refused action"};
  }
  for (const auto& e : request->events()) {
    auto* a = response->add_appended();
    a->set_event_id(e.event_id());
    if (!ids_.insert(e.event_id()).second) {
      a->set_duplicate(true);
      ++duplicates_;
      continue;
    }
    a->set_leaf_index(events_.size());
    events_.push_back(e);
  }
  if (lose_answer_) {
    lose_answer_ = false;
    return {grpc::StatusCode::UNAVAILABLE, "answer lost"};
  }
  return grpc::Status::OK;
}

}  // namespace bw::auditclient::testing
