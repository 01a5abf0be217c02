// `breakwater audit verify|export ADDRESS --tenant HEX …`: an operator's view of a tenant's
// audit log, straight from breakwater-audit's gRPC API over mutual TLS (the operator's
// certificate must be in the service's audit.readers). Every answer is checked here
// (audit_verify.hpp) before it is believed.
#include "audit_commands.hpp"

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "audit_verify.hpp"
#include "breakwater/audit/v1/audit.grpc.pb.h"
#include "bw/crypto/hex.hpp"
#include "bw/service/grpc_channel.hpp"
#include "terminal_text.hpp"

namespace bw::cli {
namespace {

namespace v1 = breakwater::audit::v1;

constexpr const char* kUsage =
    "Usage: breakwater audit verify ADDRESS --tenant HEX [options]\n"
    "       breakwater audit export ADDRESS --tenant HEX [options]   (JSON lines on stdout)\n\n"
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
  service::ChannelOptions channel;
  audit::Id tenant{};
  bool tenant_set = false;
  std::string state_file;
  bool accept_new_key = false;
  bool full = false;
  std::vector<std::string> events;
  long timeout_ms = 10'000;
};

int usage(const std::string& why) { return std::cerr << "breakwater audit: " << why << "\n\n" << kUsage, 2; }
int fail(const std::string& why) { return std::cerr << "breakwater audit: FAILED: " << printable(why) << "\n", 1; }

template <class Call>
grpc::Status call(const Options& o, Call&& fn) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(o.timeout_ms));
  return fn(ctx);
}

std::string id_string(const audit::Id& id) { return std::string(id.begin(), id.end()); }

// Loads the saved view, if any, re-checking its checkpoint with its own keys.
Result<auditv::SavedView> load_view(const Options& o) {
  if (o.state_file.empty() || !std::filesystem::exists(o.state_file)) return auditv::SavedView{};
  std::ifstream in(o.state_file);
  std::stringstream text;
  text << in.rdbuf();
  return auditv::saved_view_from_json(text.str(), o.tenant);
}

Status save_view(const Options& o, const auditv::SavedView& view) {
  if (o.state_file.empty()) return {};
  const std::string tmp = o.state_file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << auditv::saved_view_to_json(o.tenant, view);
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

int verify(v1::Audit::Stub& stub, const Options& o) {
  auto saved = load_view(o);
  if (!saved) return fail(saved.error().message);
  v1::PublicKeys published;
  if (auto st = call(o, [&](auto& c) { return stub.GetPublicKeys(&c, {}, &published); }); !st.ok()) return fail(st.error_message());
  auto offered = auditv::keys_from_wire(published);
  if (!offered) return fail(offered.error().message);
  auditv::TrustedKeys trusted = saved->keys.empty() ? *offered : saved->keys;
  v1::GetCheckpointRequest creq;
  creq.set_tenant(id_string(o.tenant));
  v1::Checkpoint wire_cp;
  if (auto st = call(o, [&](auto& c) { return stub.GetCheckpoint(&c, creq, &wire_cp); }); !st.ok()) return fail(st.error_message());
  if (!trusted.contains(wire_cp.key_id()) && o.accept_new_key && offered->contains(wire_cp.key_id())) {
    std::cout << "trusting new signing key " << printable(wire_cp.key_id()) << "\n";
    trusted.emplace(wire_cp.key_id(), offered->at(wire_cp.key_id()));
  }
  auto cp = auditv::checked_checkpoint(wire_cp, trusted, o.tenant);
  if (!cp) return fail(cp.error().message + (o.accept_new_key ? "" : " (after a key rotation: --accept-new-key)"));
  std::cout << "checkpoint: " << cp->body.tree_size << " events, root " << crypto::hex_encode(cp->body.root_hash)
            << ", signed by " << printable(cp->key_id) << " at " << cp->body.timestamp_ms << " ms: signature OK\n";
  if (saved->checkpoint) {
    v1::ConsistencyProof proof;
    if (saved->checkpoint->body.tree_size > 0 && saved->checkpoint->body.tree_size <= cp->body.tree_size) {
      v1::GetConsistencyProofRequest req;
      req.set_tenant(id_string(o.tenant));
      req.set_first_size(saved->checkpoint->body.tree_size);
      req.set_second_size(cp->body.tree_size);
      if (auto st = call(o, [&](auto& c) { return stub.GetConsistencyProof(&c, req, &proof); }); !st.ok()) return fail(st.error_message());
    }
    if (auto st = auditv::check_consistency(*saved->checkpoint, *cp, proof); !st) return fail(st.error().message);
    std::cout << "consistent with the checkpoint saved before (" << saved->checkpoint->body.tree_size << " events): OK\n";
  }
  for (const auto& hex : o.events) {
    auto id = crypto::hex_decode(hex);
    if (!id || id->size() != 16) return usage("--event takes 32 hex digits");
    v1::GetInclusionProofRequest req;
    req.set_tenant(id_string(o.tenant));
    req.set_event_id(std::string(id->begin(), id->end()));
    req.set_tree_size(cp->body.tree_size);
    v1::InclusionProof proof;
    if (auto st = call(o, [&](auto& c) { return stub.GetInclusionProof(&c, req, &proof); }); !st.ok()) return fail(st.error_message());
    auto event = auditv::check_inclusion(*cp, proof);
    if (!event) return fail(event.error().message);
    if (crypto::hex_encode(event->event_id) != crypto::hex_encode(*id)) return fail("the service proved another event than asked");
    std::cout << "event " << hex << " is in the signed log:\n";
    print_event(*event, proof.leaf_index());
  }
  if (o.full) {
    auditv::FullAudit full(*cp);
    v1::QueryRequest req;
    req.set_tenant(id_string(o.tenant));
    req.set_page_size(1000);
    do {
      v1::QueryResponse page;
      if (auto st = call(o, [&](auto& c) { return stub.Query(&c, req, &page); }); !st.ok()) return fail(st.error_message());
      for (const auto& e : page.events()) {
        if (auto st = full.add(e); !st) return fail(st.error().message);
      }
      req.set_page_token(page.next_page_token());
    } while (!req.page_token().empty() && !full.complete());
    if (auto st = full.finish(); !st) return fail(st.error().message);
    std::cout << "every event re-hashed and the signed root rebuilt: OK\n";
  }
  if (auto st = save_view(o, auditv::SavedView{*cp, trusted}); !st) return fail(st.error().message);
  std::cout << "verified\n";
  return 0;
}

int export_events(v1::Audit::Stub& stub, const Options& o) {
  v1::QueryRequest req;
  req.set_tenant(id_string(o.tenant));
  req.set_page_size(1000);
  do {
    v1::QueryResponse page;
    if (auto st = call(o, [&](auto& c) { return stub.Query(&c, req, &page); }); !st.ok()) return fail(st.error_message());
    for (const auto& s : page.events()) {
      const auto& e = s.event();
      nlohmann::json attrs = nlohmann::json::object();
      for (const auto& [k, v] : e.attributes()) attrs[k] = v;
      nlohmann::json line{{"leaf_index", s.leaf_index()}, {"leaf_hash", crypto::hex_encode(ByteView(
                              reinterpret_cast<const std::uint8_t*>(s.leaf_hash().data()), s.leaf_hash().size()))},
                          {"event_id", crypto::hex_encode(ByteView(reinterpret_cast<const std::uint8_t*>(e.event_id().data()), e.event_id().size()))},
                          {"time_ms", e.time().seconds() * 1000 + e.time().nanos() / 1'000'000},
                          {"action", e.action()}, {"result", v1::Result_Name(e.result())},
                          {"actor_kind", v1::Actor::Kind_Name(e.actor().kind())},
                          {"actor_id", crypto::hex_encode(ByteView(reinterpret_cast<const std::uint8_t*>(e.actor().id().data()), e.actor().id().size()))},
                          {"target_type", e.target().type()},
                          {"target_id", crypto::hex_encode(ByteView(reinterpret_cast<const std::uint8_t*>(e.target().id().data()), e.target().id().size()))},
                          {"producer", e.producer()}, {"attributes", attrs}};
      std::cout << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  return 0;
}

}  // namespace

int audit_command(int argc, char** argv) {
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
      std::copy(raw->begin(), raw->end(), o.tenant.begin());
      o.tenant_set = true;
    } else if (a == "--state") o.state_file = next();
    else if (a == "--accept-new-key") o.accept_new_key = true;
    else if (a == "--event") o.events.push_back(next());
    else if (a == "--full") o.full = true;
    else if (a == "--ca") o.channel.tls.ca_file = next();
    else if (a == "--cert") o.channel.tls.cert_file = next();
    else if (a == "--key") o.channel.tls.key_file = next();
    else if (a == "--server-name") o.channel.server_name = next();
    else if (a == "--timeout-ms") o.timeout_ms = std::atol(next().c_str());
    else if (!a.starts_with("-") && o.channel.target.empty()) o.channel.target = a;
    else return usage("unknown argument '" + a + "'");
  }
  if (o.channel.target.empty() || !o.tenant_set || o.timeout_ms <= 0) return usage("ADDRESS and --tenant are required");
  o.channel.mutual = !o.channel.tls.cert_file.empty();
  auto channel = service::make_channel(o.channel);
  if (!channel) return usage(channel.error().message);
  auto stub = v1::Audit::NewStub(channel.value());
  return sub == "verify" ? verify(*stub, o) : export_events(*stub, o);
}

}  // namespace bw::cli
