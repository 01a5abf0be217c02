// The pairing link codec (link.hpp).
#include "bw/pairing/link.hpp"

#include <algorithm>
#include <cstring>

#include "bw/crypto/base64url.hpp"

namespace bw::pairing {
namespace {

Error malformed(const std::string& why) { return Error{kLinkMalformed, "not a valid pairing link: " + why}; }

bool all_zero(ByteView b) {
  return std::all_of(b.begin(), b.end(), [](std::uint8_t x) { return x == 0; });
}

void put_u64(std::uint8_t* out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<std::uint8_t>(v & 0xff);
}
std::uint64_t get_u64(const std::uint8_t* in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | in[i];
  return v;
}

bool offerable(e2e::Role r) { return r == e2e::Role::kAdmin || r == e2e::Role::kMember || r == e2e::Role::kViewer; }

// Layout offsets.
constexpr std::size_t kOffId = 1, kOffCode = 17, kOffRole = 33, kOffExpiry = 34, kOffA = 42, kOffS = 74;

}  // namespace

std::string_view role_name(e2e::Role role) {
  switch (role) {
    case e2e::Role::kOwner: return "owner";
    case e2e::Role::kAdmin: return "admin";
    case e2e::Role::kMember: return "member";
    case e2e::Role::kViewer: return "viewer";
  }
  return "unknown";
}

std::optional<e2e::Role> role_from_name(std::string_view name) {
  if (name == "owner") return e2e::Role::kOwner;
  if (name == "admin") return e2e::Role::kAdmin;
  if (name == "member") return e2e::Role::kMember;
  if (name == "viewer") return e2e::Role::kViewer;
  return std::nullopt;
}

Result<std::string> encode_fragment(const PairingLink& link) {
  if (link.code.size() <= kCodePrefix.size() || link.code.compare(0, kCodePrefix.size(), kCodePrefix) != 0) {
    return malformed("the code is not a bwpc_ code");
  }
  auto code = crypto::base64url_decode(std::string_view(link.code).substr(kCodePrefix.size()));
  if (!code || code->size() != kCodeBytes) return malformed("the code is not a bwpc_ code");
  if (!offerable(link.role)) return malformed("an offer grants admin, member or viewer only");
  if (link.secret.size() != 32) return malformed("the secret must be 32 bytes");
  if (link.expires_at_ms <= 0) return malformed("the expiry must be positive");
  crypto::SecretBytes payload(kLinkPayloadSize);
  std::uint8_t* p = payload.data();
  p[0] = kLinkVersion1;
  std::memcpy(p + kOffId, link.pairing_id.data(), 16);
  std::memcpy(p + kOffCode, code->data(), kCodeBytes);
  p[kOffRole] = static_cast<std::uint8_t>(link.role);
  put_u64(p + kOffExpiry, static_cast<std::uint64_t>(link.expires_at_ms));
  std::memcpy(p + kOffA, link.agent_public.data(), 32);
  std::memcpy(p + kOffS, link.secret.data(), 32);
  return crypto::base64url_encode(payload.view());
}

Result<std::string> make_link(std::string_view web_origin, const PairingLink& link) {
  auto fragment = encode_fragment(link);
  if (!fragment) return fragment.error();
  std::string origin(web_origin);
  while (!origin.empty() && origin.back() == '/') origin.pop_back();
  return origin + "/pair#" + fragment.value();
}

Result<PairingLink> parse_fragment(std::string_view fragment) {
  if (fragment.empty()) return malformed("the fragment is empty");
  if (fragment.size() > 2 * kLinkPayloadSize) return malformed("the fragment is too long");
  auto decoded = crypto::base64url_decode(fragment);
  if (!decoded) return malformed("the fragment is not base64url (A-Z a-z 0-9 - _, unpadded)");
  crypto::SecretBytes payload(ByteView(decoded.value()));  // holds s: wiped on every return
  std::fill(decoded->begin(), decoded->end(), std::uint8_t{0});
  const std::uint8_t* p = payload.data();
  if (payload.empty()) return malformed("the fragment is empty");
  if (p[0] != kLinkVersion1) {
    return Error{kLinkVersion, "pairing link version " + std::to_string(p[0]) +
                                   " is not supported by this client (it knows version 1): update it"};
  }
  if (payload.size() != kLinkPayloadSize) {
    return malformed("a version 1 link carries " + std::to_string(kLinkPayloadSize) + " bytes, this one " +
                     std::to_string(payload.size()) + " (truncated or altered?)");
  }
  PairingLink link;
  std::memcpy(link.pairing_id.data(), p + kOffId, 16);
  if (all_zero(link.pairing_id)) return malformed("the pairing id is zero");
  link.code = std::string(kCodePrefix) + crypto::base64url_encode(ByteView(p + kOffCode, kCodeBytes));
  auto role = e2e::role_from_byte(p[kOffRole]);
  if (!role || !offerable(*role)) return malformed("the role byte is not admin, member or viewer");
  link.role = *role;
  const std::uint64_t expiry = get_u64(p + kOffExpiry);
  if (expiry == 0 || expiry > static_cast<std::uint64_t>(INT64_MAX)) return malformed("the expiry is out of range");
  link.expires_at_ms = static_cast<std::int64_t>(expiry);
  std::memcpy(link.agent_public.data(), p + kOffA, 32);
  if (all_zero(link.agent_public)) return malformed("the agent key is zero");
  link.secret = crypto::SecretBytes(ByteView(p + kOffS, 32));
  return link;
}

Result<PairingLink> parse_link(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return malformed("the link is empty");
  text = text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
  const auto hash = text.find('#');
  if (hash == std::string_view::npos) {
    if (text.find("://") != std::string_view::npos) return malformed("the link has no #fragment (was it cut off?)");
    return parse_fragment(text);
  }
  const std::string_view before = text.substr(0, hash);
  if (before.substr(0, 8) != "https://") return malformed("the link must start with https://");
  if (before.find('?') != std::string_view::npos) return malformed("the link must not have a query");
  constexpr std::string_view kPath = "/pair";
  if (before.size() < 8 + kPath.size() + 1 || before.substr(before.size() - kPath.size()) != kPath ||
      before.substr(8, before.size() - 8 - kPath.size()).find('/') != std::string_view::npos) {
    return malformed("the link's path must be /pair");
  }
  return parse_fragment(text.substr(hash + 1));
}

}  // namespace bw::pairing
