// `breakwater audit verify|export ADDRESS --tenant HEX …`: an operator's view of a tenant's
// audit log, straight from breakwater-audit's gRPC API over mutual TLS (the operator's
// certificate must be in the service's audit.readers). Every answer is checked here
// (audit_verify.hpp) before it is believed.
#include "audit_commands.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "audit_source.hpp"
#include "audit_verify.hpp"
#include "auth_commands.hpp"
#include "bw/crypto/hex.hpp"
#include "terminal_text.hpp"

namespace bw::cli {
namespace {

namespace v1 = breakwater::audit::v1;

constexpr const char* kUsage =
    "Usage: breakwater audit verify [ADDRESS --tenant HEX] [options]\n"
    "       breakwater audit export [ADDRESS --tenant HEX] [options]   (JSON lines on stdout)\n\n"
    "Without ADDRESS: your own tenant's log through auth, with your signed-in session (owners\n"
    "and admins). With ADDRESS (host:port of breakwater-audit): any tenant's log, as an\n"
    "operator whose certificate is in the service's audit.readers.\n\n"
    "verify checks, offline with the published keys, the latest signed checkpoint of a tenant's\n"
    "audit log; with --state FILE, that it extends the checkpoint saved there by the last run\n"
    "(nothing removed or rewritten since), then saves the new one; with --event, that those\n"
    "events are in it; with --full, that every event rebuilds its root.\n\n"
    "Options:\n"
    "  --tenant HEX        the tenant (32 hex digits; all zeros: the operators' log)\n"
    "  --state FILE        saved view (checkpoint and trusted keys), created on first use\n"
    "  --accept-new-key    trust a signing key the state file does not know yet (after a rotation)\n"
    "  --event HEX         an event id to prove (repeatable)\n"
    "  --full              fetch every event and rebuild the signed root\n"
    "  --ca FILE, --cert FILE, --key FILE, --server-name NAME\n"
    "                      mutual TLS to breakwater-audit (the cluster CA and an operator certificate)\n"
    "  --timeout-ms N      per call (default 10000)\n\n"
    "Exit status: 0 verified, 1 a check failed or the service could not be reached, 2 usage.\n";

struct Options {
  GrpcSourceOptions grpc;
  bool tenant_set = false;
  std::string state_file;
  bool accept_new_key = false;
  bool full = false;
  std::vector<std::string> events;
};

int usage(const std::string& why) { return std::cerr << "breakwater audit: " << why << "\n\n" << kUsage, 2; }
int fail(const std::string& why) { return std::cerr << "breakwater audit: FAILED: " << printable(why) << "\n", 1; }

// Loads the saved view, if any.
Result<auditv::SavedView> load_view(const Options& o, const audit::Id& tenant) {
  if (o.state_file.empty() || !std::filesystem::exists(o.state_file)) return auditv::SavedView{};
  std::ifstream in(o.state_file);
  std::stringstream text;
  text << in.rdbuf();
  return auditv::saved_view_from_json(text.str(), tenant);
}

Status save_view(const Options& o, const audit::Id& tenant, const auditv::SavedView& view) {
  if (o.state_file.empty()) return {};
  const std::string tmp = o.state_file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << auditv::saved_view_to_json(tenant, view);
    out.flush();
    if (!out) return Error{1, "cannot write " + tmp};
  }
  std::filesystem::permissions(tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::rename(tmp, o.state_file);
  return {};
}

void print_event(const audit::Event& e, std::uint64_t index) {
  std::cout << "  leaf " << index << ": " << printable(e.action) << " by " << printable(crypto::hex_encode(e.actor_id))
            << " (" << static_cast<int>(e.result) << ") at " << e.time_ms << " from " << printable(e.producer) << "\n";
}

// The checkpoint, its signature checked with the keys trusted so far (or, on first use, the
// published ones).
Result<audit::Checkpoint> trusted_checkpoint(AuditSource& src, const Options& o, const audit::Id& tenant,
                                             auditv::TrustedKeys& trusted, const auditv::SavedView& saved) {
  v1::PublicKeys published;
  if (auto st = src.keys(&published); !st) return st.error();
  auto offered = auditv::keys_from_wire(published);
  if (!offered) return offered.error();
  trusted = saved.keys.empty() ? *offered : saved.keys;
  v1::Checkpoint wire;
  if (auto st = src.checkpoint(&wire); !st) return st.error();
  if (!trusted.contains(wire.key_id()) && o.accept_new_key && offered->contains(wire.key_id())) {
    std::cout << "trusting new signing key " << printable(wire.key_id()) << "\n";
    trusted.emplace(wire.key_id(), offered->at(wire.key_id()));
  }
  auto cp = auditv::checked_checkpoint(wire, trusted, tenant);
  if (!cp) return Error{1, cp.error().message + (o.accept_new_key ? "" : " (after a key rotation: --accept-new-key)")};
  return cp;
}

Status check_events(AuditSource& src, const Options& o, const audit::Checkpoint& cp) {
  for (const auto& hex : o.events) {
    auto id = crypto::hex_decode(hex);
    if (!id || id->size() != 16) return Error{2, "--event takes 32 hex digits"};
    v1::InclusionProof proof;
    if (auto st = src.inclusion(std::string(id->begin(), id->end()), cp.body.tree_size, &proof); !st) return st;
    auto event = auditv::check_inclusion(cp, proof);
    if (!event) return event.error();
    if (crypto::hex_encode(event->event_id) != crypto::hex_encode(*id)) return Error{1, "the service proved another event than asked"};
    std::cout << "event " << hex << " is in the signed log:\n";
    print_event(*event, proof.leaf_index());
  }
  return {};
}

Status check_full(AuditSource& src, const audit::Checkpoint& cp) {
  auditv::FullAudit full(cp);
  std::string token;
  do {
    v1::QueryResponse page;
    if (auto st = src.page(token, &page); !st) return st;
    for (const auto& e : page.events()) {
      if (auto st = full.add(e); !st) return st;
    }
    token = page.next_page_token();
  } while (!token.empty() && !full.complete());
  return full.finish();
}

int verify(AuditSource& src, const Options& o, const audit::Id& tenant) {
  auto saved = load_view(o, tenant);
  if (!saved) return fail(saved.error().message);
  auditv::TrustedKeys trusted;
  auto cp = trusted_checkpoint(src, o, tenant, trusted, *saved);
  if (!cp) return fail(cp.error().message);
  std::cout << "checkpoint: " << cp->body.tree_size << " events, root " << crypto::hex_encode(cp->body.root_hash)
            << ", signed by " << printable(cp->key_id) << " at " << cp->body.timestamp_ms << " ms: signature OK\n";
  if (saved->checkpoint) {
    v1::ConsistencyProof proof;
    const auto before = saved->checkpoint->body.tree_size;
    if (before > 0 && before <= cp->body.tree_size) {
      if (auto st = src.consistency(before, cp->body.tree_size, &proof); !st) return fail(st.error().message);
    }
    if (auto st = auditv::check_consistency(*saved->checkpoint, *cp, proof); !st) return fail(st.error().message);
    std::cout << "consistent with the checkpoint saved before (" << before << " events): OK\n";
  }
  if (auto st = check_events(src, o, *cp); !st) return st.error().code == 2 ? usage(st.error().message) : fail(st.error().message);
  if (o.full) {
    if (auto st = check_full(src, *cp); !st) return fail(st.error().message);
    std::cout << "every event re-hashed and the signed root rebuilt: OK\n";
  }
  if (auto st = save_view(o, tenant, auditv::SavedView{*cp, trusted}); !st) return fail(st.error().message);
  std::cout << "verified\n";
  return 0;
}

std::string hex_of(const std::string& bytes) {
  return crypto::hex_encode(ByteView(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

int export_events(AuditSource& src) {
  std::string token;
  do {
    v1::QueryResponse page;
    if (auto st = src.page(token, &page); !st) return fail(st.error().message);
    for (const auto& s : page.events()) {
      const auto& e = s.event();
      nlohmann::json attrs = nlohmann::json::object();
      for (const auto& [k, v] : e.attributes()) attrs[k] = v;
      nlohmann::json line{{"leaf_index", s.leaf_index()}, {"leaf_hash", hex_of(s.leaf_hash())},
                          {"event_id", hex_of(e.event_id())},
                          {"time_ms", e.time().seconds() * 1000 + e.time().nanos() / 1'000'000},
                          {"action", e.action()}, {"result", v1::Result_Name(e.result())},
                          {"actor_kind", v1::Actor::Kind_Name(e.actor().kind())}, {"actor_id", hex_of(e.actor().id())},
                          {"target_type", e.target().type()}, {"target_id", hex_of(e.target().id())},
                          {"producer", e.producer()}, {"attributes", attrs}};
      std::cout << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }
    token = page.next_page_token();
  } while (!token.empty());
  return 0;
}

}  // namespace

int audit_command(const CommandEnv& env, int argc, char** argv) {
  if (argc < 1) return usage("verify or export?");
  const std::string sub = argv[0];
  if (sub == "--help" || sub == "-h") return std::cout << kUsage, 0;
  if (sub != "verify" && sub != "export") return usage("unknown subcommand '" + sub + "'");
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : std::string(); };
    if (a == "--help" || a == "-h") return std::cout << kUsage, 0;
    if (a == "--tenant") {
      auto raw = crypto::hex_decode(next());
      if (!raw || raw->size() != 16) return usage("--tenant takes 32 hex digits");
      std::copy(raw->begin(), raw->end(), o.grpc.tenant.begin());
      o.tenant_set = true;
    } else if (a == "--state") o.state_file = next();
    else if (a == "--accept-new-key") o.accept_new_key = true;
    else if (a == "--event") o.events.push_back(next());
    else if (a == "--full") o.full = true;
    else if (a == "--ca") o.grpc.ca_file = next();
    else if (a == "--cert") o.grpc.cert_file = next();
    else if (a == "--key") o.grpc.key_file = next();
    else if (a == "--server-name") o.grpc.server_name = next();
    else if (a == "--timeout-ms") o.grpc.timeout_ms = std::atol(next().c_str());
    else if (!a.starts_with("-") && o.grpc.target.empty()) o.grpc.target = a;
    else return usage("unknown argument '" + a + "'");
  }
  if (o.grpc.target.empty() != !o.tenant_set || o.grpc.timeout_ms <= 0) {
    return usage("ADDRESS and --tenant go together (operators); without both, your own tenant through auth");
  }
  auto src = o.grpc.target.empty() ? api_audit_source(env) : grpc_audit_source(o.grpc);
  if (!src) return fail(src.error().message);
  audit::Id tenant = o.grpc.tenant;
  if (!o.tenant_set) {  // your own tenant: the checkpoint names it (and is then checked for it)
    v1::Checkpoint cp;
    if (auto st = (*src)->checkpoint(&cp); !st) return fail(st.error().message);
    if (cp.tenant().size() != tenant.size()) return fail("auth sent a malformed checkpoint");
    std::copy(cp.tenant().begin(), cp.tenant().end(), tenant.begin());
  }
  return sub == "verify" ? verify(**src, o, tenant) : export_events(**src);
}

}  // namespace bw::cli
