// Revocations over Redis (revocations.hpp).
#include "api/revocations.hpp"

#include <charconv>

#include "bw/crypto/hex.hpp"
#include "bw/redis/errors.hpp"
#include "bw/redis/pool.hpp"
#include "bw/redis/script.hpp"

namespace bw::auth::api {
namespace {

constexpr std::chrono::milliseconds kCheckoutWait{500};

// KEYS[1] epoch key; ARGV[1] epoch; ARGV[2] ttl ms. Raises, never lowers; refreshes the TTL.
constexpr const char* kRaiseScript = R"lua(
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local wanted = tonumber(ARGV[1])
if wanted > current then current = wanted end
redis.call('SET', KEYS[1], tostring(current), 'PX', ARGV[2])
return current
)lua";

class RedisRevocations final : public Revocations {
 public:
  explicit RedisRevocations(std::shared_ptr<redis::Pool> pool)
      : pool_(std::move(pool)), raise_("revocation_raise", kRaiseScript) {}

  Status publish(const store::Id& tenant_id, const store::Id& user_id, std::int64_t epoch) override {
    auto lease = pool_->checkout(kCheckoutWait);
    if (!lease) return lease.error();
    const std::string ttl = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(kEpochTtl).count());
    auto reply = raise_.eval(**lease, {revocation_key(tenant_id, user_id)}, {std::to_string(epoch), ttl},
                             redis::Idempotent::kYes);  // raising to a fixed value twice is harmless
    if (!reply) return reply.error();
    return {};
  }

  Result<std::int64_t> current(const store::Id& tenant_id, const store::Id& user_id) override {
    auto lease = pool_->checkout(kCheckoutWait);
    if (!lease) return lease.error();
    auto reply = (*lease)->command({"GET", revocation_key(tenant_id, user_id)});
    if (!reply) return reply.error();
    if (reply->is_nil()) return std::int64_t{0};
    if (!reply->is_string()) return Error{static_cast<int>(redis::Errc::kProtocol), "revocation epoch: unexpected reply"};
    const std::string& text = reply->as_string();
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
      return Error{static_cast<int>(redis::Errc::kProtocol), "revocation epoch: not a non-negative integer"};
    }
    return value;
  }

 private:
  std::shared_ptr<redis::Pool> pool_;
  redis::Script raise_;
};

}  // namespace

std::string revocation_key(const store::Id& tenant_id, const store::Id& user_id) {
  return "bw:rev:{" + crypto::hex_encode(ByteView(tenant_id)) + crypto::hex_encode(ByteView(user_id)) + "}";
}

std::unique_ptr<Revocations> make_redis_revocations(std::shared_ptr<redis::Pool> pool) {
  return std::make_unique<RedisRevocations>(std::move(pool));
}

}  // namespace bw::auth::api
