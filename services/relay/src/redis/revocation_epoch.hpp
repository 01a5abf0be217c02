// The per-user revocation epoch that auth publishes in Redis (DESIGN §2), read by the
// relay to re-check live connections: a token whose `rev` claim is below the epoch is dead.
//
// Layout (written by auth, services/auth/src/api/revocations.*): key
// "bw:rev:{<tenant hex><user hex>}" (lowercase hex of the two 16-byte ids) holding the
// epoch as a decimal integer, with a TTL longer than any access token lives. A missing key
// means no revocation is live: epoch 0.
//
// Failure behaviour: bw::redis::Errc errors; kProtocol when the value is not a
// non-negative decimal (the caller must then treat the token as unverifiable, never as
// valid). Thread-safety: any thread.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>

#include "bw/result.hpp"

namespace bw::redis {
class Pool;
}

namespace bw::relay::redis {

using TenantId = std::array<std::uint8_t, 16>;
using UserId = std::array<std::uint8_t, 16>;

std::string revocation_key(const TenantId& tenant, const UserId& user);

Result<std::uint64_t> revocation_epoch(bw::redis::Pool& pool, const TenantId& tenant,
                                       const UserId& user,
                                       std::chrono::milliseconds checkout_wait =
                                           std::chrono::milliseconds(200));

}  // namespace bw::relay::redis
