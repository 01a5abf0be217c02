// breakwater-relay's configuration keys (relay.*) and their translation into options.
#pragma once

#include "bw/config/config.hpp"
#include "bw/result.hpp"
#include "relay_core.hpp"

namespace bw::relay {

void add_config_keys(config::Schema& s);
// Checks combinations beyond types (required addresses, TLS for the WebSocket listener).
Status validate_config(const config::Values& v);
RelayOptions relay_options(const config::Values& v);

}  // namespace bw::relay
