// JSON-lines logger. One mutex guards the sink so concurrent lines never interleave; the
// line is formatted before the lock is taken.
#include "bw/log/log.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "bw/log/redact.hpp"

namespace bw::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};
std::mutex g_mu;
std::string g_service = "breakwater";  // guarded by g_mu for writes; set before threads
Sink g_sink;                           // guarded by g_mu

constexpr std::string_view kLevelNames[] = {"debug", "info", "warn", "error"};

void append_escaped(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

void append_value(std::string& out, std::string_view key, const Field::Value& v) {
  if (const auto* s = std::get_if<std::string_view>(&v)) {
    append_escaped(out, redact(key, *s));
  } else if (is_secret_field(key)) {
    append_escaped(out, kRedacted);  // even a number under a secret name stays hidden
  } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
    out += std::to_string(*i);
  } else if (const auto* u = std::get_if<std::uint64_t>(&v)) {
    out += std::to_string(*u);
  } else if (const auto* d = std::get_if<double>(&v)) {
    if (std::isfinite(*d)) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.6g", *d);
      out += buf;
    } else {
      out += "null";
    }
  } else {
    out += std::get<bool>(v) ? "true" : "false";
  }
}

std::string timestamp() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace

bool parse_level(std::string_view text, Level& out) {
  for (int i = 0; i < 4; ++i) {
    if (text == kLevelNames[i]) {
      out = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

void set_service(std::string_view name) {
  std::lock_guard lock(g_mu);
  g_service = name;
}
void set_level(Level level) { g_level = level; }
Level level() { return g_level; }

void set_sink(Sink sink) {
  std::lock_guard lock(g_mu);
  g_sink = std::move(sink);
}
void reset_sink() { set_sink(nullptr); }

std::string format_line(Level level, std::string_view event, Fields fields) {
  std::string line;
  line.reserve(128);
  line += "{\"ts\":";
  append_escaped(line, timestamp());
  line += ",\"level\":";
  append_escaped(line, kLevelNames[static_cast<int>(level)]);
  line += ",\"service\":";
  {
    std::lock_guard lock(g_mu);
    append_escaped(line, g_service);
  }
  line += ",\"event\":";
  append_escaped(line, looks_secret(event) ? kRedacted : event);
  for (const Field& f : fields) {
    line.push_back(',');
    append_escaped(line, f.key);
    line.push_back(':');
    append_value(line, f.key, f.value);
  }
  line.push_back('}');
  return line;
}

void write(Level level, std::string_view event, Fields fields) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  const std::string line = format_line(level, event, fields);
  std::lock_guard lock(g_mu);
  if (g_sink) {
    g_sink(line);
  } else {
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fputc('\n', stderr);
    std::fflush(stderr);
  }
}

}  // namespace bw::log
