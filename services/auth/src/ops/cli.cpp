// The operator command line (cli.hpp): argv → options → configuration → a command of
// commands.hpp → what the operator reads.
#include "ops/cli.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_support.hpp"
#include "api/revocations.hpp"
#include "bw/redis/redis_config.hpp"
#include "ops/commands.hpp"
#include "ops/service_setup.hpp"

namespace bw::auth::ops {
namespace {

constexpr int kOk = 0, kFailed = 1, kUsage = 2, kNotPublished = 3;

struct Command {
  const char* name;
  std::vector<std::string> options;  // required options besides --config
  const char* summary;
};

const std::vector<Command>& commands() {
  static const std::vector<Command> all = {
      {"bootstrap", {"tenant", "login", "email"},
       "create a tenant with its first owner; prints a one-time password once (the owner changes it at first sign-in)"},
      {"reset-password", {"tenant", "login"},
       "give the user a new one-time password, printed once; ends every session of the user"},
      {"reset-mfa", {"tenant", "login"}, "remove the user's TOTP secret and recovery codes; ends every session"},
      {"rotate-signing-key", {},
       "new Ed25519 signing key (sealed under the KEK); the old one still verifies; prints the new kid"},
  };
  return all;
}

const Command* find_command(std::string_view name) {
  for (const auto& c : commands()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

struct Parsed {
  std::map<std::string, std::string, std::less<>> options;
  std::string config_path;
  bool help = false;
  std::string error;
};

Parsed parse(int argc, char** argv, const Command& command) {
  Parsed p;
  for (int i = 2; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      p.help = true;
      continue;
    }
    if (!a.starts_with("--")) return p.error = "unexpected argument '" + std::string(a) + "'", p;
    a.remove_prefix(2);
    std::string name, value;
    if (const auto eq = a.find('='); eq != std::string_view::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
    } else if (i + 1 < argc) {
      name = a;
      value = argv[++i];
    } else {
      return p.error = "--" + std::string(a) + " needs a value", p;
    }
    if (name == "config") {
      p.config_path = value;
    } else if (std::find(command.options.begin(), command.options.end(), name) != command.options.end()) {
      p.options[name] = value;
    } else {
      return p.error = "unknown option '--" + name + "' for " + command.name, p;
    }
  }
  if (p.config_path.empty()) {
    if (const char* env = std::getenv("BREAKWATER_CONFIG")) p.config_path = env;
  }
  if (p.help) return p;
  for (const auto& o : command.options) {
    if (!p.options.contains(o) || p.options[o].empty()) return p.error = "--" + o + " is required", p;
  }
  return p;
}

void print_command_help(const service::ServiceSpec& spec, const Command& c, std::ostream& out) {
  out << "Usage: breakwater-" << spec.name << " " << c.name << " [--config FILE]";
  for (const auto& o : c.options) {
    std::string meta = o;
    for (auto& ch : meta) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    out << " --" << o << " " << meta;
  }
  out << "\n\n  " << c.summary << "\n\n"
      << "Runs against the database of the configuration (default: $BREAKWATER_CONFIG), never over the API.\n"
      << "Exit status: 0 done; 1 refused or failed; 2 usage or configuration error;\n"
      << "3 done, but the revocation epoch could not be published to Redis.\n";
}

// What a command needs beyond the store, opened only when that command needs it.
struct Opened {
  std::unique_ptr<store::Store> store;
  std::optional<authcore::PasswordHasher> hasher;
  std::optional<authcore::KeyRing> kek;
  std::unique_ptr<api::Revocations> revocations;
  std::string note;  // said to the operator after a reset
};

Result<Opened> open(const config::Values& v, std::string_view command) {
  Opened o;
  const bool needs_password = command == "bootstrap" || command == "reset-password";
  if (needs_password) {
    auto h = make_hasher(v);
    if (!h) return Error{kUsage, "config: auth.password_*: " + h.error().message};
    o.hasher.emplace(std::move(h.value()));
  }
  if (command == "rotate-signing-key") {
    if (v.str("auth.kek_file").empty()) return Error{kUsage, "config: auth.kek_file is required to seal a signing key"};
    auto ring = load_kek(v);
    if (!ring) return Error{kUsage, ring.error().message};
    o.kek.emplace(std::move(ring.value()));
  }
  if (command == "reset-password" || command == "reset-mfa") {
    if (v.is_set("redis.address")) {
      auto redis = redis::make_clients(v);
      if (!redis) return Error{kUsage, redis.error().message};
      o.revocations = api::make_redis_revocations(redis->pool);
    } else {
      o.note = "redis.address is not configured: the new revocation epoch was not published; services that read "
               "it from Redis accept the user's access tokens until they expire (at most 5 minutes)";
    }
  }
  auto store = store::open_store(store_config(v), now_ms());
  if (!store) return Error{kFailed, "auth store: " + store.error().message};
  o.store = std::move(store.value());
  return o;
}

int report_reset(const ResetResult& r, const Opened& o, std::ostream& out, std::ostream& err) {
  out << "user_id: " << api::detail::id_hex(r.user_id) << "\n"
      << "sessions ended: revocation epoch " << r.revoke_epoch << "\n";
  if (!o.note.empty()) out << "note: " << o.note << "\n";
  if (!r.published) {
    err << "warning: the new revocation epoch could not be published to Redis; other services accept the user's "
           "access tokens until they expire (at most 5 minutes)\n";
    return kNotPublished;
  }
  return kOk;
}

int execute(const Command& c, const Parsed& p, Opened& o, std::ostream& out, std::ostream& err) {
  OpsDeps deps{o.store.get(), o.hasher ? &*o.hasher : nullptr, o.kek ? &*o.kek : nullptr, o.revocations.get(), now_ms};
  const std::string_view name = c.name;
  const auto failed = [&](const Error& e) {
    err << "breakwater-auth " << name << ": " << e.message << "\n";
    return e.code == static_cast<int>(OpsErrc::kInvalid) ? kUsage : kFailed;
  };
  if (name == "bootstrap") {
    auto r = bootstrap(deps, p.options.at("tenant"), p.options.at("login"), p.options.at("email"));
    if (!r) return failed(r.error());
    out << "tenant_id: " << api::detail::id_hex(r->tenant_id) << "\n"
        << "user_id: " << api::detail::id_hex(r->user_id) << "\n"
        << "password: " << r->password << "\n"
        << "This one-time password is shown once and stored only as a hash. Sign in with it and change it at once\n"
        << "(POST /v1/me/password); the change ends the bootstrap session.\n";
    return kOk;
  }
  if (name == "reset-password" || name == "reset-mfa") {
    auto r = name == "reset-password" ? reset_password(deps, p.options.at("tenant"), p.options.at("login"))
                                      : reset_mfa(deps, p.options.at("tenant"), p.options.at("login"));
    if (!r) return failed(r.error());
    if (name == "reset-password") {
      out << "password: " << r->password << "\n"
          << "This one-time password is shown once. Hand it to the user over a trusted channel; they change it at\n"
          << "their next sign-in (POST /v1/me/password).\n";
    } else {
      out << "TOTP and recovery codes removed; the user signs in with the password alone and enrols again.\n";
    }
    return report_reset(*r, o, out, err);
  }
  auto r = rotate_signing_key(deps);
  if (!r) return failed(r.error());
  out << "kid: " << r->kid << "\n"
      << "Running replicas sign with it after their next key reload (auth.key_reload_interval); the previous key\n"
      << "keeps verifying until the next rotation.\n";
  return kOk;
}

}  // namespace

bool is_command(int argc, char** argv) { return argc >= 2 && find_command(argv[1]) != nullptr; }

const char* commands_help() {
  static const std::string text = [] {
    std::string s = "Operator commands (breakwater-auth <command> --help for each):\n";
    for (const auto& c : commands()) s += "  " + std::string(c.name) + std::string(20 - std::string_view(c.name).size(), ' ') + c.summary + "\n";
    return s;
  }();
  return text.c_str();
}

int run_command(int argc, char** argv, const service::ServiceSpec& spec, std::ostream& out, std::ostream& err) {
  const Command& c = *find_command(argv[1]);
  const Parsed p = parse(argc, argv, c);
  if (!p.error.empty()) {
    err << "breakwater-" << spec.name << " " << c.name << ": " << p.error << " (see --help)\n";
    return kUsage;
  }
  if (p.help) return print_command_help(spec, c, out), kOk;
  config::Schema schema;
  service::add_common_keys(schema, spec);
  if (spec.add_config) spec.add_config(schema);
  auto values = config::load_file(schema, p.config_path, config::process_environment());
  Status valid = values ? (spec.validate ? spec.validate(values.value()) : Status{}) : Status{values.error()};
  if (!valid) {
    err << "breakwater-" << spec.name << " " << c.name << ": " << valid.error().message << "\n";
    return kUsage;
  }
  auto opened = open(values.value(), c.name);
  if (!opened) {
    err << "breakwater-" << spec.name << " " << c.name << ": " << opened.error().message << "\n";
    return opened.error().code == kUsage ? kUsage : kFailed;
  }
  return execute(c, p, opened.value(), out, err);
}

}  // namespace bw::auth::ops
