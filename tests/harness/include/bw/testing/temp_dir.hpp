// TempDir: a private scratch folder for one fixture, removed with everything in it when
// the owner goes away. Created with mkdtemp under $TMPDIR (or /tmp), so two fixtures —
// or two test binaries running in parallel — never share a folder.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "bw/result.hpp"

namespace bw::testing {

class TempDir {
 public:
  // Creates <$TMPDIR or /tmp>/<prefix>XXXXXX with mode 0700.
  // Error (code = errno) when the folder cannot be created.
  static Result<TempDir> create(std::string_view prefix = "bw-test-");

  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();  // removes the folder recursively; errors are ignored

  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TempDir(std::filesystem::path path) : path_(std::move(path)) {}
  void remove();

  std::filesystem::path path_;
};

// The whole content of a file, or "" when it cannot be read (for logs in error messages).
std::string read_text_file(const std::filesystem::path& file);

}  // namespace bw::testing
