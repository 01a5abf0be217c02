// Private files: written 0600 and atomically, read back only when private, bounded; and
// the terminal QR code encodes what it is given.
#include "private_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "bw/testing/temp_dir.hpp"
#include "qr_terminal.hpp"

namespace bw::agent {
namespace {

TEST(PrivateFile, WritesOwnerOnlyAndReadsBack) {
  auto dir = testing::TempDir::create("bw-pf-");
  ASSERT_TRUE(dir);
  const std::string d = dir->path().string();
  ASSERT_TRUE(write_private_file(d, "identity.json", "first"));
  ASSERT_TRUE(write_private_file(d, "identity.json", "second"));
  struct stat st {};
  ASSERT_EQ(::stat((d + "/identity.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto back = read_private_file(d, "identity.json");
  ASSERT_TRUE(back);
  ASSERT_TRUE(back->has_value());
  EXPECT_EQ(**back, "second");
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(d)) files += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 1u);  // no temporary file left behind
  auto missing = read_private_file(d, "absent");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
  ASSERT_TRUE(remove_private_file(d, "identity.json"));
  EXPECT_FALSE(read_private_file(d, "identity.json")->has_value());
}

TEST(PrivateFile, RefusesExposedSymlinkedOversizedAndPathNames) {
  auto dir = testing::TempDir::create("bw-pf-");
  ASSERT_TRUE(dir);
  const std::string d = dir->path().string();
  ASSERT_TRUE(write_private_file(d, "token", "secret"));
  ::chmod((d + "/token").c_str(), 0640);
  auto exposed = read_private_file(d, "token");
  ASSERT_FALSE(exposed);
  EXPECT_EQ(exposed.error().code, kPrivateFileExposed);
  EXPECT_EQ(exposed.error().message.find("secret"), std::string::npos);
  ::chmod((d + "/token").c_str(), 0600);
  ASSERT_EQ(::symlink((d + "/token").c_str(), (d + "/link").c_str()), 0);
  EXPECT_FALSE(read_private_file(d, "link"));
  EXPECT_FALSE(read_private_file(d, "token", 3));
  EXPECT_FALSE(write_private_file(d, "../escape", "x"));
  EXPECT_FALSE(read_private_file(d, "a/b"));
}

TEST(TerminalQr, RendersASquareOfHalfBlockRowsAndRefusesTooMuch) {
  auto qr = render_qr("https://app.example.com/pair#" + std::string(142, 'A'));
  ASSERT_TRUE(qr);
  const auto first_line = qr->substr(0, qr->find('\n'));
  EXPECT_GT(first_line.size(), 20u);
  EXPECT_NE(qr->find("\u2588"), std::string::npos);
  EXPECT_FALSE(render_qr(std::string(8000, 'x')));
}

}  // namespace
}  // namespace bw::agent
