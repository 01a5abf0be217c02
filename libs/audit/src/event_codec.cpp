// The canonical event encoding (event.hpp has the layout). The decoder reads strictly in
// layout order and then applies validate(), so anything it accepts re-encodes to the same
// bytes: there are no optional fields, no alternative integer widths, no map orderings.
#include <algorithm>
#include <string>

#include "bw/audit/errors.hpp"
#include "bw/audit/event.hpp"

namespace bw::audit {
namespace {

void put_u16(Bytes& out, std::size_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void put_u64(Bytes& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

// len16 ‖ bytes. Callers have validated the event, so every size fits in 16 bits.
void put_field(Bytes& out, ByteView v) {
  put_u16(out, v.size());
  append(out, v);
}

// Reads the layout front to back; the first failure sticks and names the field.
class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  bool at_end() const { return pos_ == in_.size(); }

  std::uint64_t uint(std::size_t width, std::string_view field) {
    if (!need(width, field)) return 0;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < width; ++i) v = (v << 8) | in_[pos_ + i];
    pos_ += width;
    return v;
  }

  ByteView fixed(std::size_t n, std::string_view field) {
    if (!need(n, field)) return {};
    const ByteView v = in_.subspan(pos_, n);
    pos_ += n;
    return v;
  }

  // A len16-prefixed field.
  ByteView field(std::string_view name) {
    const auto n = static_cast<std::size_t>(uint(2, name));
    return fixed(n, name);
  }

  void fail(std::string message) {
    if (ok()) error_ = std::move(message);
  }

 private:
  bool need(std::size_t n, std::string_view field) {
    if (!ok()) return false;
    if (in_.size() - pos_ < n) {
      fail("truncated in field '" + std::string(field) + "' at byte " + std::to_string(pos_));
      return false;
    }
    return true;
  }

  ByteView in_;
  std::size_t pos_ = 0;
  std::string error_;
};

Id to_id(ByteView v) {
  Id id{};
  std::copy(v.begin(), v.end(), id.begin());
  return id;
}

void read_attributes(Reader& r, Event& e) {
  const auto count = r.uint(2, "attributes");
  if (count > kMaxAttributes) {
    r.fail("attributes: " + std::to_string(count) + " entries, at most 16");
    return;
  }
  const std::string* previous = nullptr;
  for (std::uint64_t i = 0; i < count && r.ok(); ++i) {
    std::string key = to_string(r.field("attributes key"));
    std::string value = to_string(r.field("attributes value"));
    if (!r.ok()) return;
    if (previous != nullptr && !(*previous < key)) {
      r.fail("attributes: keys not in strictly increasing order at entry " + std::to_string(i));
      return;
    }
    previous = &e.attributes.emplace(std::move(key), std::move(value)).first->first;
  }
}

}  // namespace

Result<Bytes> encode_event(const Event& e) {
  if (auto st = validate(e); !st) return st.error();
  Bytes out;
  out.reserve(128);
  out.push_back(kEventEncodingVersion);
  append(out, e.event_id);
  append(out, e.tenant);
  put_u64(out, e.time_ms);
  out.push_back(static_cast<std::uint8_t>(e.actor_kind));
  put_field(out, e.actor_id);
  put_field(out, as_bytes(e.actor_name));
  put_field(out, as_bytes(e.action));
  put_field(out, as_bytes(e.target_type));
  put_field(out, e.target_id);
  out.push_back(static_cast<std::uint8_t>(e.result));
  put_field(out, e.source_address);
  put_u16(out, e.attributes.size());
  for (const auto& [key, value] : e.attributes) {
    put_field(out, as_bytes(key));
    put_field(out, as_bytes(value));
  }
  put_field(out, as_bytes(e.producer));
  return out;
}

Result<Event> decode_event(ByteView bytes) {
  if (bytes.size() > kMaxEncodedEvent) {
    return make_error(Errc::kMalformed, "event encoding of " + std::to_string(bytes.size()) + " bytes, at most " +
                                            std::to_string(kMaxEncodedEvent));
  }
  Reader r(bytes);
  const auto version = r.uint(1, "version");
  if (r.ok() && version != kEventEncodingVersion) {
    return make_error(Errc::kMalformed, "event encoding version " + std::to_string(version) + ", expected 1");
  }
  Event e;
  e.event_id = to_id(r.fixed(kIdSize, "event_id"));
  e.tenant = to_id(r.fixed(kIdSize, "tenant"));
  e.time_ms = r.uint(8, "time_ms");
  e.actor_kind = static_cast<ActorKind>(r.uint(1, "actor.kind"));
  const ByteView actor_id = r.field("actor.id");
  e.actor_id.assign(actor_id.begin(), actor_id.end());
  e.actor_name = to_string(r.field("actor.name"));
  e.action = to_string(r.field("action"));
  e.target_type = to_string(r.field("target.type"));
  const ByteView target_id = r.field("target.id");
  e.target_id.assign(target_id.begin(), target_id.end());
  e.result = static_cast<Outcome>(r.uint(1, "result"));
  const ByteView address = r.field("source_address");
  e.source_address.assign(address.begin(), address.end());
  read_attributes(r, e);
  e.producer = to_string(r.field("producer"));
  if (r.ok() && !r.at_end()) r.fail("trailing bytes after the event");
  if (!r.ok()) return make_error(Errc::kMalformed, "event encoding: " + r.error());
  if (auto st = validate(e); !st) return st.error();
  return e;
}

}  // namespace bw::audit
