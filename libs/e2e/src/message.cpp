// The inner message codec and padding (message.hpp).
#include "bw/e2e/message.hpp"

#include <algorithm>

namespace bw::e2e {
namespace {

constexpr std::uint8_t kFlagPrevious = 0x01;
constexpr std::uint8_t kFlagUnclean = 0x02;

void put(Bytes& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint64_t get(ByteView in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | in[at + static_cast<std::size_t>(i)];
  return v;
}

}  // namespace

std::size_t padded_size(std::size_t unpadded) {
  if (unpadded <= kBucketLimit) return std::max<std::size_t>(kBucket, (unpadded + kBucket - 1) / kBucket * kBucket);
  std::size_t size = kBucketLimit;
  while (size < unpadded) size *= 2;
  return size;
}

Result<Bytes> encode_message(const Message& m) {
  if (m.body.size() > kMaxBody) return make_error(Errc::kTooLarge);
  Bytes out;
  out.push_back(static_cast<std::uint8_t>(m.kind));
  std::uint8_t flags = 0;
  if (m.previous) flags = static_cast<std::uint8_t>(kFlagPrevious | (m.previous->unclean ? kFlagUnclean : 0));
  out.push_back(flags);
  if (m.previous) {
    put(out, m.previous->n, 8);
    put(out, m.previous->last_seq, 8);
  }
  put(out, m.body.size(), 4);
  append(out, m.body);
  const std::size_t target = padded_size(out.size());
  if (m.kind == Kind::kApprovalAnswer && target != kBucket) {
    return make_error(Errc::kTooLarge, "an approval answer must fit 256 bytes");
  }
  out.resize(target, 0);
  return out;
}

Result<Message> decode_message(ByteView p, Kind expected) {
  if (p.size() < 6 || p.size() != padded_size(p.size())) return make_error(Errc::kMalformed, "bad padded size");
  Message m;
  const auto kind = kind_from_byte(p[0]);
  if (!kind) return make_error(Errc::kMalformed, "unknown inner kind");
  if (*kind != expected) return make_error(Errc::kKindMismatch);
  m.kind = *kind;
  const std::uint8_t flags = p[1];
  if ((flags & ~(kFlagPrevious | kFlagUnclean)) != 0 || (flags == kFlagUnclean)) {
    return make_error(Errc::kMalformed, "unknown flags");
  }
  std::size_t at = 2;
  if (flags & kFlagPrevious) {
    if (p.size() < at + 16 + 4) return make_error(Errc::kMalformed, "truncated previous-epoch marker");
    m.previous = PreviousEpoch{get(p, at, 8), get(p, at + 8, 8), (flags & kFlagUnclean) != 0};
    at += 16;
  }
  if (p.size() < at + 4) return make_error(Errc::kMalformed, "truncated length");
  const std::uint64_t len = get(p, at, 4);
  at += 4;
  if (len > kMaxBody || len > p.size() - at) return make_error(Errc::kMalformed, "body length past the end");
  m.body.assign(p.begin() + static_cast<std::ptrdiff_t>(at), p.begin() + static_cast<std::ptrdiff_t>(at + len));
  at += static_cast<std::size_t>(len);
  if (padded_size(at) != p.size()) return make_error(Errc::kMalformed, "padding longer than one bucket");
  if (!std::all_of(p.begin() + static_cast<std::ptrdiff_t>(at), p.end(), [](std::uint8_t b) { return b == 0; })) {
    return make_error(Errc::kMalformed, "non-zero padding");
  }
  if (m.kind == Kind::kApprovalAnswer && p.size() != kBucket) return make_error(Errc::kMalformed, "approval size");
  return m;
}

Bytes encode_ack(const AckPosition& a) {
  Bytes out;
  put(out, a.n, 8);
  put(out, a.seq, 8);
  return out;
}

Result<AckPosition> decode_ack(ByteView body) {
  if (body.size() != 16) return make_error(Errc::kMalformed, "ack body is not 16 bytes");
  return AckPosition{get(body, 0, 8), get(body, 8, 8)};
}

std::optional<std::chrono::milliseconds> max_age(Kind kind, std::chrono::milliseconds approval_timeout) {
  switch (kind) {
    case Kind::kApprovalAnswer: return approval_timeout;
    case Kind::kPrompt:
    case Kind::kControl: return std::chrono::duration_cast<std::chrono::milliseconds>(kMaxCommandAge);
    default: return std::nullopt;
  }
}

}  // namespace bw::e2e
