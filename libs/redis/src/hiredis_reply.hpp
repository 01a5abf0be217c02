// Internal: the only place a redisReply becomes a Reply. Included by the adapter
// (connection.cpp) and by unit tests, never by a public header.
#pragma once

#include <hiredis/hiredis.h>

#include "bw/redis/reply.hpp"
#include "bw/result.hpp"

namespace bw::redis::detail {

// A deep copy of `reply`. Error kProtocol for a null reply or an unknown reply type.
Result<Reply> to_reply(const redisReply* reply);

}  // namespace bw::redis::detail
