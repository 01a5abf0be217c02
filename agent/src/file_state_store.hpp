// FileStateStore: the agent's end-to-end state (bw::e2e::StateStore) in files of its
// private state folder (state_dir.hpp), one file per pairing, role (send/receive) and
// direction: e2e-<pairing hex>-<send|recv>-<a2c|c2a>.
//
// Guarantees:
//  - a save is durable before it returns: written to a new file (mode 0600, O_EXCL,
//    O_NOFOLLOW) relative to the folder's descriptor, fsync'd, renamed over the old one,
//    and the folder fsync'd — a crash leaves the old state or the new one, never a mix;
//  - a load refuses a file that is not a regular file owned by this user with mode 0600, a
//    symlink, or bytes that are not exactly the layout below (kState, nothing half-read);
//  - chain keys are read into SecretBytes and the write buffer is wiped.
// Layout (big-endian): "BWE2" ‖ version 1 ‖ kind (1 send, 2 receive) ‖ ck(32) ‖ n(8) ‖
// then for send: last_seq(8) ‖ clean(1); for receive: r(8) ‖ seq(8).
#pragma once

#include <memory>
#include <string>

#include "bw/e2e/session.hpp"

namespace bw::agent {

// Opens the folder (which must already be private: ensure_private_dir()). Errors: kState.
Result<std::unique_ptr<e2e::StateStore>> open_file_state_store(const std::string& dir);

}  // namespace bw::agent
