// The shared `redis` configuration section (see redis_config.hpp).
#include "bw/redis/redis_config.hpp"

#include "bw/redis/errors.hpp"

#include <algorithm>
#include <charconv>

#include "bw/config/files.hpp"

namespace bw::redis {
namespace {

Result<std::string> read_password_file(const std::string& path) {
  auto text = config::read_private_file(path, 4096);
  if (!text) return make_error(Errc::kInvalidArgument, "config: redis.password_file: " + text.error().message);
  std::string password = std::move(text.value());
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) password.pop_back();
  if (password.empty()) return make_error(Errc::kInvalidArgument, "config: redis.password_file: " + path + " holds no password");
  return password;
}

}  // namespace

void add_config_keys(config::Schema& s) {
  using config::Type;
  s.add({.path = "redis.address", .default_value = "127.0.0.1:6379", .help = "Redis server (host:port)"});
  s.add({.path = "redis.password", .default_value = "", .help = "Redis AUTH password (prefer password_file)"});
  s.add({.path = "redis.password_file", .default_value = "", .help = "file holding the Redis password (mode 0600)"});
  s.add({.path = "redis.db", .type = Type::kInt, .default_value = "0", .help = "database number", .min = 0, .max = 15});
  s.add({.path = "redis.connect_timeout", .type = Type::kDuration, .default_value = "500ms",
         .help = "TCP connect timeout per attempt", .min = 1, .max = 60'000});
  s.add({.path = "redis.command_timeout", .type = Type::kDuration, .default_value = "1s",
         .help = "time to wait for one reply", .min = 1, .max = 60'000});
  s.add({.path = "redis.pool_size", .type = Type::kInt, .default_value = "4", .help = "connections per process",
         .min = 1, .max = 256});
}

Result<PoolConfig> read_config(const config::Values& v) {
  PoolConfig c;
  const std::string& address = v.str("redis.address");
  const auto colon = address.rfind(':');
  unsigned port = 0;
  const char* first = address.data() + (colon == std::string::npos ? 0 : colon + 1);
  const char* last = address.data() + address.size();
  auto [p, ec] = std::from_chars(first, last, port);
  if (colon == std::string::npos || colon == 0 || ec != std::errc() || p != last || port == 0 || port > 65535) {
    return make_error(Errc::kInvalidArgument, "config: redis.address: expected host:port, got '" + address + "'");
  }
  c.connection.host = address.substr(0, colon);
  c.connection.port = static_cast<std::uint16_t>(port);
  c.connection.password = v.str("redis.password");
  if (!v.str("redis.password_file").empty()) {
    if (!c.connection.password.empty()) {
      return make_error(Errc::kInvalidArgument, "config: set redis.password or redis.password_file, not both");
    }
    auto pw = read_password_file(v.str("redis.password_file"));
    if (!pw) return pw.error();
    c.connection.password = std::move(pw.value());
  }
  c.connection.db = static_cast<int>(v.integer("redis.db"));
  c.connection.connect_timeout = v.duration("redis.connect_timeout");
  c.connection.command_timeout = v.duration("redis.command_timeout");
  c.pool_size = static_cast<std::size_t>(v.integer("redis.pool_size"));
  return c;
}

Probe::Probe(const PoolConfig& config) : connection_([&] {
    ConnectionOptions o = config.connection;
    o.connect_timeout = std::min(o.connect_timeout, std::chrono::milliseconds(300));
    o.command_timeout = std::min(o.command_timeout, std::chrono::milliseconds(500));
    o.retry.max_attempts = 1;
    return o;
  }()) {}

bool Probe::ping() {
  std::lock_guard lock(mu_);
  return connection_.command({"PING"}, Idempotent::kYes).ok();
}

Result<Clients> make_clients(const config::Values& values) {
  auto c = read_config(values);
  if (!c) return c.error();
  return Clients{std::make_shared<Pool>(c->connection, c->pool_size), std::make_shared<Probe>(c.value())};
}

Status validate_config(const config::Values& values) {
  auto c = read_config(values);
  if (!c) return c.error();
  return {};
}

}  // namespace bw::redis
