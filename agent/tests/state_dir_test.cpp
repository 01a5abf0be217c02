#include "state_dir.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace bw::agent {
namespace {

class StateDir : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("bw-agent-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

mode_t mode_of(const std::filesystem::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777;
}

TEST_F(StateDir, CreatesWithOwnerOnlyMode) {
  auto p = root_ / "a" / "state";
  ASSERT_TRUE(ensure_private_dir(p.string()));
  EXPECT_EQ(mode_of(p), 0700u);
  EXPECT_TRUE(ensure_private_dir(p.string()));  // twice is fine
}

TEST_F(StateDir, RefusesLooseModeWithoutFixingIt) {
  auto p = root_ / "loose";
  std::filesystem::create_directory(p);
  ::chmod(p.c_str(), 0755);
  auto st = ensure_private_dir(p.string());
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, kStateDirExposed);
  EXPECT_EQ(mode_of(p), 0755u);
}

TEST_F(StateDir, RefusesSymlinksAndFiles) {
  auto target = root_ / "real";
  std::filesystem::create_directory(target);
  ::chmod(target.c_str(), 0700);
  std::filesystem::create_directory_symlink(target, root_ / "link");
  EXPECT_EQ(ensure_private_dir((root_ / "link").string()).error().code, kStateDirNotDir);
  std::ofstream((root_ / "file").string()) << "x";
  EXPECT_EQ(ensure_private_dir((root_ / "file").string()).error().code, kStateDirNotDir);
}

TEST_F(StateDir, ATrailingSlashCannotSmuggleASymlink) {
  auto target = root_ / "real2";
  std::filesystem::create_directory(target);
  ::chmod(target.c_str(), 0700);
  std::filesystem::create_directory_symlink(target, root_ / "link2");
  EXPECT_EQ(ensure_private_dir((root_ / "link2").string() + "/").error().code, kStateDirNotDir);
  EXPECT_EQ(ensure_private_dir((root_ / "link2").string() + "//").error().code, kStateDirNotDir);
}

TEST_F(StateDir, RefusesRelativeAndDotDotPaths) {
  EXPECT_FALSE(ensure_private_dir("relative/state"));
  EXPECT_FALSE(ensure_private_dir((root_ / "a" / ".." / "b").string()));
  EXPECT_FALSE(ensure_private_dir(""));
}

TEST_F(StateDir, RefusesAParentOthersCanWriteWithoutStickyBit) {
  auto shared = root_ / "shared";
  std::filesystem::create_directory(shared);
  ::chmod(shared.c_str(), 0777);
  auto st = ensure_private_dir((shared / "state").string());
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, kStateDirExposed);
  ::chmod(shared.c_str(), 01777);  // sticky, like /tmp: others cannot rename our entries
  EXPECT_TRUE(ensure_private_dir((shared / "state").string()));
}

}  // namespace
}  // namespace bw::agent
