// Revocations: the per-user revocation epoch shared with every service (DESIGN §2).
//
// The store holds each user's epoch durably; access tokens carry the epoch they were
// issued under (claim rev). When the epoch rises (password change, sign out everywhere,
// disable, operator reset), the new value is published here so that services which never
// read the auth database (the relay) refuse older tokens at once.
//
// Redis layout: key "bw:rev:{<tenant hex><user hex>}" (hash tag: one slot per user)
// holding the epoch as a decimal integer. A write only ever raises the value (one Lua
// step), so racing publishers cannot lower it. The key lives kEpochTtl: every access
// token is dead after at most 5 minutes plus verifier leeway anyway, so after that the
// epoch no longer decides anything and Redis holds nothing per user for long.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "bw/result.hpp"
#include "store/types.hpp"

namespace bw::redis {
class Pool;
}

namespace bw::auth::api {

inline constexpr std::chrono::minutes kEpochTtl{10};

class Revocations {
 public:
  virtual ~Revocations() = default;
  // Raises the user's published epoch to at least `epoch`.
  virtual Status publish(const store::Id& tenant_id, const store::Id& user_id, std::int64_t epoch) = 0;
  // The published epoch, 0 when none is live.
  virtual Result<std::int64_t> current(const store::Id& tenant_id, const store::Id& user_id) = 0;
};

// The Redis key of a user's epoch.
std::string revocation_key(const store::Id& tenant_id, const store::Id& user_id);

std::unique_ptr<Revocations> make_redis_revocations(std::shared_ptr<redis::Pool> pool);

}  // namespace bw::auth::api
