// The envelope as libs/e2e builds it ↔ the relay's wire message (breakwater.relay.v1.Envelope).
// The conversion is exact both ways: the receiver rebuilds the 82-byte header from the
// typed fields, so any field the relay altered fails authentication end to end.
#pragma once

#include "breakwater/relay/v1/relay.pb.h"
#include "bw/e2e/envelope.hpp"
#include "bw/result.hpp"

namespace bw::relayclient {

breakwater::relay::v1::Envelope to_wire(const e2e::Envelope& e);
// Errors (e2e::Errc): kMalformed for a field that does not fit the header layout,
// kBadVersion for a version other than 1.
Result<e2e::Envelope> from_wire(const breakwater::relay::v1::Envelope& w);

}  // namespace bw::relayclient
