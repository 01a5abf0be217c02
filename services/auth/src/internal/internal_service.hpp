// breakwater.auth.v1.AuthInternal: identity look-ups for the relay and the other services
// inside the cluster (docs/protocol.md, "Auth internal API"). Served on the service's
// gRPC port, which requires client certificates under the cluster CA.
//
// Guarantees:
//  - ids are exactly 16 bytes, device tokens at most kMaxDeviceTokenBytes: anything else is
//    INVALID_ARGUMENT, decided before the store is asked;
//  - ValidateDeviceToken answers UNAUTHENTICATED, with one message, for a token that is
//    malformed, unknown or revoked, whose device is revoked or whose user is disabled, and
//    for a token of another tenant than expected_tenant; the token is looked up by its
//    hash only (authcore::token_hash) and never logged;
//  - every tenant-scoped call (LookupPairing, ListPairings, GetRevocationEpoch) looks the
//    row up inside the request's tenant: a row of another tenant is NOT_FOUND, word for
//    word like a row that does not exist;
//  - a store failure is UNAVAILABLE (callers retry with backoff and fail closed);
//  - every call moves breakwater_auth_internal_requests_total{method, result}, with a
//    closed set of result values and no ids in labels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "api/live_key_set.hpp"
#include "breakwater/auth/v1/auth.grpc.pb.h"
#include "bw/metrics/metrics.hpp"
#include "store/store.hpp"

namespace bw::auth::internal {

// Longer than any token authcore issues (48 bytes), short enough to refuse junk cheaply.
inline constexpr std::size_t kMaxDeviceTokenBytes = 256;
// How long a caller may cache GetKeySet's answer (it refetches on an unknown kid anyway).
inline constexpr std::int64_t kKeySetMaxAgeSeconds = 300;

class AuthInternalService final : public breakwater::auth::v1::AuthInternal::Service {
 public:
  AuthInternalService(std::shared_ptr<store::Store> store, api::LiveKeySet keys, metrics::Factory& metrics);

  grpc::Status ValidateDeviceToken(grpc::ServerContext* ctx, const breakwater::auth::v1::ValidateDeviceTokenRequest* req,
                                   breakwater::auth::v1::DeviceIdentity* res) override;
  grpc::Status GetKeySet(grpc::ServerContext* ctx, const breakwater::auth::v1::GetKeySetRequest* req,
                         breakwater::auth::v1::KeySet* res) override;
  grpc::Status LookupPairing(grpc::ServerContext* ctx, const breakwater::auth::v1::LookupPairingRequest* req,
                             breakwater::auth::v1::Pairing* res) override;
  grpc::Status ListPairings(grpc::ServerContext* ctx, const breakwater::auth::v1::ListPairingsRequest* req,
                            breakwater::auth::v1::ListPairingsResponse* res) override;
  grpc::Status GetRevocationEpoch(grpc::ServerContext* ctx, const breakwater::auth::v1::GetRevocationEpochRequest* req,
                                  breakwater::auth::v1::GetRevocationEpochResponse* res) override;

 private:
  // Counts the call under `result` and returns `status`.
  grpc::Status done(const char* method, const char* result, grpc::Status status = grpc::Status::OK) const;
  // The pairing as it stands now: its role lowered to the client user's current role (a
  // viewer who claimed an admin offer, or a user demoted since, speaks with the lower one),
  // and revoked when that user is disabled or gone.
  Result<store::Pairing> effective(store::Pairing pairing) const;

  std::shared_ptr<store::Store> store_;
  api::LiveKeySet keys_;
  metrics::Family<prometheus::Counter> requests_;
};

}  // namespace bw::auth::internal
