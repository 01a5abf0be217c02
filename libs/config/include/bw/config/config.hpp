// Service configuration: one YAML file, every key overridable from the environment.
//
// A component declares its keys in a Schema (section.key, type, default, bounds, help).
// load() then guarantees: every key in the file is declared (an unknown key is an error
// naming it and its line), every value has the declared type and lies within bounds,
// every required key is present, and each key may be overridden by the environment
// variable BREAKWATER_<SECTION>_<KEY> (upper-case, '.'→'_'). An environment variable that
// names a declared section but no declared key is an error too, so a typo never silently
// falls back to a default. Loading never reads secrets into logs: values are only
// echoed in errors when the key is not secret-shaped.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bw/result.hpp"

namespace bw::config {

enum class Type { kString, kInt, kBool, kDuration, kStringList };

// Error codes (stable).
enum ErrorCode : int { kUnknownKey = 1, kBadType = 2, kOutOfRange = 3, kMissing = 4,
                       kSyntax = 5, kUnreadable = 6, kBadEnum = 7, kDuplicate = 8 };

struct Key {
  std::string path{};         // "section.key"
  Type type = Type::kString;
  std::optional<std::string> default_value{};  // textual, parsed like a YAML scalar
  std::string help{};
  std::int64_t min = INT64_MIN;              // for kInt; milliseconds for kDuration
  std::int64_t max = INT64_MAX;
  std::vector<std::string> one_of{};         // for kString: allowed values, if any
  bool required = false;
};

class Schema {
 public:
  // Declares a key; the path must be "section.key" in lower snake case (checked: throws
  // std::invalid_argument at start-up, a programming error).
  Schema& add(Key key);
  const std::vector<Key>& keys() const { return keys_; }
  const Key* find(std::string_view path) const;
  // A --help style listing: path, type, default, env name, help.
  std::string describe() const;

 private:
  std::vector<Key> keys_;
};

// The environment variable that overrides a key: "server.grpc_listen" → BREAKWATER_SERVER_GRPC_LISTEN.
std::string env_name(std::string_view path);

// The environment as name → value (injected so tests never touch the process's).
using Environment = std::map<std::string, std::string, std::less<>>;

// Parsed, validated values. Getters take a declared path; asking for an undeclared path
// or the wrong type is a programming error (std::logic_error).
class Values {
 public:
  const std::string& str(std::string_view path) const;
  std::int64_t integer(std::string_view path) const;
  bool boolean(std::string_view path) const;
  std::chrono::milliseconds duration(std::string_view path) const;
  const std::vector<std::string>& list(std::string_view path) const;
  // True if the key was set by the file or the environment, not by its default.
  bool is_set(std::string_view path) const;
  // Where the value came from: "default", "<file>:<line>" or "env BREAKWATER_...".
  const std::string& origin(std::string_view path) const;

  // One validated value; only load() creates them.
  struct Entry {
    Type type;
    std::string text;
    std::int64_t number = 0;
    std::vector<std::string> items;
    std::string origin;
    bool set = false;
  };
  using Entries = std::map<std::string, Entry, std::less<>>;

 private:
  friend Result<Values> load(const Schema&, std::string_view, std::string_view, const Environment&);
  explicit Values(Entries entries) : entries_(std::move(entries)) {}
  const Entry& get(std::string_view path, Type type) const;
  Entries entries_;
};

Environment process_environment();

// Loads YAML text (origin names it in messages, e.g. the file path). Empty text is an
// empty document: defaults and environment only.
Result<Values> load(const Schema& schema, std::string_view yaml_text, std::string_view origin,
                    const Environment& env);

// Reads the file (at most 1 MiB) and calls load(). An empty path means "no file".
Result<Values> load_file(const Schema& schema, const std::string& path, const Environment& env);

// Parses "250ms", "5s", "2m", "1h", "1d" (one number, one unit). No unit is an error.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace bw::config
