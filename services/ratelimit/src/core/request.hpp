// A rate-limit request as the service sees it, after translation from Envoy's
// RateLimitRequest, and the checks every request passes before it costs a Redis round trip.
//
// Guarantees: validate() refuses (kInvalidArgument, with a reason naming the field) an
// empty domain, no descriptors, a descriptor without entries, an empty key, and anything
// past the bounds in RequestLimits — so a request can never make the service allocate,
// hash or send without limit. hits() follows Envoy: a descriptor's own hits_addend wins,
// else the request's, and a request's 0 means 1. counter_id() names the counter of one
// matched descriptor by a digest of (domain, rule, every entry), so keys have a fixed
// length and carry no caller-supplied text into Redis key names or hash tags.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bw/result.hpp"
#include "core/rules.hpp"

namespace bw::ratelimit {

enum class RequestError : int { kInvalidArgument = 10 };

struct RequestLimits {
  std::size_t max_domain_bytes = 128;
  std::size_t max_descriptors = 64;
  std::size_t max_entries = 16;        // per descriptor
  std::size_t max_key_bytes = 256;
  std::size_t max_value_bytes = 1024;
  std::uint64_t max_hits = 1'000'000;  // hits_addend, request or descriptor
};

struct RequestDescriptor {
  std::vector<Entry> entries;
  std::optional<std::uint64_t> hits_addend;  // Envoy's per-descriptor override
};

struct Request {
  std::string domain;
  std::vector<RequestDescriptor> descriptors;
  std::uint64_t hits_addend = 0;  // 0 means 1, as in Envoy
};

Status validate(const Request& request, const RequestLimits& limits = {});

// The hits one descriptor adds (see above). Call after validate().
std::uint64_t hits(const Request& request, const RequestDescriptor& descriptor);

// 32 lowercase hex characters identifying the counter of a matched descriptor.
std::string counter_id(std::string_view domain, const Match& match);

// 32 lowercase hex characters: the first 128 bits of SHA-256 over the fields, each
// prefixed by its 8-byte big-endian length, so no two field lists share a digest.
// Start with a purpose label (e.g. "bw/ratelimit/counter/v1") to separate key families.
std::string field_digest(std::span<const std::string_view> fields);

}  // namespace bw::ratelimit
