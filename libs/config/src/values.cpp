// Typed accessors of validated configuration values (see config.hpp).
#include <stdexcept>

#include "bw/config/config.hpp"

namespace bw::config {

const Values::Entry& Values::get(std::string_view path, Type type) const {
  auto it = entries_.find(path);
  if (it == entries_.end()) throw std::logic_error("config: no value for " + std::string(path));
  if (it->second.type != type) throw std::logic_error("config: wrong type asked for " + std::string(path));
  return it->second;
}

const std::string& Values::str(std::string_view path) const { return get(path, Type::kString).text; }
std::int64_t Values::integer(std::string_view path) const { return get(path, Type::kInt).number; }
bool Values::boolean(std::string_view path) const { return get(path, Type::kBool).number != 0; }
std::chrono::milliseconds Values::duration(std::string_view path) const {
  return std::chrono::milliseconds(get(path, Type::kDuration).number);
}
const std::vector<std::string>& Values::list(std::string_view path) const {
  return get(path, Type::kStringList).items;
}
bool Values::is_set(std::string_view path) const {
  auto it = entries_.find(path);
  return it != entries_.end() && it->second.set;
}
const std::string& Values::origin(std::string_view path) const {
  static const std::string kNone = "unset";
  auto it = entries_.find(path);
  return it == entries_.end() ? kNone : it->second.origin;
}

}  // namespace bw::config
