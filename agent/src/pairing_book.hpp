// The pairings this side completed, as IT recorded them (<state folder>/pairings.json, 0600,
// synced): pairing id, peer device and the role agreed in the transcript. The agent's role
// for a pairing comes from here — the role its user offered — never from a server's answer.
// The terminal client keeps the same file to remember which agent device each pairing
// belongs to. Also: the per-pairing sending lock (DESIGN §3 "one sending context").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bw/e2e/protocol.hpp"
#include "bw/result.hpp"

namespace bw::agent {

struct BookEntry {
  e2e::Id pairing_id{};
  e2e::Id peer_device{};  // the client device (agent side) or the agent device (client side)
  e2e::Role role = e2e::Role::kMember;
  e2e::Id self_device{};  // this side's device in the pairing (a client may have several)
  // Agent side only: the client's pairing key C as the handshake authenticated it, and the
  // client's user as auth reported it (both checked against device assertions).
  std::optional<std::array<std::uint8_t, 32>> peer_public;
  std::optional<e2e::Id> peer_user;
};

inline constexpr const char* kPairingBookFile = "pairings.json";
inline constexpr std::size_t kMaxBookEntries = 1024;

// Empty when nothing is stored. Errors: unreadable or damaged file.
Result<std::vector<BookEntry>> load_book(const std::string& dir);
// Adds or replaces (by pairing id). Errors: the file cannot be written, or the book is full.
Status add_to_book(const std::string& dir, const BookEntry& e);
Status remove_from_book(const std::string& dir, const e2e::Id& pairing_id);

// An exclusive, non-blocking lock on <dir>/send-<pairing hex>.lock, held until destroyed
// (or the process ends). Errors: another process holds it (message says so), or I/O.
// acquire_named() locks <dir>/<name>.lock instead (the agent's "relay" stream lock, held by
// `run` and `pair`, which would otherwise take the one stream from each other).
class SendLock {
 public:
  static Result<SendLock> acquire(const std::string& dir, const e2e::Id& pairing_id);
  static Result<SendLock> acquire_named(const std::string& dir, const std::string& name, const std::string& what);
  SendLock(SendLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  SendLock& operator=(SendLock&&) = delete;
  ~SendLock();

 private:
  explicit SendLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace bw::agent
