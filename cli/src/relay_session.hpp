// The terminal client's connection to the relay (WebSocket, relay.proto ClientFrame), shared
// by `pair`, `send`, `listen` and `devices`: the access token in the first frame only, the
// relay verified with client.ca_file (else the session's CA).
#pragma once

#include <memory>
#include <string>

#include "bw/e2e/protocol.hpp"
#include "bw/relayclient/client_stream.hpp"
#include "client_session.hpp"

namespace bw::cli {

// "wss://<address>/v1/connect" for client.relay_address ("host:port"), or the address
// itself when it already is a wss:// URL.
std::string relay_url(const std::string& address);

Result<std::unique_ptr<relayclient::ClientStream>> open_relay(const std::string& relay_address, const std::string& ca_file,
                                                              const std::string& access_token, const e2e::Id& device,
                                                              std::uint64_t resume_ms = 0, std::uint64_t resume_seq = 0);

}  // namespace bw::cli
