// Request checks and counter naming (see request.hpp).
#include "core/request.hpp"

#include "bw/crypto/hex.hpp"
#include "bw/crypto/sha256.hpp"

namespace bw::ratelimit {
namespace {

Error invalid(std::string reason) {
  return Error{static_cast<int>(RequestError::kInvalidArgument), "invalid request: " + std::move(reason)};
}

Status validate_descriptor(const RequestDescriptor& d, std::size_t index, const RequestLimits& limits) {
  const std::string where = "descriptors[" + std::to_string(index) + "]";
  if (d.entries.empty()) return invalid(where + " has no entries");
  if (d.entries.size() > limits.max_entries) {
    return invalid(where + " has more than " + std::to_string(limits.max_entries) + " entries");
  }
  if (d.hits_addend && *d.hits_addend > limits.max_hits) {
    return invalid(where + ".hits_addend is above " + std::to_string(limits.max_hits));
  }
  for (std::size_t i = 0; i < d.entries.size(); ++i) {
    const Entry& e = d.entries[i];
    const std::string at = where + ".entries[" + std::to_string(i) + "]";
    if (e.key.empty()) return invalid(at + ".key is empty");
    if (e.key.size() > limits.max_key_bytes) return invalid(at + ".key is longer than " + std::to_string(limits.max_key_bytes) + " bytes");
    if (e.value.size() > limits.max_value_bytes) {
      return invalid(at + ".value is longer than " + std::to_string(limits.max_value_bytes) + " bytes");
    }
  }
  return {};
}

// Appends a length-prefixed field, so ("ab","c") and ("a","bc") never hash alike.
void add_field(crypto::Sha256& h, std::string_view field) {
  const std::uint64_t n = field.size();
  std::uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<std::uint8_t>(n >> (56 - 8 * i));
  h.update(ByteView(len, sizeof len));
  h.update(as_bytes(field));
}

}  // namespace

Status validate(const Request& request, const RequestLimits& limits) {
  if (request.domain.empty()) return invalid("domain is empty");
  if (request.domain.size() > limits.max_domain_bytes) {
    return invalid("domain is longer than " + std::to_string(limits.max_domain_bytes) + " bytes");
  }
  if (request.descriptors.empty()) return invalid("no descriptors");
  if (request.descriptors.size() > limits.max_descriptors) {
    return invalid("more than " + std::to_string(limits.max_descriptors) + " descriptors");
  }
  if (request.hits_addend > limits.max_hits) return invalid("hits_addend is above " + std::to_string(limits.max_hits));
  for (std::size_t i = 0; i < request.descriptors.size(); ++i) {
    if (auto st = validate_descriptor(request.descriptors[i], i, limits); !st) return st;
  }
  return {};
}

std::uint64_t hits(const Request& request, const RequestDescriptor& descriptor) {
  if (descriptor.hits_addend) return *descriptor.hits_addend;
  return request.hits_addend == 0 ? 1 : request.hits_addend;
}

std::string field_digest(std::span<const std::string_view> fields) {
  crypto::Sha256 h;
  for (std::string_view f : fields) add_field(h, f);
  const auto digest = h.finish();
  return crypto::hex_encode(ByteView(digest.data(), 16));
}

std::string counter_id(std::string_view domain, const Match& match) {
  std::vector<std::string_view> fields{"bw/ratelimit/counter/v1", domain, match.rule_id};
  for (const Entry& e : match.key_entries) {
    fields.push_back(e.key);
    fields.push_back(e.value);
  }
  return field_digest(fields);
}

}  // namespace bw::ratelimit
