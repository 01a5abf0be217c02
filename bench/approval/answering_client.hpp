// The phone of the approval benchmark: one paired client device on its own WebSocket, which
// answers every APPROVAL_REQUEST of its agent "allow" as soon as it has opened it — a person
// who never hesitates. Each delivery is handled the way the terminal client's Conversation
// handles it (cli/src/conversation.cpp): opened against the stored receiving state, that
// state committed, the mailbox offset saved, the delivery acknowledged; then the answer
// (req_id ‖ SHA-256 of the request body ‖ 1) is sealed with this process's sending epoch,
// opened with auth's device assertion as its first message. Pings are answered. It runs on a
// thread of its own from start() until destruction.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "bw/e2e/session.hpp"
#include "bw/relayclient/client_stream.hpp"
#include "pairing_book.hpp"

namespace bw::bench {

class AnsweringClient {
 public:
  struct Setup {
    std::unique_ptr<relayclient::ClientStream> stream;  // connected as the pairing's client device
    std::unique_ptr<e2e::StateStore> store;             // the client's e2e state (its home)
    std::string home;                                   // the client's folder (offset, send lock)
    agent::BookEntry pairing;                           // the client's side of the pairing
    std::string assertion;                              // auth's device assertion for this device
  };
  // Takes the pairing's send lock, opens a sending epoch, sends the assertion and starts
  // answering. Errors: any of those failed.
  static Result<std::unique_ptr<AnsweringClient>> start(Setup setup);
  ~AnsweringClient();
  AnsweringClient(const AnsweringClient&) = delete;
  AnsweringClient& operator=(const AnsweringClient&) = delete;

  std::uint64_t answered() const { return answered_.load(); }
  std::uint64_t failures() const { return failures_.load(); }
  std::string first_failure() const;

 private:
  AnsweringClient(Setup setup, agent::SendLock lock, e2e::Sender sender);
  void run();
  void handle(const breakwater::relay::v1::Delivery& d);
  bool send(e2e::Kind kind, ByteView body);
  void fail(const std::string& why);

  Setup s_;
  agent::SendLock lock_;
  e2e::Sender sender_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> answered_{0}, failures_{0};
  mutable std::mutex mu_;
  std::string first_failure_;
  std::thread thread_;  // last: started once the rest exists
};

}  // namespace bw::bench
