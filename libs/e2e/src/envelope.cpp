// The envelope header codec (envelope.hpp).
#include "bw/e2e/envelope.hpp"

#include <algorithm>

namespace bw::e2e {
namespace {

void put_u64(std::uint8_t* out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<std::uint8_t>(v);
    v >>= 8;
  }
}

std::uint64_t get_u64(const std::uint8_t* in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | in[i];
  return v;
}

}  // namespace

std::array<std::uint8_t, kHeaderSize> encode_header(const Header& h) {
  std::array<std::uint8_t, kHeaderSize> out{};
  std::uint8_t* p = out.data();
  *p++ = h.version;
  p = std::copy(h.sender.begin(), h.sender.end(), p);
  p = std::copy(h.recipient.begin(), h.recipient.end(), p);
  put_u64(p, h.epoch.n);
  put_u64(p + 8, h.epoch.r);
  put_u64(p + 16, h.seq);
  p += 24;
  p = std::copy(h.nonce.begin(), h.nonce.end(), p);
  put_u64(p, static_cast<std::uint64_t>(h.sent_at_ms));
  p[8] = static_cast<std::uint8_t>(h.kind);
  return out;
}

Result<Header> decode_header(ByteView bytes) {
  if (bytes.size() != kHeaderSize) return make_error(Errc::kMalformed, "header is not 82 bytes");
  const std::uint8_t* p = bytes.data();
  Header h;
  h.version = p[0];
  if (h.version != kVersion) return make_error(Errc::kBadVersion);
  std::copy(p + 1, p + 17, h.sender.begin());
  std::copy(p + 17, p + 33, h.recipient.begin());
  h.epoch.n = get_u64(p + 33);
  h.epoch.r = get_u64(p + 41);
  h.seq = get_u64(p + 49);
  std::copy(p + 57, p + 73, h.nonce.begin());
  const std::uint64_t sent = get_u64(p + 73);
  const auto kind = kind_from_byte(p[81]);
  if (!kind) return make_error(Errc::kMalformed, "unknown kind");
  if (h.seq == 0) return make_error(Errc::kMalformed, "seq 0");
  if (sent > static_cast<std::uint64_t>(INT64_MAX)) return make_error(Errc::kMalformed, "sent_at out of range");
  h.sent_at_ms = static_cast<std::int64_t>(sent);
  h.kind = *kind;
  return h;
}

Bytes encode_envelope(const Envelope& e) {
  const auto header = encode_header(e.header);
  // Sized once, then filled (GCC 12 at -O2 misreads a vector grown from the header array
  // as out of bounds: -Warray-bounds).
  Bytes out(kHeaderSize + e.ciphertext.size());
  std::copy(header.begin(), header.end(), out.begin());
  std::copy(e.ciphertext.begin(), e.ciphertext.end(), out.begin() + static_cast<std::ptrdiff_t>(kHeaderSize));
  return out;
}

Result<Envelope> decode_envelope(ByteView bytes) {
  if (bytes.size() < kHeaderSize + 16) return make_error(Errc::kMalformed, "envelope shorter than header and tag");
  auto header = decode_header(bytes.first(kHeaderSize));
  if (!header) return header.error();
  const auto rest = bytes.subspan(kHeaderSize);
  return Envelope{*header, Bytes(rest.begin(), rest.end())};
}

}  // namespace bw::e2e
