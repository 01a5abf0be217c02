// Internal to the pairing module (pairing.cpp: offers and claims; pairing_manage.cpp: offer
// status, pairing lists and revocation; device_assertion.cpp: device assertions). The
// module's one entry point is add_pairing_routes (modules.hpp).
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "api/core.hpp"
#include "api/modules.hpp"
#include "bw/bytes.hpp"
#include "bw/metrics/metrics.hpp"

namespace bw::auth::api {

inline constexpr std::size_t kMaxDeviceNameBytes = 64;

// One counter family per action; `result` label values are a closed set (operations.md).
struct PairingMetrics {
  explicit PairingMetrics(metrics::Factory& f);
  metrics::Family<prometheus::Counter> offers, claims, claim_cleanups, offer_reads, lists, revocations, assertions;
};

// A client pairing key C as auth accepts it: exactly 32 bytes, not all zero.
bool valid_client_public_key(ByteView key);
// 1..kMaxDeviceNameBytes bytes of UTF-8 (checked by the JSON parser) without control characters.
bool valid_device_name(std::string_view name);

// pairing_manage.cpp: GET /v1/pairing/offers/{id}, GET /v1/pairings, GET /v1/device/pairings,
// DELETE /v1/pairings/{id}.
void add_pairing_management_routes(Router& router, const ApiCore& core, std::shared_ptr<PairingMetrics> m);
// device_assertion.cpp: POST /v1/device/assertion.
void add_device_assertion_routes(Router& router, const ApiCore& core, std::shared_ptr<PairingMetrics> m);

}  // namespace bw::auth::api
