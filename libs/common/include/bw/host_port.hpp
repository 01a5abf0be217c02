// "host:port" listen addresses ("[::1]:80" too), parsed once for every server.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "bw/result.hpp"

namespace bw {

// Splits "host:port" (brackets around an IPv6 host are removed). Error `error_code` when
// there is no port or it is not a number in 0..65535.
inline Result<std::pair<std::string, std::uint16_t>> split_host_port(std::string_view address, int error_code) {
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Error{error_code, "address '" + std::string(address) + "' must be host:port"};
  }
  std::string host(address.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const auto text = address.substr(colon + 1);
  unsigned port = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || p != text.data() + text.size() || port > 65535 || text.empty()) {
    return Error{error_code, "address '" + std::string(address) + "' has a bad port"};
  }
  return std::make_pair(std::move(host), static_cast<std::uint16_t>(port));
}

}  // namespace bw
