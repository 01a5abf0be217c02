// Event → the wire message of Audit.Append. Pure; copies every field as is.
#pragma once

#include <string_view>

#include "breakwater/audit/v1/audit.pb.h"
#include "bw/auditclient/event.hpp"

namespace bw::auditclient {

breakwater::audit::v1::Event to_proto(const Event& event, std::string_view producer);

}  // namespace bw::auditclient
