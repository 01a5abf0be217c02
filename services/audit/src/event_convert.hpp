// Translation between the wire (breakwater.audit.v1 messages), the canonical event of
// libs/audit (the bytes that become a Merkle leaf) and the store's rows.
//
// Guarantees: an event is stored only as its canonical encoding plus columns derived from
// that same event (for queries); what is served back (StoredEvent, proofs) is decoded from
// the stored canonical bytes, never from the index columns, so the leaf a verifier hashes
// is exactly what the service shows. Every malformed field is refused with a message
// naming it (INVALID_ARGUMENT material), never guessed at.
#pragma once

#include "breakwater/audit/v1/audit.pb.h"
#include "bw/audit/event.hpp"
#include "bw/result.hpp"
#include "store/types.hpp"

namespace bw::auditsvc {

// A wire event as a canonical event. Errors: Errc::kInvalidArgument naming the field.
Result<audit::Event> from_wire(const breakwater::audit::v1::Event& wire);

// A canonical event on the wire.
void to_wire(const audit::Event& event, breakwater::audit::v1::Event* wire);

// The store row of a valid event (leaf index and recorded time are set by the log).
// Errors: the encoder's (an event outside the limits).
Result<audit::store::Entry> to_row(const audit::Event& event);

// A stored row as a StoredEvent, decoded from its canonical bytes. Errors: Errc::kInternal
// when the stored bytes do not decode or do not hash to the stored leaf hash (the database
// was altered under the service).
Status to_stored(const audit::store::Entry& row, breakwater::audit::v1::StoredEvent* out);

// A 16-byte id from wire bytes. Errors: kInvalidArgument naming `field`.
Result<audit::store::TenantId> id16(const std::string& bytes, const char* field);

}  // namespace bw::auditsvc
