// Reply: a Redis reply as a plain value (RESP2: nil, integer, bulk string, status, error,
// array of replies). It owns its data and holds no hiredis type, so callers never include
// hiredis. Strings are binary-safe (they may contain NUL bytes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bw/result.hpp"

namespace bw::redis {

class Reply {
 public:
  enum class Kind { kNil, kInteger, kString, kStatus, kError, kArray };

  Reply() = default;  // nil
  static Reply nil() { return Reply(); }
  static Reply integer(std::int64_t value);
  static Reply string(std::string value);  // bulk string
  static Reply status(std::string value);  // simple string such as "OK"
  static Reply error(std::string message);
  static Reply array(std::vector<Reply> elements);

  Kind kind() const { return kind_; }
  bool is_nil() const { return kind_ == Kind::kNil; }
  bool is_integer() const { return kind_ == Kind::kInteger; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_status() const { return kind_ == Kind::kStatus; }
  bool is_error() const { return kind_ == Kind::kError; }
  bool is_array() const { return kind_ == Kind::kArray; }

  // Accessors; each has the precondition that kind() matches (asserted in debug builds).
  std::int64_t as_integer() const;
  const std::string& as_string() const;  // kString, kStatus or kError text
  const std::vector<Reply>& as_array() const;

  bool operator==(const Reply&) const = default;

  // Readable rendering for test failures and logs: 42, "abc", +OK, -ERR x, nil, [a, b].
  // Never log replies that may carry secrets.
  std::string debug_string() const;

 private:
  Kind kind_ = Kind::kNil;
  std::int64_t integer_ = 0;
  std::string text_;
  std::vector<Reply> elements_;
};

// An error reply as an Error (code from classify_server_error), any other reply unchanged.
Result<Reply> error_reply_to_result(Reply reply);

}  // namespace bw::redis
