// Script and ScriptRegistry: Lua scripts run by SHA1 (EVALSHA), loaded on demand.
//
// Guarantees: a Script is immutable once built (its SHA1 is computed locally, with OpenSSL),
// so one Script may be shared by any number of threads and connections. It keeps no
// "loaded" flag that could go stale: eval() always tries EVALSHA first, and on NOSCRIPT
// (after SCRIPT FLUSH, a restart or a fail-over to a fresh replica) runs SCRIPT LOAD and
// EVALSHA once more. NOSCRIPT means the script did not run, so that retry is always safe.
// Keys must be passed as keys (not args): with Redis Cluster they must share one hash tag
// (see keys.hpp).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bw/redis/connection.hpp"
#include "bw/redis/reply.hpp"
#include "bw/result.hpp"

namespace bw::redis {

class Script {
 public:
  Script(std::string name, std::string source);

  const std::string& name() const { return name_; }
  const std::string& source() const { return source_; }
  const std::string& sha1() const { return sha1_; }  // 40 lower-case hex digits

  // EVALSHA; on NOSCRIPT: SCRIPT LOAD, then EVALSHA again (once). Errors: as
  // Connection::command (a Lua error is kServerError), kProtocol if the server's SHA1 of
  // the script differs from ours. `idempotent` governs resends after a lost connection.
  Result<Reply> eval(Connection& connection, const std::vector<std::string>& keys,
                     const std::vector<std::string>& args,
                     Idempotent idempotent = Idempotent::kNo) const;

  // SCRIPT LOAD: makes the next EVALSHA succeed (call before a pipeline that uses it).
  Status load(Connection& connection) const;

  // The EVALSHA command, to put into a Connection::pipeline(). Load the script first; a
  // NOSCRIPT reply in the pipeline (Reply::error starting with "NOSCRIPT") means that
  // command did not run: load() and run it again.
  std::vector<std::string> evalsha_command(const std::vector<std::string>& keys,
                                           const std::vector<std::string>& args) const;

 private:
  std::string name_;
  std::string source_;
  std::string sha1_;
};

// Scripts by name: register once at start-up, then look them up on the data path.
// Not synchronised for registration: add() everything before sharing the registry.
class ScriptRegistry {
 public:
  // Error kInvalidArgument when the name is empty or already registered.
  Status add(std::string name, std::string source);

  // nullptr when no script has that name.
  const Script* find(std::string_view name) const;

  // find(name)->eval(...); Error kInvalidArgument for an unknown name.
  Result<Reply> eval(Connection& connection, std::string_view name,
                     const std::vector<std::string>& keys, const std::vector<std::string>& args,
                     Idempotent idempotent = Idempotent::kNo) const;

  // SCRIPT LOAD of every script (e.g. before pipelines). First error wins.
  Status load_all(Connection& connection) const;

 private:
  std::map<std::string, Script, std::less<>> scripts_;
};

// The lower-case hex SHA1 of `source`, as Redis names scripts.
std::string script_sha1(std::string_view source);

}  // namespace bw::redis
