// FileStateStore: states survive a new process (a new store on the same folder), files are
// private and replaced atomically, and anything that is not exactly our file is refused.
// Also the e2e guarantee it exists for: a restarted sender opens a newer epoch.
#include "file_state_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "bw/crypto/random.hpp"
#include "state_dir.hpp"

namespace bw::agent {
namespace {

using e2e::Direction;

class FileStateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("bw-agent-e2e-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    ASSERT_TRUE(ensure_private_dir(dir_.string()));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<e2e::StateStore> open() {
    auto s = open_file_state_store(dir_.string());
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(s.value()) : nullptr;
  }
  std::filesystem::path file(const std::string& role, const std::string& dir) const {
    return dir_ / ("e2e-" + std::string(32, '0').replace(0, 2, "07") + "-" + role + "-" + dir);
  }
  std::filesystem::path dir_;
  e2e::Id pairing_{7};
};

TEST_F(FileStateStoreTest, StatesSurviveANewStoreAndFilesArePrivate) {
  const Bytes ck = crypto::random(32);
  {
    auto store = open();
    ASSERT_TRUE(store->save_sender(pairing_, Direction::kAgentToClient, {crypto::SecretBytes(ck), 5, 9, true}));
    ASSERT_TRUE(store->save_receiver(pairing_, Direction::kClientToAgent, {crypto::SecretBytes(ck), 4, 77, 12}));
  }
  auto store = open();
  auto s = store->load_sender(pairing_, Direction::kAgentToClient);
  ASSERT_TRUE(s && s->has_value());
  EXPECT_EQ(Bytes((*s)->ck.begin(), (*s)->ck.end()), ck);
  EXPECT_EQ((*s)->n, 5u);
  EXPECT_EQ((*s)->last_seq, 9u);
  EXPECT_TRUE((*s)->clean);
  auto r = store->load_receiver(pairing_, Direction::kClientToAgent);
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ((*r)->n, 4u);
  EXPECT_EQ((*r)->r, 77u);
  EXPECT_EQ((*r)->seq, 12u);
  EXPECT_FALSE(store->load_sender(pairing_, Direction::kClientToAgent)->has_value()) << "nothing stored there";
  struct stat st {};
  ASSERT_EQ(::stat(file("send", "a2c").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << "no temporary file left";
  }
  ASSERT_TRUE(store->erase(pairing_));
  EXPECT_FALSE(store->load_sender(pairing_, Direction::kAgentToClient)->has_value());
  EXPECT_FALSE(std::filesystem::exists(file("recv", "c2a")));
}

TEST_F(FileStateStoreTest, ExposedDamagedOrSymlinkedFilesAreRefused) {
  auto store = open();
  ASSERT_TRUE(store->save_sender(pairing_, Direction::kAgentToClient, {crypto::SecretBytes(crypto::random(32)), 1, 0, false}));
  const auto f = file("send", "a2c");
  ASSERT_EQ(::chmod(f.c_str(), 0644), 0);
  auto exposed = store->load_sender(pairing_, Direction::kAgentToClient);
  ASSERT_FALSE(exposed);
  EXPECT_TRUE(e2e::has_code(exposed.error(), e2e::Errc::kState));
  ASSERT_EQ(::chmod(f.c_str(), 0600), 0);
  ASSERT_TRUE(store->load_sender(pairing_, Direction::kAgentToClient));
  {
    std::fstream out(f, std::ios::in | std::ios::out | std::ios::binary);
    out.seekp(0);
    out.put('X');  // not our magic
  }
  EXPECT_FALSE(store->load_sender(pairing_, Direction::kAgentToClient));
  std::filesystem::resize_file(f, 20);
  EXPECT_FALSE(store->load_sender(pairing_, Direction::kAgentToClient)) << "truncated";
  std::filesystem::remove(f);
  const auto elsewhere = dir_ / "elsewhere";
  { std::ofstream(elsewhere) << "x"; }
  std::filesystem::create_symlink(elsewhere, f);
  EXPECT_FALSE(store->load_sender(pairing_, Direction::kAgentToClient)) << "a symlink is not followed";
}

TEST_F(FileStateStoreTest, AnExposedFolderIsRefused) {
  ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);
  EXPECT_FALSE(open_file_state_store(dir_.string()));
  ASSERT_EQ(::chmod(dir_.c_str(), 0700), 0);
  EXPECT_TRUE(open_file_state_store(dir_.string()));
}

TEST_F(FileStateStoreTest, ARestartedSenderOpensANewerEpochFromTheFiles) {
  crypto::SecretBytes rk(crypto::random(32));
  {
    auto store = open();
    ASSERT_TRUE(e2e::initialize_pairing(*store, pairing_, true, rk));
    auto s = e2e::Sender::open(*store, pairing_, Direction::kAgentToClient, e2e::Id{1}, e2e::Id{2});
    ASSERT_TRUE(s);
    EXPECT_EQ(s->epoch().n, 1u);
  }
  auto store = open();
  auto again = e2e::Sender::open(*store, pairing_, Direction::kAgentToClient, e2e::Id{1}, e2e::Id{2});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->epoch().n, 2u) << "the epoch was on disk before it was used";
}

}  // namespace
}  // namespace bw::agent
