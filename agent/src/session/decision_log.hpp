// The agent's local decision log (issue 6, Deliver 5): append-only JSON lines in the
// private folder (decisions.jsonl, 0600), one per approval decision, each chained to the
// previous by hash so that an edited, removed or reordered line is detected by verify().
//
// Line: {"at_ms","by" (rule|workspace|client|timeout|error),"client","file","input_sha256",
// "prev" (hex SHA-256 of the previous line, 64 zeros for the first),"result" (allow|deny),
// "rule","session","tool"} — never the tool input itself (its hash only), never a secret.
// Thread-safe; each append is one write(2) of a whole line on an O_APPEND descriptor,
// followed by fdatasync.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "bw/result.hpp"

namespace bw::agent::session {

struct DecisionRecord {
  std::int64_t at_ms = 0;
  std::string session, tool, input_sha256, by, rule, file, client;
  bool allow = false;
};

class DecisionLog {
 public:
  // Opens (creating 0600) and reads the last line's hash. Errors: unreadable, a broken chain.
  static Result<std::unique_ptr<DecisionLog>> open(const std::string& path);
  ~DecisionLog();
  Status append(const DecisionRecord& r);

  // The number of lines if every line chains to the one before. Errors name the first bad line.
  static Result<std::size_t> verify(const std::string& path);

 private:
  DecisionLog(int fd, std::string last);
  std::mutex mu_;
  int fd_;
  std::string last_;  // hex SHA-256 of the last line
};

}  // namespace bw::agent::session
