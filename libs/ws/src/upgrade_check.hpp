// The decision whether an HTTP request may become a WebSocket, as a pure function of the
// request's few relevant values, so it is tested without sockets and fuzzed directly.
// Checks run in a fixed order and the first failure wins: query/fragment, path, upgrade,
// Host, Origin. Host and Origin use libs/http's allowlist rules (policy.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bw::ws {

enum class Refusal { kNone, kQuery, kPath, kNotUpgrade, kHost, kOrigin };

struct UpgradeRules {
  std::string path;
  std::vector<std::string> allowed_origins;
  bool allow_missing_origin = false;
  std::vector<std::string> allowed_hosts;
};

// What the check looks at. `is_upgrade`: GET with Connection: upgrade and Upgrade: websocket.
struct UpgradeView {
  std::string_view target;
  bool is_upgrade = false;
  std::optional<std::string_view> host;    // the first Host header
  std::size_t host_count = 0;
  std::optional<std::string_view> origin;  // the first Origin header
  std::size_t origin_count = 0;
};

Refusal check_upgrade(const UpgradeView& request, const UpgradeRules& rules);

// The HTTP status sent for a refusal: 400 query, 404 path, 426 not an upgrade, 403 Host or
// Origin; 101 for kNone.
unsigned refusal_status(Refusal refusal);

}  // namespace bw::ws
