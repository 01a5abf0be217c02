// redisReply → Reply, recursively (hiredis limits nesting to 7 levels).
#include "hiredis_reply.hpp"

#include <string>
#include <vector>

#include "bw/redis/errors.hpp"

namespace bw::redis::detail {

Result<Reply> to_reply(const redisReply* reply) {
  if (reply == nullptr) return make_error(Errc::kProtocol, "missing reply");
  auto text = [&] { return std::string(reply->str != nullptr ? reply->str : "", reply->len); };
  switch (reply->type) {
    case REDIS_REPLY_NIL: return Reply::nil();
    case REDIS_REPLY_INTEGER: return Reply::integer(reply->integer);
    case REDIS_REPLY_STRING: return Reply::string(text());
    case REDIS_REPLY_STATUS: return Reply::status(text());
    case REDIS_REPLY_ERROR: return Reply::error(text());
    case REDIS_REPLY_ARRAY: break;
    default:
      return make_error(Errc::kProtocol, "unknown reply type " + std::to_string(reply->type));
  }
  std::vector<Reply> elements;
  elements.reserve(reply->elements);
  for (std::size_t i = 0; i < reply->elements; ++i) {
    auto element = to_reply(reply->element[i]);
    if (!element) return element.error();
    elements.push_back(std::move(element).value());
  }
  return Reply::array(std::move(elements));
}

}  // namespace bw::redis::detail
