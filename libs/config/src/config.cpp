// Loader for the schema-checked YAML configuration (see config.hpp). yaml-cpp throws on
// syntax errors; every exception is caught here and turned into an Error that names the
// origin and line, so nothing above this file sees a YAML type or an exception.
#include "bw/config/config.hpp"
#include "bw/config/files.hpp"
#include "bw/secret_names.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace bw::config {
namespace {

constexpr std::size_t kMaxFileBytes = 1 << 20;

const char* type_name(Type t) {
  switch (t) {
    case Type::kString: return "a string";
    case Type::kInt: return "an integer";
    case Type::kBool: return "true or false";
    case Type::kDuration: return "a duration such as 250ms, 5s, 2m, 1h";
    case Type::kStringList: return "a list of strings";
  }
  return "?";
}

Error fail(int code, std::string msg) { return Error{code, "config: " + std::move(msg)}; }

std::string shown(const Key& key, std::string_view text) {
  if (is_secret_name(key.path)) return "(value hidden)";
  std::string t(text.substr(0, 64));
  return "'" + t + (text.size() > 64 ? "...'" : "'");
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    auto end = s.find(',', start);
    if (end == std::string_view::npos) end = s.size();
    std::string item(s.substr(start, end - start));
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

// Converts scalar text (or list items) into a typed entry, checking type and bounds.
Result<Values::Entry> convert(const Key& key, std::string_view text,
                              const std::vector<std::string>* items, std::string origin) {
  Values::Entry e{key.type, std::string(text), 0, {}, std::move(origin), true};
  const std::string where = key.path + " (" + e.origin + ")";
  switch (key.type) {
    case Type::kString:
      if (!key.one_of.empty() &&
          std::find(key.one_of.begin(), key.one_of.end(), text) == key.one_of.end()) {
        std::string allowed;
        for (const auto& o : key.one_of) allowed += (allowed.empty() ? "" : ", ") + o;
        return fail(kBadEnum, where + ": expected one of " + allowed + ", got " + shown(key, text));
      }
      break;
    case Type::kInt: {
      auto v = parse_int(text);
      if (!v) return fail(kBadType, where + ": expected " + type_name(key.type) + ", got " + shown(key, text));
      if (*v < key.min || *v > key.max) {
        return fail(kOutOfRange, where + ": " + shown(key, text) + " is outside [" +
                                     std::to_string(key.min) + ", " + std::to_string(key.max) + "]");
      }
      e.number = *v;
      break;
    }
    case Type::kBool:
      if (text != "true" && text != "false") {
        return fail(kBadType, where + ": expected true or false, got " + shown(key, text));
      }
      e.number = text == "true" ? 1 : 0;
      break;
    case Type::kDuration: {
      auto d = parse_duration(text);
      if (!d) return fail(kBadType, where + ": expected " + type_name(key.type) + ", got " + shown(key, text));
      if (d->count() < key.min || d->count() > key.max) {
        return fail(kOutOfRange, where + ": " + shown(key, text) + " is outside the allowed range (" +
                                     std::to_string(key.min) + "ms to " + std::to_string(key.max) + "ms)");
      }
      e.number = d->count();
      break;
    }
    case Type::kStringList:
      e.items = items ? *items : split_list(text);
      break;
  }
  return e;
}

// Converts one YAML node under a declared key.
Result<Values::Entry> convert_node(const Key& key, const YAML::Node& node, const std::string& origin) {
  if (key.type == Type::kStringList) {
    if (!node.IsSequence()) return fail(kBadType, key.path + " (" + origin + "): expected a list of strings");
    std::vector<std::string> items;
    for (const auto& item : node) {
      if (!item.IsScalar()) return fail(kBadType, key.path + " (" + origin + "): list items must be strings");
      items.push_back(item.Scalar());
    }
    return convert(key, "", &items, origin);
  }
  if (!node.IsScalar()) {
    return fail(kBadType, key.path + " (" + origin + "): expected " + type_name(key.type));
  }
  return convert(key, node.Scalar(), nullptr, origin);
}

Status apply_yaml(const Schema& schema, const YAML::Node& root, std::string_view origin, Values::Entries& out) {
  if (root.IsNull()) return {};
  if (!root.IsMap()) return fail(kSyntax, std::string(origin) + ": the top level must be a mapping of sections");
  std::set<std::string> seen;  // yaml-cpp keeps duplicate keys; a duplicate is ambiguous, so refuse it
  for (const auto& section : root) {
    const std::string at = std::string(origin) + ":" + std::to_string(section.first.Mark().line + 1);
    if (!section.first.IsScalar()) return fail(kSyntax, at + ": section names must be plain words");
    const std::string name = section.first.Scalar();
    if (!seen.insert(name).second) return fail(kDuplicate, "section '" + name + "' appears twice (" + at + ")");
    if (section.second.IsNull()) continue;
    if (!section.second.IsMap()) return fail(kBadType, name + " (" + at + "): expected a mapping of keys");
    for (const auto& kv : section.second) {
      const std::string kat = std::string(origin) + ":" + std::to_string(kv.first.Mark().line + 1);
      if (!kv.first.IsScalar()) return fail(kSyntax, kat + ": keys must be plain words");
      const std::string path = name + "." + kv.first.Scalar();
      const Key* key = schema.find(path);
      if (!key) return fail(kUnknownKey, "unknown key '" + path + "' at " + kat);
      if (!seen.insert(path).second) return fail(kDuplicate, "key '" + path + "' appears twice (" + kat + ")");
      if (kv.second.IsNull()) return fail(kMissing, path + " (" + kat + "): has no value");
      auto entry = convert_node(*key, kv.second, kat);
      if (!entry) return entry.error();
      out[path] = std::move(entry.value());
    }
  }
  return {};
}

// Kubernetes injects <SERVICE>_SERVICE_HOST, <SERVICE>_SERVICE_PORT[_<NAME>], <SERVICE>_PORT
// and <SERVICE>_PORT_<n>_<PROTO>[_...] for every Service in the namespace; a Service named
// breakwater-relay yields BREAKWATER_RELAY_PORT and friends. Such a name that matches no
// declared key is the platform's, not a typo of ours, and is ignored.
bool kubernetes_service_link(std::string_view rest) {
  if (rest.starts_with("SERVICE_HOST") || rest.starts_with("SERVICE_PORT") || rest == "PORT") return true;
  return rest.starts_with("PORT_") && rest.size() > 5 && std::isdigit(static_cast<unsigned char>(rest[5]));
}

Status apply_env(const Schema& schema, const Environment& env, Values::Entries& out) {
  std::set<std::string> sections;
  for (const auto& k : schema.keys()) sections.insert(env_name(k.path.substr(0, k.path.find('.'))) + "_");
  for (const auto& var : env) {
    const std::string& name = var.first;  // (clang 14 cannot capture a structured binding)
    const std::string& value = var.second;
    auto section = std::find_if(sections.begin(), sections.end(),
                                [&](const std::string& s) { return name.starts_with(s); });
    if (section == sections.end()) continue;
    const Key* key = nullptr;
    for (const auto& k : schema.keys()) {
      if (env_name(k.path) == name) key = &k;
    }
    if (!key && kubernetes_service_link(std::string_view(name).substr(section->size()))) continue;
    if (!key) return fail(kUnknownKey, "unknown environment variable " + name + " (no such key)");
    auto entry = convert(*key, value, nullptr, "env " + name);
    if (!entry) return entry.error();
    out[key->path] = std::move(entry.value());
  }
  return {};
}

}  // namespace

std::string env_name(std::string_view path) {
  std::string out = "BREAKWATER_";
  for (char c : path) out.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

Schema& Schema::add(Key key) {
  auto valid = [](std::string_view p) {
    auto dot = p.find('.');
    if (dot == 0 || dot == std::string_view::npos || dot + 1 == p.size()) return false;
    if (p.find('.', dot + 1) != std::string_view::npos) return false;
    return std::all_of(p.begin(), p.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'; });
  };
  if (!valid(key.path) || find(key.path)) throw std::invalid_argument("config schema: bad or repeated key " + key.path);
  for (const auto& k : keys_) {
    if (env_name(k.path) == env_name(key.path)) {
      throw std::invalid_argument("config schema: " + key.path + " and " + k.path + " share an environment variable");
    }
  }
  keys_.push_back(std::move(key));
  return *this;
}

const Key* Schema::find(std::string_view path) const {
  for (const auto& k : keys_) {
    if (k.path == path) return &k;
  }
  return nullptr;
}

std::string Schema::describe() const {
  std::ostringstream out;
  for (const auto& k : keys_) {
    out << "  " << k.path << "  (" << type_name(k.type) << (k.required ? ", required" : "")
        << (k.default_value ? ", default " + (k.default_value->empty() ? std::string("empty") : *k.default_value) : "")
        << ")\n      " << k.help << "\n      env " << env_name(k.path) << "\n";
  }
  return out.str();
}

Result<Values> load(const Schema& schema, std::string_view yaml_text, std::string_view origin,
                    const Environment& env) {
  Values::Entries values;
  for (const auto& k : schema.keys()) {
    if (!k.default_value) continue;
    auto entry = convert(k, *k.default_value, nullptr, "default");
    if (!entry) throw std::logic_error("config schema: bad default for " + k.path + ": " + entry.error().message);
    entry->set = false;
    values[k.path] = std::move(entry.value());
  }
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    if (auto st = apply_yaml(schema, root, origin, values); !st) return st.error();
  } catch (const YAML::Exception& e) {
    return fail(kSyntax, std::string(origin) + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  } catch (const std::exception& e) {
    return fail(kSyntax, std::string(origin) + ": " + e.what());
  }
  if (auto st = apply_env(schema, env, values); !st) return st.error();
  for (const auto& k : schema.keys()) {
    if (k.required && !values.count(k.path)) {
      return fail(kMissing, "required key '" + k.path + "' is not set (in the file, or as " + env_name(k.path) + ")");
    }
  }
  return Values(std::move(values));
}

Result<Values> load_file(const Schema& schema, const std::string& path, const Environment& env) {
  if (path.empty()) return load(schema, "", "(no file)", env);
  auto text = read_file(path, kMaxFileBytes);
  if (!text) return fail(kUnreadable, text.error().message);
  return load(schema, text.value(), path, env);
}

Environment process_environment() {
  Environment env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 12) return std::nullopt;
  auto n = parse_int(text.substr(0, digits));
  if (!n) return std::nullopt;
  const std::string_view unit = text.substr(digits);
  std::int64_t scale = 0;
  if (unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  else if (unit == "d") scale = 86'400'000;
  else return std::nullopt;
  if (*n > INT64_MAX / scale) return std::nullopt;
  return std::chrono::milliseconds(*n * scale);
}

}  // namespace bw::config
