// The `redis` section of a service's configuration, shared by every service that uses
// Redis, and a readiness probe over a Pool.
//
// Keys: redis.address (host:port), redis.password or redis.password_file (a private file:
// no access for others, no group write; not empty; its trailing newline is ignored), redis.db,
// redis.connect_timeout, redis.command_timeout, redis.pool_size. The password is never
// logged or echoed in an error.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>

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


// A readiness probe with its own connection, so a busy pool never makes the service look
// down; short timeouts and one attempt per probe, so a probe never outlasts a second.
class Probe {
 public:
  explicit Probe(const PoolConfig& config);
  // True when Redis answers PING now. Thread-safe.
  bool ping();

 private:
  std::mutex mu_;
  Connection connection_;
};

// What a service that uses Redis holds: a pool for its work and a probe for readiness.
struct Clients {
  std::shared_ptr<Pool> pool;
  std::shared_ptr<Probe> probe;
};

// read_config(), then the clients (no connection is made yet).
Result<Clients> make_clients(const config::Values& values);

// read_config() as a Status, for ServiceSpec::validate.
Status validate_config(const config::Values& values);

}  // namespace bw::redis
