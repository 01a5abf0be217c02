// Small secret files (tokens, identities) in a private folder (state_dir.hpp), shared by
// breakwater-agent and the terminal client.
//
// Guarantees: write_private_file() makes the new content durable before returning: a new
// file (mode 0600, O_EXCL, O_NOFOLLOW) next to the old one, fsync'd, renamed over it, and
// the folder fsync'd — a crash leaves the old content or the new, never a mix; the write
// buffer is the caller's. read_private_file() refuses a symlink, a non-regular file, a file
// of another owner or with any group/other permission bit, and a file larger than
// `max_bytes`. Names are plain file names (no '/').
#pragma once

#include <optional>
#include <string>

#include "bw/result.hpp"

namespace bw::agent {

enum PrivateFileError : int { kPrivateFileIo = 310, kPrivateFileExposed = 311 };

Status write_private_file(const std::string& dir, const std::string& name, const std::string& content);
// nullopt when the file does not exist.
Result<std::optional<std::string>> read_private_file(const std::string& dir, const std::string& name,
                                                     std::size_t max_bytes = 64 * 1024);
// Removes the file (no error when it is absent), then syncs the folder.
Status remove_private_file(const std::string& dir, const std::string& name);

}  // namespace bw::agent
