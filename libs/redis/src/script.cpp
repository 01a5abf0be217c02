// Script / ScriptRegistry: EVALSHA with SCRIPT LOAD on NOSCRIPT.
#include "bw/redis/script.hpp"

#include <openssl/evp.h>

#include <array>

#include "bw/redis/errors.hpp"

namespace bw::redis {

std::string script_sha1(std::string_view source) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(source.data(), source.size(), digest.data(), &size, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0x0f]);
  }
  return hex;
}

Script::Script(std::string name, std::string source)
    : name_(std::move(name)), source_(std::move(source)), sha1_(script_sha1(source_)) {}

std::vector<std::string> Script::evalsha_command(const std::vector<std::string>& keys,
                                                 const std::vector<std::string>& args) const {
  std::vector<std::string> argv{"EVALSHA", sha1_, std::to_string(keys.size())};
  argv.reserve(argv.size() + keys.size() + args.size());
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

Status Script::load(Connection& connection) const {
  auto loaded = connection.command({"SCRIPT", "LOAD", source_}, Idempotent::kYes);
  if (!loaded) return loaded.error();
  if (!loaded->is_string() || loaded->as_string() != sha1_) {
    return make_error(Errc::kProtocol, "SCRIPT LOAD of " + name_ + " returned " +
                                           loaded->debug_string() + ", expected " + sha1_);
  }
  return {};
}

Result<Reply> Script::eval(Connection& connection, const std::vector<std::string>& keys,
                           const std::vector<std::string>& args, Idempotent idempotent) const {
  auto command = evalsha_command(keys, args);
  auto reply = connection.command(command, idempotent);
  if (reply.ok() || !has_code(reply.error(), Errc::kNoScript)) return reply;
  if (Status loaded = load(connection); !loaded) return loaded.error();
  return connection.command(command, idempotent);
}

Status ScriptRegistry::add(std::string name, std::string source) {
  if (name.empty()) return make_error(Errc::kInvalidArgument, "script name is empty");
  if (scripts_.count(name) != 0) {
    return make_error(Errc::kInvalidArgument, "script already registered: " + name);
  }
  Script script(name, std::move(source));
  scripts_.emplace(std::move(name), std::move(script));
  return {};
}

const Script* ScriptRegistry::find(std::string_view name) const {
  auto it = scripts_.find(name);
  return it == scripts_.end() ? nullptr : &it->second;
}

Result<Reply> ScriptRegistry::eval(Connection& connection, std::string_view name,
                                   const std::vector<std::string>& keys,
                                   const std::vector<std::string>& args,
                                   Idempotent idempotent) const {
  const Script* script = find(name);
  if (script == nullptr) {
    return make_error(Errc::kInvalidArgument, "no script named " + std::string(name));
  }
  return script->eval(connection, keys, args, idempotent);
}

Status ScriptRegistry::load_all(Connection& connection) const {
  for (const auto& [name, script] : scripts_) {
    if (Status loaded = script.load(connection); !loaded) return loaded.error();
  }
  return {};
}

}  // namespace bw::redis
