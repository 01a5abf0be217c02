// The device authorization grant's routes (device_grant.cpp), registered by
// add_device_routes (devices.cpp, modules.hpp).
#pragma once

#include <chrono>

#include "api/core.hpp"
#include "api/router.hpp"

namespace bw::auth::api {

inline constexpr std::chrono::seconds kDeviceGrantLifetime{600};  // expires_in
inline constexpr std::chrono::seconds kDevicePollInterval{5};     // interval

// POST /v1/device/code, /v1/device/approve, /v1/device/deny, /v1/device/token.
void add_device_grant_routes(Router& router, const ApiCore& core);

}  // namespace bw::auth::api
