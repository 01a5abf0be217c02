// Reading files that configuration names: certificates, keys, password files.
//
// Guarantees: the file is opened once and every check is made on the open descriptor
// (fstat), so it cannot be swapped between check and read; it must be a regular file
// (symlinks are followed, as Kubernetes Secret mounts are symlinks); reads are bounded
// and I/O errors are errors, never a silently short value. For private files (keys,
// passwords) the mode must give others no access at all and the group no write access
// (0600, 0400, 0640 and 0440 pass). Errors name the path, never the content.
#pragma once

#include <cstddef>
#include <string>

#include "bw/result.hpp"

namespace bw::config {

enum FileError : int { kFileUnreadable = 21, kFileNotRegular = 22, kFileExposed = 23, kFileTooLarge = 24,
                       kFileEmpty = 25 };

// Reads a whole file of at most max_bytes.
Result<std::string> read_file(const std::string& path, std::size_t max_bytes);

// As read_file, and refuses a file others can access or the group can write, or an empty one.
Result<std::string> read_private_file(const std::string& path, std::size_t max_bytes);

}  // namespace bw::config
