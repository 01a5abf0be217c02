// The `redis` section of a service's configuration, shared by every service that uses
// Redis, and a readiness probe over a Pool.
//
// Keys: redis.address (host:port), redis.password or redis.password_file (a file that
// must not be readable by others; its trailing newline is ignored), redis.db,
// redis.connect_timeout, redis.command_timeout, redis.pool_size. The password is never
// logged or echoed in an error.
#pragma once

#include <cstddef>
#include <memory>

#include "bw/config/config.hpp"
#include "bw/redis/connection.hpp"
#include "bw/redis/pool.hpp"
#include "bw/result.hpp"

namespace bw::redis {

void add_config_keys(config::Schema& schema);

struct PoolConfig {
  ConnectionOptions connection;
  std::size_t pool_size = 4;
};

// Reads the section; Error (naming the key) for a bad address or an unreadable or exposed
// password file.
Result<PoolConfig> read_config(const config::Values& values);

// read_config() then a Pool of that size (no connection is made yet).
Result<std::shared_ptr<Pool>> make_pool(const config::Values& values);

// True when a pooled connection answers PING within the command timeout.
bool ping(Pool& pool);

}  // namespace bw::redis
