// See audit_verify.hpp.
#include "audit_verify.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "bw/audit/merkle.hpp"
#include "bw/crypto/hex.hpp"

namespace bw::cli::auditv {
namespace v1 = breakwater::audit::v1;

namespace {

Error failed(const std::string& what) { return Error{1, what}; }

ByteView view(const std::string& s) { return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }

template <std::size_t N>
bool copy_exact(const std::string& from, std::array<std::uint8_t, N>& to) {
  if (from.size() != N) return false;
  std::copy(from.begin(), from.end(), to.begin());
  return true;
}

std::vector<ByteView> views(const google::protobuf::RepeatedPtrField<std::string>& path) {
  std::vector<ByteView> out;
  for (const auto& h : path) out.push_back(view(h));
  return out;
}

std::string hex(ByteView b) { return crypto::hex_encode(b); }

}  // namespace

Result<TrustedKeys> keys_from_wire(const v1::PublicKeys& wire) {
  TrustedKeys keys;
  for (const auto& k : wire.keys()) {
    if (k.public_key().size() != 32 || audit::checkpoint_key_id(view(k.public_key())) != k.key_id()) {
      return failed("the service lists key " + k.key_id() + " whose id does not match its public key");
    }
    keys.emplace(k.key_id(), Bytes(k.public_key().begin(), k.public_key().end()));
  }
  return keys;
}

Result<audit::Checkpoint> checked_checkpoint(const v1::Checkpoint& wire, const TrustedKeys& keys, const audit::Id& tenant) {
  audit::Checkpoint cp;
  if (!copy_exact(wire.tenant(), cp.body.tenant) || !copy_exact(wire.root_hash(), cp.body.root_hash) ||
      !copy_exact(wire.signature(), cp.signature)) {
    return failed("the checkpoint is malformed (tenant, root or signature of the wrong size)");
  }
  cp.body.tree_size = wire.tree_size();
  cp.body.timestamp_ms = wire.timestamp_ms();
  cp.key_id = wire.key_id();
  if (cp.body.tenant != tenant) return failed("the checkpoint is for another tenant (" + hex(cp.body.tenant) + ")");
  auto key = keys.find(cp.key_id);
  if (key == keys.end()) return failed("the checkpoint is signed by key " + cp.key_id + ", which is not trusted");
  if (!audit::verify_checkpoint(cp, key->second)) {
    return failed("the checkpoint's signature does not verify with key " + cp.key_id);
  }
  return cp;
}

Status check_consistency(const audit::Checkpoint& earlier, const audit::Checkpoint& later,
                         const v1::ConsistencyProof& proof) {
  if (later.body.tree_size < earlier.body.tree_size) {
    return failed("the log shrank: " + std::to_string(earlier.body.tree_size) + " events were signed before, now " +
                  std::to_string(later.body.tree_size));
  }
  if (earlier.body.tree_size == 0) return {};  // the empty tree is a prefix of every tree
  if (proof.first_size() != earlier.body.tree_size || proof.second_size() != later.body.tree_size) {
    return failed("the consistency proof is for other sizes than asked");
  }
  const auto path = views(proof.path());
  if (!audit::verify_consistency(earlier.body.tree_size, later.body.tree_size, earlier.body.root_hash,
                                 later.body.root_hash, path)) {
    return failed("the log of " + std::to_string(later.body.tree_size) + " events is NOT an extension of the " +
                  std::to_string(earlier.body.tree_size) + " events signed before: events were removed or rewritten");
  }
  return {};
}

Result<audit::Event> check_inclusion(const audit::Checkpoint& cp, const v1::InclusionProof& proof) {
  if (proof.tree_size() != cp.body.tree_size) return failed("the inclusion proof is for another tree size");
  const audit::Hash leaf = audit::leaf_hash(view(proof.leaf_data()));
  auto event = audit::decode_event(view(proof.leaf_data()));
  if (!event) return failed("the leaf's bytes are not a canonical event: " + event.error().message);
  if (event->tenant != cp.body.tenant) return failed("the leaf belongs to another tenant");
  const auto path = views(proof.audit_path());
  if (!audit::verify_inclusion(ByteView(leaf), proof.leaf_index(), cp.body.tree_size, path, ByteView(cp.body.root_hash))) {
    return failed("leaf " + std::to_string(proof.leaf_index()) + " is NOT in the signed tree: the event was altered or moved");
  }
  return event;
}

Status FullAudit::add(const v1::StoredEvent& stored) {
  if (complete()) return {};
  if (stored.leaf_index() != leaves_.size()) {
    return failed("expected leaf " + std::to_string(leaves_.size()) + ", the service sent " +
                  std::to_string(stored.leaf_index()) + ": events are missing");
  }
  audit::Event event;
  // The event as served, re-encoded here: its hash must be the leaf the tree was built of.
  const auto& w = stored.event();
  if (!copy_exact(w.event_id(), event.event_id) || !copy_exact(w.tenant(), event.tenant)) {
    return failed("leaf " + std::to_string(stored.leaf_index()) + " is malformed");
  }
  if (event.tenant != checkpoint_.body.tenant) return failed("leaf " + std::to_string(stored.leaf_index()) + " belongs to another tenant");
  event.time_ms = static_cast<std::uint64_t>(w.time().seconds()) * 1000 + static_cast<std::uint64_t>(w.time().nanos()) / 1'000'000;
  event.actor_kind = static_cast<audit::ActorKind>(w.actor().kind());
  event.actor_id.assign(w.actor().id().begin(), w.actor().id().end());
  event.actor_name = w.actor().name();
  event.action = w.action();
  event.target_type = w.target().type();
  event.target_id.assign(w.target().id().begin(), w.target().id().end());
  event.result = static_cast<audit::Outcome>(w.result());
  event.source_address.assign(w.source_address().begin(), w.source_address().end());
  for (const auto& [k, v] : w.attributes()) event.attributes.emplace(k, v);
  event.producer = w.producer();
  auto data = audit::encode_event(event);
  if (!data) return failed("leaf " + std::to_string(stored.leaf_index()) + " is not a valid event: " + data.error().message);
  const audit::Hash leaf = audit::leaf_hash(*data);
  if (stored.leaf_hash().size() != leaf.size() || !std::equal(leaf.begin(), leaf.end(), view(stored.leaf_hash()).begin())) {
    return failed("leaf " + std::to_string(stored.leaf_index()) + " does not hash to its leaf hash " +
                  hex(ByteView(reinterpret_cast<const std::uint8_t*>(stored.leaf_hash().data()), stored.leaf_hash().size())) +
                  " (re-hashed: " + hex(leaf) + "): the event was altered");
  }
  leaves_.push_back(leaf);
  return {};
}

Status FullAudit::finish() const {
  if (!complete()) {
    return failed("the service listed " + std::to_string(leaves_.size()) + " events, the checkpoint signs " +
                  std::to_string(checkpoint_.body.tree_size) + ": events are missing");
  }
  if (audit::root_of(leaves_) != checkpoint_.body.root_hash) {
    return failed("the events do NOT rebuild the signed root: the log was altered");
  }
  return {};
}

std::string saved_view_to_json(const audit::Id& tenant, const SavedView& view) {
  nlohmann::json j{{"version", 1}, {"tenant", hex(tenant)}, {"keys", nlohmann::json::object()}};
  for (const auto& [id, key] : view.keys) j["keys"][id] = hex(key);
  if (view.checkpoint) {
    const auto& cp = *view.checkpoint;
    j["checkpoint"] = {{"tree_size", cp.body.tree_size}, {"root_hash", hex(cp.body.root_hash)},
                       {"timestamp_ms", cp.body.timestamp_ms}, {"key_id", cp.key_id}, {"signature", hex(cp.signature)}};
  }
  return j.dump(2) + "\n";
}

Result<SavedView> saved_view_from_json(const std::string& text, const audit::Id& tenant) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("version", 0) != 1) return failed("the state file is not a saved audit view");
  if (j.value("tenant", "") != hex(tenant)) return failed("the state file is for another tenant");
  SavedView view;
  try {
    for (const auto& [id, key] : j.at("keys").items()) {
      auto raw = crypto::hex_decode(key.get<std::string>());
      if (!raw || raw->size() != 32) return failed("the state file holds a malformed key");
      view.keys.emplace(id, std::move(raw.value()));
    }
    if (j.contains("checkpoint")) {
      const auto& c = j.at("checkpoint");
      audit::Checkpoint cp;
      cp.body.tenant = tenant;
      cp.body.tree_size = c.at("tree_size").get<std::uint64_t>();
      cp.body.timestamp_ms = c.at("timestamp_ms").get<std::uint64_t>();
      cp.key_id = c.at("key_id").get<std::string>();
      auto root = crypto::hex_decode(c.at("root_hash").get<std::string>());
      auto sig = crypto::hex_decode(c.at("signature").get<std::string>());
      if (!root || root->size() != 32 || !sig || sig->size() != 64) return failed("the state file's checkpoint is malformed");
      std::copy(root->begin(), root->end(), cp.body.root_hash.begin());
      std::copy(sig->begin(), sig->end(), cp.signature.begin());
      view.checkpoint = cp;
    }
  } catch (const nlohmann::json::exception&) {
    return failed("the state file is not a saved audit view");
  }
  return view;
}

}  // namespace bw::cli::auditv
