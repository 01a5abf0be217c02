// Offline checks of the audit log (`breakwater audit verify`): everything the audit service
// sends is checked against signatures and hashes computed here, so a service (or a database
// under it) that altered, removed or reordered an event, or served another tenant's
// checkpoint, is caught — nothing the service says is taken on trust.
//
// What each check proves (RFC 6962 / RFC 9162 §2.1):
//  - checkpoint: signed by a trusted key, for the expected tenant;
//  - consistency: the tree the user saw earlier is a prefix of the one signed now (no
//    event removed, altered or inserted before the old size: no truncate-and-regrow);
//  - inclusion: an event, re-hashed here from its canonical bytes, is in the signed tree;
//  - full audit: every event, re-encoded and re-hashed here, rebuilds the signed root.
// Every failure is an Error whose message says what did not hold.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "breakwater/audit/v1/audit.pb.h"
#include "bw/audit/checkpoint.hpp"
#include "bw/audit/event.hpp"
#include "bw/result.hpp"

namespace bw::cli::auditv {

// key id → raw Ed25519 public key.
using TrustedKeys = std::map<std::string, Bytes>;

// The keys a GetPublicKeys answer lists, each checked to carry its own derived key id.
Result<TrustedKeys> keys_from_wire(const breakwater::audit::v1::PublicKeys& wire);

// A checkpoint from the wire, its signature checked with `keys` and its tenant with `tenant`.
Result<audit::Checkpoint> checked_checkpoint(const breakwater::audit::v1::Checkpoint& wire, const TrustedKeys& keys,
                                             const audit::Id& tenant);

// Checks that `earlier` is a prefix of `later` by the consistency proof `path`.
Status check_consistency(const audit::Checkpoint& earlier, const audit::Checkpoint& later,
                         const breakwater::audit::v1::ConsistencyProof& proof);

// Checks an inclusion proof against a checkpoint: the leaf hash is recomputed from
// leaf_data, which must decode to an event of the checkpoint's tenant. Returns the event.
Result<audit::Event> check_inclusion(const audit::Checkpoint& checkpoint,
                                     const breakwater::audit::v1::InclusionProof& proof);

// Rebuilds a checkpoint's root from every event of the log, in leaf order.
class FullAudit {
 public:
  explicit FullAudit(const audit::Checkpoint& checkpoint) : checkpoint_(checkpoint) {}
  // The next stored event (leaf_index must be the next one). Events at or past the
  // checkpoint's size are ignored. Errors: a gap, a wrong tenant, a leaf hash that is not
  // the hash of the event's canonical encoding.
  Status add(const breakwater::audit::v1::StoredEvent& stored);
  // True once every leaf of the checkpoint has been added.
  bool complete() const { return leaves_.size() >= checkpoint_.body.tree_size; }
  // Errors: fewer events than the checkpoint's size, or a root that differs.
  Status finish() const;

 private:
  audit::Checkpoint checkpoint_;
  std::vector<audit::Hash> leaves_;
};

// The user's saved view of one tenant's log (the state file): the last verified checkpoint
// and the keys trusted so far.
struct SavedView {
  std::optional<audit::Checkpoint> checkpoint;
  TrustedKeys keys;
};
std::string saved_view_to_json(const audit::Id& tenant, const SavedView& view);
// Errors: malformed JSON, or a view of another tenant.
Result<SavedView> saved_view_from_json(const std::string& text, const audit::Id& tenant);

}  // namespace bw::cli::auditv
