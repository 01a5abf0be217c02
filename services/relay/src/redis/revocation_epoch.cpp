// Reading auth's revocation epoch (revocation_epoch.hpp).
#include "redis/revocation_epoch.hpp"

#include <charconv>

#include "bw/redis/errors.hpp"
#include "bw/redis/pool.hpp"
#include "redis/relay_keys.hpp"

namespace bw::relay::redis {

std::string revocation_key(const TenantId& tenant, const UserId& user) {
  return "bw:rev:{" + id_hex(tenant) + id_hex(user) + "}";
}

Result<std::uint64_t> revocation_epoch(bw::redis::Pool& pool, const TenantId& tenant,
                                       const UserId& user,
                                       std::chrono::milliseconds checkout_wait) {
  using bw::redis::Errc;
  auto lease = pool.checkout(checkout_wait);
  if (!lease) return lease.error();
  auto reply = (*lease)->command({"GET", revocation_key(tenant, user)},
                                 bw::redis::Idempotent::kYes);
  if (!reply) return reply.error();
  if (reply->is_nil()) return std::uint64_t{0};
  const Error bad = bw::redis::make_error(Errc::kProtocol, "revocation epoch: not a decimal");
  if (!reply->is_string()) return bad;
  const std::string& text = reply->as_string();
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return bad;
  return value;
}

}  // namespace bw::relay::redis
