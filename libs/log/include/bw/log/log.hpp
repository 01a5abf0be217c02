// Structured logging: one JSON object per line on stderr (or a sink a test installs).
//
// Every line carries ts (UTC, milliseconds), level, service and event, then the fields in
// the order given. Every string passes the redaction rule (redact.hpp) before it is
// written, so a token, password or key cannot be printed by mistake. Writing is
// thread-safe and never throws; a line is written whole or not at all.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

namespace bw::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug", "info", "warn" or "error"; false for anything else.
bool parse_level(std::string_view text, Level& out);

struct Field {
  using Value = std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool>;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  template <class I>
    requires std::is_integral_v<I> && (!std::is_same_v<I, bool>)
  Field(std::string_view k, I v) : key(k) {
    if constexpr (std::is_signed_v<I>) value = static_cast<std::int64_t>(v);
    else value = static_cast<std::uint64_t>(v);
  }
  std::string_view key;
  Value value;
};

using Fields = std::initializer_list<Field>;

// Process-wide settings; call before starting threads.
void set_service(std::string_view name);
void set_level(Level level);
Level level();

// Replaces the output (default: stderr). The sink receives one line without the newline.
using Sink = std::function<void(std::string_view line)>;
void set_sink(Sink sink);
void reset_sink();

// Formats a line without writing it (used by write and by tests).
std::string format_line(Level level, std::string_view event, Fields fields);

void write(Level level, std::string_view event, Fields fields = {});
inline void debug(std::string_view e, Fields f = {}) { write(Level::kDebug, e, f); }
inline void info(std::string_view e, Fields f = {}) { write(Level::kInfo, e, f); }
inline void warn(std::string_view e, Fields f = {}) { write(Level::kWarn, e, f); }
inline void error(std::string_view e, Fields f = {}) { write(Level::kError, e, f); }

}  // namespace bw::log
