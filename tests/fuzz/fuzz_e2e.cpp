// Fuzzes the end-to-end protocol's parsers (libs/e2e): any bytes are accepted or refused
// with an Error, never a crash, a hang or a leak, and whatever is accepted re-encodes to
// exactly the same bytes (the layouts are strict: one encoding per value). The first byte
// picks what the rest is:
//   0: a whole envelope (82-byte header, then ciphertext);
//   1: an inner message whose expected kind is the next byte;
//   2: an ACK body;
//   3: an envelope opened against a fixed receiver state: header checks, the ratchet and
//      AES-GCM run on hostile input; nothing a fuzzer makes without the key may open.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "bw/e2e/envelope.hpp"
#include "bw/e2e/message.hpp"
#include "bw/e2e/session.hpp"

namespace {

using namespace bw::e2e;

const ReceiverState& state() {
  static const ReceiverState s{bw::crypto::SecretBytes(bw::Bytes(32, 0x42)), 3, 7, 5};
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bw::ByteView rest(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto e = decode_envelope(rest);
      if (e && encode_envelope(*e) != bw::Bytes(rest.begin(), rest.end())) std::abort();
      break;
    }
    case 1: {
      if (rest.empty()) break;
      const auto kind = kind_from_byte(rest[0]);
      if (!kind) break;
      auto m = decode_message(rest.subspan(1), *kind);
      if (m) {
        auto again = encode_message(*m);
        if (!again || *again != bw::Bytes(rest.begin() + 1, rest.end())) std::abort();
      }
      break;
    }
    case 2: {
      auto a = decode_ack(rest);
      if (a && encode_ack(*a) != bw::Bytes(rest.begin(), rest.end())) std::abort();
      break;
    }
    case 3: {
      auto e = decode_envelope(rest);
      if (!e) break;
      if (e->header.epoch.n > state().n + 4) break;  // bound the ratchet work per input
      auto opened = open_envelope(state(), *e, Id{1}, Direction::kClientToAgent);
      if (opened) std::abort();  // forging AES-GCM without the key: impossible
      break;
    }
  }
  return 0;
}
