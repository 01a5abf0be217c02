// Plain row types of the audit store; no SQL. Times are integer milliseconds since the Unix
// epoch, always passed in by the caller (the store never reads a clock). A leaf's canonical
// bytes (leaf_data) and its RFC 6962 leaf hash are made by the caller (libs/audit); the
// store keeps them as opaque bytes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bw/bytes.hpp"

namespace bw::audit::store {

using TimeMs = std::int64_t;
using TenantId = std::array<std::uint8_t, 16>;
using EventId = std::array<std::uint8_t, 16>;
using Hash = std::array<std::uint8_t, 32>;

// One leaf of a tenant's log. (tenant, leaf_index) is its key; leaf indexes are dense per
// tenant from 0; event_id is unique per tenant (the producers' idempotency key).
struct Entry {
  TenantId tenant{};
  std::int64_t leaf_index = 0;
  EventId event_id{};
  TimeMs event_time_ms = 0;    // the producer's clock
  int actor_kind = 0;          // audit.v1.Actor.Kind
  Bytes actor_id;              // empty when the actor has none
  std::string action;          // e.g. "auth.login"
  int result = 0;              // audit.v1.Result
  std::string target_type;
  Bytes target_id;
  Bytes source_address;        // 16-byte IPv6 or empty
  std::string producer;
  Bytes leaf_data;             // the canonical bytes the leaf hash covers
  Hash leaf_hash{};
  TimeMs recorded_at_ms = 0;   // when the audit service accepted it

  friend bool operator==(const Entry&, const Entry&) = default;
};

// A tenant's id and the number of leaves in its log.
struct TenantSize {
  TenantId tenant{};
  std::int64_t tree_size = 0;
  friend bool operator==(const TenantSize&, const TenantSize&) = default;
};

// An event id already in a tenant's log, and where.
struct KnownEvent {
  EventId event_id{};
  std::int64_t leaf_index = 0;
  friend bool operator==(const KnownEvent&, const KnownEvent&) = default;
};

// Filters of query(); every set field must match. Pages are in leaf order (append order,
// oldest first): pass the last returned leaf_index as after_leaf_index for the next page.
struct EntryQuery {
  std::optional<TimeMs> time_from;             // event_time_ms >= time_from
  std::optional<TimeMs> time_to;               // event_time_ms < time_to
  std::optional<Bytes> actor_id;
  std::optional<std::string> action;
  std::optional<int> result;
  std::optional<std::int64_t> after_leaf_index;
  int limit = 100;                             // 1..kMaxQueryLimit
};

inline constexpr int kMaxQueryLimit = 1000;

struct EntryPage {
  std::vector<Entry> entries;
  bool more = false;  // further matching entries exist after the last one returned
};

// A signed statement of a tenant's tree at one size (signature over the layout in
// protos/breakwater/audit/v1/audit.proto, made and checked by the caller).
struct Checkpoint {
  TenantId tenant{};
  std::int64_t tree_size = 0;
  Hash root_hash{};
  TimeMs timestamp_ms = 0;
  std::string key_id;
  Bytes signature;
  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

// A checkpoint signing key. The private key is sealed by the caller (never stored clear).
struct SigningKey {
  std::string key_id;
  Bytes public_key;
  Bytes sealed_private_key;
  TimeMs not_before_ms = 0;
  std::optional<TimeMs> not_after_ms;  // unset while the key is current
  friend bool operator==(const SigningKey&, const SigningKey&) = default;
};

}  // namespace bw::audit::store
