// An echoing agent for relay_bench built on gRPC's callback API: no thread of its own. Each
// agent is one TLS channel and one Relay.Connect stream, as a real agent's; what it receives
// is handled on gRPC's callback threads (answer pings, echo each delivery back to its sender
// with a fresh nonce and the same body, acknowledge every 8th). With a blocking AgentStream
// and a thread per agent, 1,000 agents made the load generator, not the relay, the
// bottleneck (its sync streams wait on one poller), so round trips measured mostly the bench.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>

#include "breakwater/relay/v1/relay.grpc.pb.h"
#include "echo_session.hpp"

namespace bw::bench {

class EchoAgent final : public grpc::ClientBidiReactor<testing::rv1::AgentFrame, testing::rv1::RelayFrame> {
 public:
  using AgentFrame = testing::rv1::AgentFrame;
  using RelayFrame = testing::rv1::RelayFrame;

  // Connects and sends Hello; wait_welcome() tells whether the relay accepted it. An empty
  // `ca_pem` connects without TLS (a relay with `tls.plaintext: true`).
  EchoAgent(const std::string& target, const std::string& ca_pem, const Pair& pair,
            std::atomic<std::uint64_t>& failures)
      : pair_(pair), failures_(failures) {
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own, as an agent on its machine
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ca_pem;
    channel_ = grpc::CreateCustomChannel(
        target, ca_pem.empty() ? grpc::InsecureChannelCredentials() : grpc::SslCredentials(ssl), args);
    stub_ = testing::rv1::Relay::NewStub(channel_);
    stub_->async()->Connect(&context_, this);
    AgentFrame hello;
    hello.mutable_hello()->set_device_token(pair.agent_token);
    hello.mutable_hello()->set_protocol_version(1);
    write(std::move(hello));
    StartRead(&in_);
    StartCall();
  }
  ~EchoAgent() override { stop(); }

  // True once Welcome arrived; false on an error, the stream's end or the timeout.
  bool wait_welcome(std::chrono::milliseconds timeout, std::string& why) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return welcomed_ || done_; });
    if (!welcomed_) why = done_ ? "stream ended before Welcome: " + end_ : "no Welcome in time";
    return welcomed_;
  }

  // Cancels the stream and waits until gRPC is done with this reactor.
  void stop() {
    stopping_ = true;
    context_.TryCancel();
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return done_; });
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended; OnDone follows
    if (in_.has_welcome()) {
      std::lock_guard lock(mu_);
      welcomed_ = true;
      cv_.notify_all();
    } else if (in_.has_ping()) {
      AgentFrame pong;
      pong.mutable_pong()->set_id(in_.ping().id());
      pong.mutable_pong()->set_sent_at_ms(static_cast<std::uint64_t>(testing::now_ms()));
      write(std::move(pong));
    } else if (in_.has_error()) {
      ++failures_;
    } else if (in_.has_delivery()) {
      AgentFrame out;
      *out.mutable_envelope() = envelope(pair_.agent, pair_.client, testing::rv1::KIND_OUTPUT,
                                         in_.delivery().envelope().ciphertext(), ++seq_);
      write(std::move(out));
      if (++delivered_ % 8 == 0) {
        AgentFrame ack;
        *ack.mutable_ack()->mutable_up_to() = in_.delivery().offset();
        write(std::move(ack));
      }
    }
    StartRead(&in_);
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    out_.pop_front();
    if (!ok) {
      out_.clear();
      return;
    }
    if (!out_.empty()) StartWrite(&out_.front());
  }

  void OnDone(const grpc::Status& status) override {
    std::lock_guard lock(mu_);
    if (!status.ok() && welcomed_ && !stopping_) ++failures_;
    end_ = status.error_message();
    done_ = true;
    cv_.notify_all();
  }

 private:
  // One write in flight at a time (gRPC's rule); the rest wait in order.
  void write(AgentFrame frame) {
    std::lock_guard lock(mu_);
    if (done_) return;
    out_.push_back(std::move(frame));
    if (out_.size() == 1) StartWrite(&out_.front());
  }

  Pair pair_;
  std::atomic<std::uint64_t>& failures_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<testing::rv1::Relay::Stub> stub_;
  grpc::ClientContext context_;
  RelayFrame in_;
  std::uint64_t seq_ = 0, delivered_ = 0;  // touched only by OnReadDone (one read at a time)
  std::recursive_mutex mu_;                // gRPC may run OnWriteDone inline from StartWrite
  std::condition_variable_any cv_;
  std::deque<AgentFrame> out_;
  bool welcomed_ = false, done_ = false;
  std::atomic<bool> stopping_{false};
  std::string end_;
};

// The CA certificate's PEM, for EchoAgent's channels.
inline std::string read_pem(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace bw::bench
