// Fuzzes the configuration loader: any bytes as a YAML file must give a value or an Error,
// never a crash, a hang or an exception escaping load().
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bw/config/config.hpp"

namespace {

const bw::config::Schema& schema() {
  static const bw::config::Schema s = [] {
    using bw::config::Type;
    bw::config::Schema x;
    x.add({.path = "server.grpc_listen", .default_value = "127.0.0.1:1"});
    x.add({.path = "server.port", .type = Type::kInt, .default_value = "1", .min = 1, .max = 65535});
    x.add({.path = "server.drain", .type = Type::kDuration, .default_value = "1s"});
    x.add({.path = "tls.plaintext", .type = Type::kBool, .default_value = "false"});
    x.add({.path = "tls.mode", .default_value = "a", .one_of = {"a", "b"}});
    x.add({.path = "relay.origins", .type = Type::kStringList, .default_value = ""});
    x.add({.path = "redis.addr", .required = true});
    return x;
  }();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto result = bw::config::load(schema(), text, "fuzz.yaml", {});
  if (result) {
    (void)result->str("redis.addr");  // a success must hold every declared value
    (void)result->integer("server.port");
    (void)result->duration("server.drain");
  }
  (void)bw::config::parse_duration(text);
  return 0;
}
