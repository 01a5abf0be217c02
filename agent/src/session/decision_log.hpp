// The agent's local decision log (issue 6, Deliver 5): append-only JSON lines in the
// private folder (decisions.jsonl, 0600), one per approval decision, each chained to the
// previous by hash so that an edited, removed or reordered line is detected by verify().
//
// Line: {"at_ms","by" (rule|workspace|client|timeout|error),"client","file","input_sha256",
// "prev" (hex SHA-256 of the previous line, 64 zeros for the first),"result" (allow|deny),
// "rule","session","tool"} — never the tool input itself (its hash only), never a secret.
// Thread-safe; each append is one write(2) of a whole line on an O_APPEND descriptor,
// followed by fdatasync. A write that fails part-way is cut off again (ftruncate to the
// length before it), so a full disk never leaves half a line for the next one to follow.
//
// Torn tail: a crash in the middle of a write can leave a last line without its newline.
// open() moves such a fragment (only the bytes after the last newline: never a line that
// was written whole) to decisions.jsonl.torn-<ms> beside the log (0600, kept for inspection), cuts the log
// back to its last complete line and says so in `torn_tail`; the chain then continues from
// the last complete line. verify() reports a fragment as an error, so an offline check of
// a log copied mid-crash still tells the reader.
#pragma once

#include <sys/types.h>

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
  // Opens (creating 0600) and reads the last line's hash, after setting a torn tail aside
  // (above). Errors: unreadable, a broken chain, the fragment could not be set aside.
  static Result<std::unique_ptr<DecisionLog>> open(const std::string& path);
  ~DecisionLog();
  Status append(const DecisionRecord& r);
  // Where a torn tail found by open() was moved ("" if there was none).
  const std::string& torn_tail() const { return torn_tail_; }

  // The number of lines if every line chains to the one before. Errors name the first bad line.
  static Result<std::size_t> verify(const std::string& path);

 private:
  DecisionLog(int fd, std::string last, off_t size, std::string torn_tail);
  std::mutex mu_;
  int fd_;
  std::string last_;  // hex SHA-256 of the last line
  off_t size_;        // bytes of complete lines (the file's length between appends)
  std::string torn_tail_;
};

}  // namespace bw::agent::session
