#include "transport.hpp"

namespace bw::relay {
namespace {

namespace v1 = breakwater::relay::v1;

constexpr std::size_t kMaxCredential = 8 * 1024;

MboxOffset offset_of(const v1::MailboxOffset& o) { return MboxOffset{o.ms(), o.seq()}; }

bool fail(DecodeError& error, const char* message) {
  error.message = message;
  return false;
}

bool envelope_into(const v1::Envelope& e, Inbound& out) {
  out.type = Inbound::Type::kEnvelope;
  out.envelope = std::make_shared<const v1::Envelope>(e);
  return true;
}

}  // namespace

bool decode_client_frame(const std::string& bytes, Inbound& out, DecodeError& error) {
  v1::ClientFrame frame;
  if (bytes.empty()) return fail(error, "empty frame");
  if (!frame.ParseFromString(bytes)) return fail(error, "frame is not a ClientFrame");
  out = Inbound{};
  switch (frame.frame_case()) {
    case v1::ClientFrame::kHello: {
      const auto& h = frame.hello();
      if (h.access_token().size() > kMaxCredential) return fail(error, "access token too long");
      out.type = Inbound::Type::kHello;
      out.credential = h.access_token();
      out.device = h.device();
      out.protocol_version = h.protocol_version();
      out.offset = offset_of(h.resume_after());
      out.version = h.client_version().substr(0, 64);
      return true;
    }
    case v1::ClientFrame::kEnvelope:
      return envelope_into(frame.envelope(), out);
    case v1::ClientFrame::kAck:
      out.type = Inbound::Type::kAck;
      out.offset = offset_of(frame.ack().up_to());
      return true;
    case v1::ClientFrame::kPing:
      out.type = Inbound::Type::kPing;
      out.ping_id = frame.ping().id();
      return true;
    case v1::ClientFrame::kPong:
      out.type = Inbound::Type::kPong;
      out.ping_id = frame.pong().id();
      return true;
    case v1::ClientFrame::kToken:
      if (frame.token().access_token().size() > kMaxCredential) return fail(error, "access token too long");
      out.type = Inbound::Type::kToken;
      out.credential = frame.token().access_token();
      return true;
    default:
      return fail(error, "frame has no known content");
  }
}

bool decode_agent_frame(const v1::AgentFrame& frame, Inbound& out, DecodeError& error) {
  out = Inbound{};
  switch (frame.frame_case()) {
    case v1::AgentFrame::kHello: {
      const auto& h = frame.hello();
      if (h.device_token().size() > kMaxCredential) return fail(error, "device token too long");
      out.type = Inbound::Type::kHello;
      out.credential = h.device_token();
      out.protocol_version = h.protocol_version();
      out.offset = offset_of(h.resume_after());
      out.version = h.agent_version().substr(0, 64);
      return true;
    }
    case v1::AgentFrame::kEnvelope:
      return envelope_into(frame.envelope(), out);
    case v1::AgentFrame::kAck:
      out.type = Inbound::Type::kAck;
      out.offset = offset_of(frame.ack().up_to());
      return true;
    case v1::AgentFrame::kPing:
      out.type = Inbound::Type::kPing;
      out.ping_id = frame.ping().id();
      return true;
    case v1::AgentFrame::kPong:
      out.type = Inbound::Type::kPong;
      out.ping_id = frame.pong().id();
      return true;
    default:
      return fail(error, "frame has no known content");
  }
}

}  // namespace bw::relay
