// Channel message codec (channel_message.hpp).
#include "redis/channel_message.hpp"

#include <charconv>

namespace bw::relay::redis {
namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

// Splits off the text before the first space; `rest` becomes what follows it.
std::string_view next_word(std::string_view& rest) {
  const auto space = rest.find(' ');
  std::string_view word = rest.substr(0, space);
  rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  return word;
}

std::optional<std::uint64_t> parse_millis(std::string_view text) {
  if (text.empty() || text.size() > 20 || (text.size() > 1 && text.front() == '0')) {
    return std::nullopt;
  }
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<ChannelMessage> decode_presence(std::string_view rest) {
  auto device = parse_id_hex(next_word(rest));
  std::string_view state = next_word(rest);
  auto since = parse_millis(rest);
  if (!device || !since) return std::nullopt;
  if (state != "online" && state != "offline") return std::nullopt;
  return PresenceChange{*device, state == "online", *since};
}

// "mail <offset> <previous> <envelope>": the envelope is binary and may hold spaces.
std::optional<ChannelMessage> decode_mail(std::string_view rest) {
  auto offset = parse_offset(next_word(rest));
  auto previous = parse_offset(next_word(rest));
  if (!offset || !previous || !(*previous < *offset)) return std::nullopt;
  if (rest.empty() || rest.size() > kMaxInlineEnvelope) return std::nullopt;
  return NewMail{*offset, *previous, std::string(rest)};
}

}  // namespace

std::string encode_channel_message(const ChannelMessage& message) {
  return std::visit(
      Overloaded{
          [](const NewEntry& m) { return "entry " + to_stream_id(m.offset); },
          [](const NewMail& m) {
            return "mail " + to_stream_id(m.offset) + " " + to_stream_id(m.previous) + " " + m.envelope;
          },
          [](const PresenceChange& m) {
            return "presence " + id_hex(m.device) + (m.online ? " online " : " offline ") +
                   std::to_string(m.since_ms);
          },
          [](const Kick& m) { return "kick " + m.connection_id; },
      },
      message);
}

std::optional<ChannelMessage> decode_channel_message(std::string_view text) {
  if (text.rfind("mail ", 0) == 0) {
    if (text.size() > kMaxChannelMessage + kMaxInlineEnvelope) return std::nullopt;
    return decode_mail(text.substr(5));
  }
  if (text.size() > kMaxChannelMessage) return std::nullopt;
  std::string_view rest = text;
  const std::string_view verb = next_word(rest);
  if (verb == "entry") {
    if (auto offset = parse_offset(rest)) return NewEntry{*offset};
    return std::nullopt;
  }
  if (verb == "presence") return decode_presence(rest);
  if (verb == "kick") {
    if (is_valid_token(rest)) return Kick{std::string(rest)};
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace bw::relay::redis
