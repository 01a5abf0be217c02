// Helpers for the AuthApi handlers (api_support.hpp).
#include "api/api_support.hpp"

#include <algorithm>

#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"
#include "bw/crypto/sha256.hpp"
#include "bw/json/writer.hpp"

namespace bw::auth::api {

namespace detail {

http::Response json(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

http::Response error(int status, std::string_view code, std::string_view message) {
  json::Writer w;
  w.begin_object().field("error", code).field("message", message).end_object();
  return json(status, w.take());
}

http::Response bad_request(const Error& e) { return error(400, "invalid_request", e.message); }

http::Response unavailable() {
  auto r = error(503, "unavailable", "the service is temporarily unavailable; retry later");
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

http::Response locked(std::chrono::milliseconds retry_after, std::string_view message) {
  auto r = error(429, "locked", message);
  const auto seconds = std::max<std::int64_t>(1, (retry_after.count() + 999) / 1000);
  r.headers.emplace_back("Retry-After", std::to_string(seconds));
  return r;
}

std::string id_hex(const store::Id& id) { return crypto::hex_encode(ByteView(id)); }

std::optional<store::Id> parse_id(std::string_view hex) {
  if (hex.size() != 32) return std::nullopt;
  auto bytes = crypto::hex_decode(hex);
  if (!bytes || bytes->size() != 16) return std::nullopt;
  store::Id id{};
  std::copy(bytes->begin(), bytes->end(), id.begin());
  return id;
}

store::Id new_id() {
  store::Id id{};
  crypto::random_bytes(id);
  return id;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool valid_slug(std::string_view slug) {
  if (slug.size() < 3 || slug.size() > 63 || slug.front() == '-' || slug.back() == '-') return false;
  return std::all_of(slug.begin(), slug.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

bool valid_login(std::string_view login) {
  if (login.empty() || login.size() > 64) return false;
  return std::all_of(login.begin(), login.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '@' || c == '+' ||
           c == '-';
  });
}

bool valid_email(std::string_view email) {
  if (email.size() < 3 || email.size() > 254) return false;
  if (!std::all_of(email.begin(), email.end(), [](char c) { return c > ' ' && c < 127; })) return false;
  const auto at = email.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < email.size() && email.find('@', at + 1) == std::string_view::npos;
}

std::string lockout_subject(std::string_view tag, std::initializer_list<std::string_view> parts) {
  Bytes input = to_bytes(tag);
  for (std::string_view part : parts) {
    const auto n = static_cast<std::uint32_t>(part.size());
    for (int shift = 24; shift >= 0; shift -= 8) input.push_back(static_cast<std::uint8_t>(n >> shift));
    append(input, as_bytes(part));
  }
  return crypto::hex_encode(crypto::sha256(input));
}

std::string account_subject(std::string_view slug, std::string_view login) {
  return lockout_subject("bw-login-lockout-v1", {slug, login});
}

}  // namespace detail
}  // namespace bw::auth::api
