// Free loopback ports for test servers.
//
// The port is found by binding 127.0.0.1:0 and reading what the kernel chose, then closing
// the socket. Between that close and the server's own bind another process may take the
// port: every server fixture therefore treats "could not bind" as a reason to pick a new
// port and start again (a bounded number of times), never as a test failure.
#pragma once

#include <cstdint>

namespace bw::testing {

// A TCP port on 127.0.0.1 that was free a moment ago, or 0 when no socket could be bound.
std::uint16_t free_loopback_port();

// True when something accepts TCP connections on 127.0.0.1:port right now.
bool loopback_port_accepts(std::uint16_t port);

}  // namespace bw::testing
