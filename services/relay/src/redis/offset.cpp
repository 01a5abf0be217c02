// Offset conversions (offset.hpp).
#include "redis/offset.hpp"

#include <charconv>
#include <limits>

namespace bw::relay::redis {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

// A canonical unsigned decimal: digits only, no leading zero unless it is "0", no overflow.
std::optional<std::uint64_t> parse_decimal(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  if (text.size() > 1 && text.front() == '0') return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string to_stream_id(Offset offset) {
  return std::to_string(offset.ms) + "-" + std::to_string(offset.seq);
}

std::optional<Offset> parse_offset(std::string_view text) {
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto ms = parse_decimal(text.substr(0, dash));
  auto seq = parse_decimal(text.substr(dash + 1));
  if (!ms || !seq) return std::nullopt;
  return Offset{*ms, *seq};
}

std::optional<Offset> next_offset(Offset offset) {
  if (offset.seq != kMax) return Offset{offset.ms, offset.seq + 1};
  if (offset.ms != kMax) return Offset{offset.ms + 1, 0};
  return std::nullopt;
}

std::optional<Offset> previous_offset(Offset offset) {
  if (offset.seq != 0) return Offset{offset.ms, offset.seq - 1};
  if (offset.ms != 0) return Offset{offset.ms - 1, kMax};
  return std::nullopt;
}

}  // namespace bw::relay::redis
