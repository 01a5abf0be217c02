#include "bw/relayclient/convert.hpp"

#include <algorithm>

namespace bw::relayclient {
namespace {

namespace v1 = breakwater::relay::v1;

std::string raw(const e2e::Id& id) { return std::string(id.begin(), id.end()); }

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t get_u64(const std::string& in, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(in[at + i]);
  return v;
}

template <std::size_t N>
bool copy_exact(const std::string& from, std::array<std::uint8_t, N>& to) {
  if (from.size() != N) return false;
  std::copy(from.begin(), from.end(), to.begin());
  return true;
}

}  // namespace

v1::Envelope to_wire(const e2e::Envelope& e) {
  v1::Envelope w;
  w.set_version(e.header.version);
  w.set_sender(raw(e.header.sender));
  w.set_recipient(raw(e.header.recipient));
  std::string epoch;
  put_u64(epoch, e.header.epoch.n);
  put_u64(epoch, e.header.epoch.r);
  w.set_epoch(epoch);
  w.set_seq(e.header.seq);
  w.set_nonce(std::string(e.header.nonce.begin(), e.header.nonce.end()));
  w.set_sent_at_ms(static_cast<std::uint64_t>(e.header.sent_at_ms));
  w.set_kind(static_cast<v1::Kind>(e.header.kind));
  w.set_ciphertext(std::string(e.ciphertext.begin(), e.ciphertext.end()));
  return w;
}

Result<e2e::Envelope> from_wire(const v1::Envelope& w) {
  const Error malformed{static_cast<int>(e2e::Errc::kMalformed), "envelope field does not fit the header layout"};
  if (w.version() > 255 || w.kind() < 0 || w.kind() > 255) return malformed;
  if (w.version() != e2e::kVersion) {
    return Error{static_cast<int>(e2e::Errc::kBadVersion), "envelope version is not 1"};
  }
  e2e::Envelope e;
  e.header.version = static_cast<std::uint8_t>(w.version());
  if (!copy_exact(w.sender(), e.header.sender) || !copy_exact(w.recipient(), e.header.recipient) ||
      !copy_exact(w.nonce(), e.header.nonce) || w.epoch().size() != 16) {
    return malformed;
  }
  auto kind = e2e::kind_from_byte(static_cast<std::uint8_t>(w.kind()));
  if (!kind) return malformed;
  if (w.sent_at_ms() > static_cast<std::uint64_t>(INT64_MAX)) return malformed;
  e.header.epoch.n = get_u64(w.epoch(), 0);
  e.header.epoch.r = get_u64(w.epoch(), 8);
  e.header.seq = w.seq();
  e.header.sent_at_ms = static_cast<std::int64_t>(w.sent_at_ms());
  e.header.kind = *kind;
  e.ciphertext.assign(w.ciphertext().begin(), w.ciphertext().end());
  return e;
}

}  // namespace bw::relayclient
