#include "grpc_stream.hpp"

#include <list>
#include <mutex>

namespace bw::relay {
namespace {

namespace v1 = breakwater::relay::v1;

class StreamReactor;

// The actor's handle on a stream; detached when gRPC is done with the stream.
class GrpcOutbound final : public Outbound {
 public:
  explicit GrpcOutbound(StreamReactor* reactor) : reactor_(reactor) {}
  bool send(const v1::RelayFrame& frame) override;
  void close(const std::string& reason) override;
  const char* transport() const override { return "grpc"; }
  void detach() {
    std::lock_guard lock(mu_);
    reactor_ = nullptr;
  }

 private:
  std::mutex mu_;
  StreamReactor* reactor_;
};

class StreamReactor final : public grpc::ServerBidiReactor<v1::AgentFrame, v1::RelayFrame> {
 public:
  StreamReactor(Relay& relay, grpc::CallbackServerContext* context, std::size_t max_queued_bytes)
      : context_(context), max_queued_bytes_(max_queued_bytes) {
    out_ = std::make_shared<GrpcOutbound>(this);
    inbound_ = relay.open(out_);
    StartRead(&in_);
  }

  bool enqueue(const v1::RelayFrame& frame) {
    std::lock_guard lock(mu_);
    if (finish_requested_) return false;
    const std::size_t bytes = frame.ByteSizeLong();
    if (queued_bytes_ + bytes > max_queued_bytes_) {
      // The agent does not read: drop what waits and cancel the stream (a write that never
      // completes would otherwise hold it open).
      slow_reader_ = true;
      finish_requested_ = true;
      context_->TryCancel();
      return false;
    }
    queue_.push_back(Queued{frame, bytes});
    queued_bytes_ += bytes;
    if (!writing_) {
      writing_ = true;
      StartWrite(&queue_.front().frame);
    }
    return true;
  }

  void request_finish() {
    std::lock_guard lock(mu_);
    finish_locked();
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    queued_bytes_ -= queue_.front().bytes;
    queue_.pop_front();
    if (ok && !queue_.empty() && !slow_reader_) {
      StartWrite(&queue_.front().frame);
      return;
    }
    writing_ = false;
    if (!ok) finish_requested_ = true;
    if (finish_requested_) finish_now_locked();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the agent half-closed, or the stream broke
      gone();
      request_finish();
      return;
    }
    Inbound in;
    DecodeError error;
    if (decode_agent_frame(in_, in, error)) {
      inbound_(&in);
    } else {
      v1::RelayFrame f;
      f.mutable_error()->set_code(v1::Error::MALFORMED);
      f.mutable_error()->set_message(error.message);
      enqueue(f);
    }
    StartRead(&in_);
  }

  void OnCancel() override { request_finish(); }

  void OnDone() override {
    out_->detach();
    gone();
    delete this;
  }

 private:
  void gone() {
    std::lock_guard lock(mu_);
    if (gone_) return;
    gone_ = true;
    inbound_(nullptr);
  }
  // Finishes once the queue has been written.
  void finish_locked() {
    finish_requested_ = true;
    if (!writing_) finish_now_locked();
  }
  void finish_now_locked() {
    if (finished_) return;
    finished_ = true;
    Finish(slow_reader_ ? grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "slow reader") : grpc::Status::OK);
  }
  grpc::CallbackServerContext* context_;

  // Recursive: gRPC may run a reaction inline from StartWrite/Finish on this thread.
  std::recursive_mutex mu_;
  std::size_t max_queued_bytes_;
  std::shared_ptr<GrpcOutbound> out_;
  Relay::InboundFn inbound_;
  v1::AgentFrame in_;
  struct Queued {
    v1::RelayFrame frame;
    std::size_t bytes;  // its serialized size, counted in queued_bytes_
  };
  std::list<Queued> queue_;  // a list allocates nothing while empty (a deque does)
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool finish_requested_ = false;
  bool finished_ = false;
  bool slow_reader_ = false;
  bool gone_ = false;
};

bool GrpcOutbound::send(const v1::RelayFrame& frame) {
  std::lock_guard lock(mu_);
  return reactor_ != nullptr && reactor_->enqueue(frame);
}

void GrpcOutbound::close(const std::string&) {
  std::lock_guard lock(mu_);
  if (reactor_ != nullptr) reactor_->request_finish();
}

}  // namespace

grpc::ServerBidiReactor<v1::AgentFrame, v1::RelayFrame>* RelayGrpcService::Connect(grpc::CallbackServerContext* context) {
  return new StreamReactor(*relay_, context, max_queued_bytes_);
}

}  // namespace bw::relay
