// The agent's relay stream with reconnect and resume; see relay_link.hpp.
#include "relay_link.hpp"

#include <algorithm>
#include <charconv>
#include <thread>

#include "breakwater/relay/v1/relay.pb.h"
#include "bw/crypto/random.hpp"
#include "bw/log/log.hpp"
#include "bw/relayclient/agent_stream.hpp"
#include "private_file.hpp"

namespace bw::agent {

namespace v1 = breakwater::relay::v1;
using std::chrono::milliseconds;

milliseconds reconnect_delay(const BackoffPolicy& p, unsigned attempt, std::uint64_t random, milliseconds hint) {
  const auto cap = static_cast<std::uint64_t>(std::max<std::int64_t>(p.cap.count(), 0));
  std::uint64_t ceiling = static_cast<std::uint64_t>(std::max<std::int64_t>(p.initial.count(), 1));
  for (unsigned i = 0; i < attempt && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  const std::uint64_t jitter = ceiling == 0 ? 0 : random % (ceiling + 1);
  return milliseconds(static_cast<std::int64_t>(jitter)) + std::max(hint, milliseconds(0));
}

Status save_offset(const std::string& state_dir, const Offset& o) {
  return write_private_file(state_dir, kOffsetFile, std::to_string(o.ms) + "-" + std::to_string(o.seq) + "\n");
}

Result<Offset> load_offset(const std::string& state_dir) {
  auto text = read_private_file(state_dir, kOffsetFile, 64);
  if (!text) return text.error();
  if (!text->has_value()) return Offset{};
  // Exactly "<ms>-<seq>\n", digits only.
  const std::string& t = **text;
  const Error damaged{kPrivateFileIo, std::string(kOffsetFile) + " is damaged; remove it to resume from the oldest entry"};
  const auto dash = t.find('-');
  if (t.empty() || t.back() != '\n' || dash == std::string::npos) return damaged;
  Offset o;
  const char* end = t.data() + t.size() - 1;
  auto a = std::from_chars(t.data(), t.data() + dash, o.ms);
  auto b = std::from_chars(t.data() + dash + 1, end, o.seq);
  if (dash == 0 || a.ec != std::errc{} || a.ptr != t.data() + dash || dash + 1 == t.size() - 1 || b.ec != std::errc{} ||
      b.ptr != end) {
    return damaged;
  }
  return o;
}

RelayLink::RelayLink(Options o) : options_(std::move(o)) {}
RelayLink::~RelayLink() = default;

void RelayLink::stop() {
  stop_ = true;
  std::lock_guard lock(mu_);
  if (stream_) stream_->close();
}

bool RelayLink::send(const v1::AgentFrame& f) {
  std::shared_ptr<relayclient::AgentStream> s;
  {
    std::lock_guard lock(mu_);
    s = stream_;
  }
  return s && s->send(f);
}

bool RelayLink::wait(milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!stop_ && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(milliseconds(50));
  return !stop_;
}

Status RelayLink::run(const OnDelivery& on_delivery, const OnFrame& on_frame, const OnConnected& on_connected) {
  auto stored = load_offset(options_.state_dir);
  if (!stored) return stored.error();
  acked_ = *stored;
  unsigned attempt = 0;
  while (!stop_) {
    relayclient::StreamOptions so;
    so.target = options_.target;
    so.ca_file = options_.ca_file;
    so.server_name = options_.server_name;
    so.plaintext = options_.plaintext;
    v1::Hello hello;
    hello.set_device_token(options_.device_token);
    hello.set_protocol_version(1);
    hello.mutable_resume_after()->set_ms(acked_.ms);
    hello.mutable_resume_after()->set_seq(acked_.seq);
    hello.set_agent_version(options_.agent_version);
    milliseconds hint{0};
    auto opened = relayclient::AgentStream::open(so, hello);
    if (!opened) {
      ++stats_.connect_failures;
      if (opened.error().code == relayclient::kRefused &&
          opened.error().message.find("UNAUTHENTICATED") != std::string::npos) {
        return Error{relayclient::kRefused, "the relay refused this agent's credential: " + opened.error().message};
      }
      log::warn("relay connect failed", {{"relay", options_.target}, {"attempt", static_cast<std::int64_t>(attempt)},
                                         {"error", opened.error().message}});
    } else {
      ++stats_.connects;
      std::shared_ptr<relayclient::AgentStream> s(std::move(opened).value());
      {
        std::lock_guard lock(mu_);
        stream_ = s;
      }
      log::info("relay connected", {{"relay", options_.target}});
      const auto up_since = std::chrono::steady_clock::now();
      if (on_connected) on_connected();
      Status fatal;
      const End end = pump(*s, on_delivery, on_frame, hint, fatal);
      {
        std::lock_guard lock(mu_);
        stream_.reset();
      }
      s->close();
      if (end == End::kFatal) return fatal;
      if (end == End::kStopped) break;
      if (std::chrono::steady_clock::now() - up_since >= options_.backoff.stable_after) attempt = 0;
      log::info("relay stream ended; reconnecting", {{"relay", options_.target}});
    }
    std::uint64_t r = 0;
    const auto bytes = crypto::random(8);
    for (auto b : bytes) r = (r << 8) | b;
    if (!wait(reconnect_delay(options_.backoff, attempt, r, hint))) break;
    if (attempt < 32) ++attempt;
  }
  return {};
}

RelayLink::End RelayLink::pump(relayclient::AgentStream& s, const OnDelivery& on_delivery, const OnFrame& on_frame,
                               milliseconds& hint, Status& fatal) {
  while (!stop_) {
    auto f = s.receive(milliseconds(250));
    if (!f) {
      if (s.closed()) return stop_ ? End::kStopped : End::kDropped;
      continue;
    }
    switch (f->frame_case()) {
      case v1::RelayFrame::kDelivery: {
        ++stats_.deliveries;
        const Offset at{f->delivery().offset().ms(), f->delivery().offset().seq()};
        if (at <= acked_) break;  // already processed before a resume
        if (on_delivery(f->delivery()) == Disposition::kRetry) {
          ++stats_.retries;
          hint = milliseconds(1000);
          return End::kDropped;  // not acknowledged: it comes again after the reconnect
        }
        if (auto st = save_offset(options_.state_dir, at); !st) {
          fatal = st;
          return End::kFatal;
        }
        acked_ = at;
        v1::AgentFrame ack;
        ack.mutable_ack()->mutable_up_to()->set_ms(at.ms);
        ack.mutable_ack()->mutable_up_to()->set_seq(at.seq);
        if (s.send(ack)) ++stats_.acks;
        break;
      }
      case v1::RelayFrame::kPing: {
        v1::AgentFrame pong;
        pong.mutable_pong()->set_id(f->ping().id());
        pong.mutable_pong()->set_sent_at_ms(static_cast<std::uint64_t>(
            std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count()));
        s.send(pong);
        break;
      }
      case v1::RelayFrame::kGoAway:
        ++stats_.go_aways;
        hint = milliseconds(static_cast<std::int64_t>(std::min<std::uint64_t>(f->go_away().reconnect_after_ms(), 300'000)));
        log::info("relay go-away", {{"reason", v1::GoAway::Reason_Name(f->go_away().reason())}});
        if (f->go_away().reason() == v1::GoAway::DEVICE_REVOKED) {
          fatal = Error{relayclient::kRefused, "the relay says this agent device was revoked: log in again"};
          return End::kFatal;
        }
        return End::kDropped;
      case v1::RelayFrame::kError:
        if (f->error().retry_after_ms() > 0) {
          hint = milliseconds(static_cast<std::int64_t>(std::min<std::uint64_t>(f->error().retry_after_ms(), 300'000)));
        }
        if (f->error().terminal() && f->error().code() == v1::Error::UNAUTHENTICATED) {
          fatal = Error{relayclient::kRefused, "the relay refused this agent's credential"};
          return End::kFatal;
        }
        on_frame(*f);
        break;
      default:
        on_frame(*f);
    }
  }
  return End::kStopped;
}

}  // namespace bw::agent
