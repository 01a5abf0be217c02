// Translation between the auth store's rows and breakwater.auth.v1 messages, for the
// internal gRPC API (internal_service.hpp). Pure functions: no store, no I/O.
//
// Contract: ids travel as raw 16-byte strings (id_from_bytes refuses any other length);
// times travel as google.protobuf.Timestamp from the store's Unix milliseconds; a key set
// is published newest first, its signing key ACTIVE and every other key PREVIOUS.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "breakwater/auth/v1/auth.pb.h"
#include "bw/jwt/key_set.hpp"
#include "store/types.hpp"

namespace bw::auth::internal {

// The id in `bytes`, or nullopt unless it is exactly 16 bytes.
std::optional<store::Id> id_from_bytes(std::string_view bytes);
std::string id_bytes(const store::Id& id);

breakwater::common::v1::Role role_to_proto(store::Role role);
breakwater::common::v1::DeviceKind kind_to_proto(store::DeviceKind kind);

// The store has no separate confirmation step, so a pairing is ACTIVE until it is revoked.
void pairing_to_proto(const store::Pairing& pairing, breakwater::auth::v1::Pairing& out);

// Every verifying key of `keys`, the signing one first; max_age_s as the cache lifetime.
void key_set_to_proto(const jwt::KeySet& keys, std::int64_t max_age_s, breakwater::auth::v1::KeySet& out);

}  // namespace bw::auth::internal
