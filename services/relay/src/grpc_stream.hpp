// The agents' transport: breakwater.relay.v1.Relay/Connect on gRPC's callback API. One
// reactor per stream feeds the stream's frames, in order, to its connection actor and
// writes the actor's frames back one at a time from a bounded queue.
//
// Bounds: at most max_queued_bytes of frames wait to be written; past that the stream is
// ended as a slow reader (the agent reconnects and resumes; nothing acknowledged is lost).
// Reads are not paused: the connection actor bounds what a stream may have in flight and
// ends a stream that exceeds it.
#pragma once

#include <cstddef>
#include <memory>

#include "breakwater/relay/v1/relay.grpc.pb.h"
#include "relay_core.hpp"

namespace bw::relay {

class RelayGrpcService final : public breakwater::relay::v1::Relay::CallbackService {
 public:
  RelayGrpcService(std::shared_ptr<Relay> relay, std::size_t max_queued_bytes)
      : relay_(std::move(relay)), max_queued_bytes_(max_queued_bytes) {}
  grpc::ServerBidiReactor<breakwater::relay::v1::AgentFrame, breakwater::relay::v1::RelayFrame>* Connect(
      grpc::CallbackServerContext* context) override;

 private:
  std::shared_ptr<Relay> relay_;
  std::size_t max_queued_bytes_;
};

}  // namespace bw::relay
