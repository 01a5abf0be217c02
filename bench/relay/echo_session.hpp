// A bare relay session for the benchmarks' round trips client → agent → client (relay_bench,
// approval_bench): a seeded, paired agent and client device, raw envelopes of the shape the
// relay checks (no e2e work at either end), an agent that echoes every envelope back, and the
// client's send / await pair. Every relay check still runs (authenticated connections, the
// pairing, nonce, skew, size, quota, the atomic Redis step).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "closed_loop.hpp"
#include "relay_system_support.hpp"

namespace bw::bench {

using namespace std::chrono_literals;
using testing::rv1::AgentFrame;
using testing::rv1::ClientFrame;
using Id = testing::Id;

// A seeded agent device (with its device token) and a client device paired with it.
struct Pair {
  Id agent, client;
  std::string agent_token;
};

// An envelope of the shape the relay checks (random nonce, now as sent_at, 256-byte body).
inline testing::rv1::Envelope envelope(const Id& from, const Id& to, testing::rv1::Kind kind,
                                       const std::string& body, std::uint64_t seq) {
  testing::rv1::Envelope e;
  e.set_version(1);
  e.set_sender(testing::raw(from));
  e.set_recipient(testing::raw(to));
  e.set_epoch(std::string(7, '\0') + "\x01" + std::string(8, 'r'));
  e.set_seq(seq);
  const auto n = crypto::random(16);
  e.set_nonce(std::string(n.begin(), n.end()));
  e.set_sent_at_ms(static_cast<std::uint64_t>(testing::now_ms()));
  e.set_kind(kind);
  e.set_ciphertext(body);
  return e;
}

// One paired session: the client's WebSocket and an echoing agent's gRPC stream (the caller
// connects them, to different pods so that every envelope crosses pods); the agent's thread
// (run_echo) sends every envelope it receives back (fresh nonce, same body), acknowledging
// every 8th delivery and answering pings.
struct Session {
  Pair pair;
  std::unique_ptr<relayclient::ClientStream> client;
  std::unique_ptr<relayclient::AgentStream> agent;
  std::thread echo;
  std::string body;
  std::uint64_t seq = 0;
  std::uint64_t delivered = 0;  // client side, for its acks
};

inline void run_echo(Session& s, const std::atomic<bool>& stop, std::atomic<std::uint64_t>& failures) {
  std::uint64_t seq = 0, n = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    auto f = s.agent->receive(100ms);
    if (!f) {
      if (s.agent->closed()) {
        ++failures;
        return;
      }
      continue;
    }
    AgentFrame out;
    if (f->has_ping()) {
      out.mutable_pong()->set_id(f->ping().id());
      out.mutable_pong()->set_sent_at_ms(static_cast<std::uint64_t>(testing::now_ms()));
      s.agent->send(out);
      continue;
    }
    if (f->has_error()) ++failures;
    if (!f->has_delivery()) continue;
    *out.mutable_envelope() = envelope(s.pair.agent, s.pair.client, testing::rv1::KIND_OUTPUT,
                                       f->delivery().envelope().ciphertext(), ++seq);
    if (!s.agent->send(out)) ++failures;
    if (++n % 8 == 0) {
      AgentFrame ack;
      *ack.mutable_ack()->mutable_up_to() = f->delivery().offset();
      s.agent->send(ack);
    }
  }
}

// The client's next delivery (pings answered, acks every 8th); false on error or timeout.
inline bool await_delivery(Session& s, std::string& error) {
  const auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline) {
    auto f = s.client->receive(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    if (!f) {
      if (s.client->closed()) return error = "client connection closed", false;
      continue;
    }
    if (f->has_ping()) {
      ClientFrame pong;
      pong.mutable_pong()->set_id(f->ping().id());
      pong.mutable_pong()->set_sent_at_ms(static_cast<std::uint64_t>(testing::now_ms()));
      s.client->send(pong);
      continue;
    }
    if (f->has_error()) return error = "relay error " + std::to_string(f->error().code()), false;
    if (!f->has_delivery()) continue;
    if (++s.delivered % 8 == 0) {
      ClientFrame ack;
      *ack.mutable_ack()->mutable_up_to() = f->delivery().offset();
      s.client->send(ack);
    }
    return true;
  }
  return error = "no echo within 10 s", false;
}

inline bool send_one(Session& s) {
  ClientFrame f;
  *f.mutable_envelope() = envelope(s.pair.client, s.pair.agent, testing::rv1::KIND_PROMPT, s.body, ++s.seq);
  return s.client->send(f);
}

}  // namespace bw::bench
