// Reply constructors, accessors and rendering.
#include "bw/redis/reply.hpp"

#include <cassert>
#include <utility>

#include "bw/redis/errors.hpp"

namespace bw::redis {

Reply Reply::integer(std::int64_t value) {
  Reply r;
  r.kind_ = Kind::kInteger;
  r.integer_ = value;
  return r;
}

Reply Reply::string(std::string value) {
  Reply r;
  r.kind_ = Kind::kString;
  r.text_ = std::move(value);
  return r;
}

Reply Reply::status(std::string value) {
  Reply r = string(std::move(value));
  r.kind_ = Kind::kStatus;
  return r;
}

Reply Reply::error(std::string message) {
  Reply r = string(std::move(message));
  r.kind_ = Kind::kError;
  return r;
}

Reply Reply::array(std::vector<Reply> elements) {
  Reply r;
  r.kind_ = Kind::kArray;
  r.elements_ = std::move(elements);
  return r;
}

std::int64_t Reply::as_integer() const {
  assert(is_integer());
  return integer_;
}

const std::string& Reply::as_string() const {
  assert(is_string() || is_status() || is_error());
  return text_;
}

const std::vector<Reply>& Reply::as_array() const {
  assert(is_array());
  return elements_;
}

std::string Reply::debug_string() const {
  switch (kind_) {
    case Kind::kNil: return "nil";
    case Kind::kInteger: return std::to_string(integer_);
    case Kind::kString: return "\"" + text_ + "\"";
    case Kind::kStatus: return "+" + text_;
    case Kind::kError: return "-" + text_;
    case Kind::kArray: break;
  }
  std::string out = "[";
  for (std::size_t i = 0; i < elements_.size(); ++i) {
    out += (i == 0 ? "" : ", ") + elements_[i].debug_string();
  }
  return out + "]";
}

Result<Reply> error_reply_to_result(Reply reply) {
  if (!reply.is_error()) return reply;
  return make_error(classify_server_error(reply.as_string()), reply.as_string());
}

}  // namespace bw::redis
