// Helpers shared by the AuthApi handlers (internal to src/api): responses, ids, input
// normalisation and the API's metric families.
#pragma once

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "api/auth_api.hpp"
#include "bw/http/server.hpp"
#include "bw/json/object.hpp"
#include "bw/metrics/metrics.hpp"
#include "store/types.hpp"

namespace bw::auth::api {

namespace detail {

// {"error": code, "message": message} with the given status.
http::Response error(int status, std::string_view code, std::string_view message);
// 400 invalid_request for a JSON/field error (its message names the field, never a value).
http::Response bad_request(const Error& e);
http::Response unavailable();
// 429 locked with Retry-After (whole seconds, at least 1).
http::Response locked(std::chrono::milliseconds retry_after,
                      std::string_view message = "too many failed sign-ins; try again later");
http::Response json(int status, std::string body);

std::string id_hex(const store::Id& id);
std::optional<store::Id> parse_id(std::string_view hex);
store::Id new_id();

// ASCII lower case; other bytes unchanged.
std::string lower_ascii(std::string_view s);
// 3..63 of [a-z0-9-], not starting or ending with '-'.
bool valid_slug(std::string_view slug);
// 1..64 of [a-z0-9._@+-] (after lower_ascii).
bool valid_login(std::string_view login);
// local@domain, 3..254 printable ASCII bytes without spaces, exactly one '@'.
bool valid_email(std::string_view email);

// A lockout subject: hex SHA-256 of a domain tag and the parts, each length-prefixed, so
// the rate-limit service never sees a login, address or id in the clear.
std::string lockout_subject(std::string_view tag, std::initializer_list<std::string_view> parts);
// The login lockout's account subject: lockout_subject over the tenant slug and normalised login.
std::string account_subject(std::string_view slug, std::string_view login);

}  // namespace detail
}  // namespace bw::auth::api
