// Row accessors and the error-code names.
#include <charconv>

#include "bw/sql/db.hpp"
#include "bw/sql/errors.hpp"

namespace bw::sql {

std::int64_t Row::int64(std::size_t i) const {
  const Value& v = cols_.at(i);
  if (const auto* n = std::get_if<std::int64_t>(&v)) return *n;
  if (const auto* s = std::get_if<std::string>(&v)) {
    std::int64_t out = 0;
    std::from_chars(s->data(), s->data() + s->size(), out);
    return out;
  }
  return 0;
}

std::string Row::text(std::size_t i) const {
  const Value& v = cols_.at(i);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
  if (const auto* b = std::get_if<Bytes>(&v)) return to_string(*b);
  return {};
}

Bytes Row::bytes(std::size_t i) const {
  const Value& v = cols_.at(i);
  if (const auto* b = std::get_if<Bytes>(&v)) return *b;
  if (const auto* s = std::get_if<std::string>(&v)) return to_bytes(*s);
  return {};
}

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::kNotFound: return "not_found";
    case Errc::kConflict: return "conflict";
    case Errc::kConstraint: return "constraint";
    case Errc::kUnavailable: return "unavailable";
    case Errc::kSchemaTooNew: return "schema_too_new";
    case Errc::kInvalid: return "invalid";
    case Errc::kInternal: return "internal";
  }
  return "unknown";
}

}  // namespace bw::sql
