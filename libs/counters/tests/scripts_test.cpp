// The embedded scripts are byte for byte the .lua files in the source tree (one source of
// truth), and every script reads the clock only through Redis TIME.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "bw/counters/scripts.hpp"

namespace bw::counters {
namespace {

std::string read_script(const std::string& name) {
  const char* root = std::getenv("BW_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/libs/counters/scripts/" + name + ".lua",
                   std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Scripts, EmbeddedSourcesMatchTheLuaFiles) {
  EXPECT_EQ(scripts::fixed_window(), read_script("fixed_window"));
  EXPECT_EQ(scripts::gcra(), read_script("gcra"));
  EXPECT_EQ(scripts::lockout_record(), read_script("lockout_record"));
  EXPECT_EQ(scripts::lockout_check(), read_script("lockout_check"));
  EXPECT_FALSE(scripts::gcra().empty());
}

TEST(Scripts, TimeComesOnlyFromRedisTime) {
  for (auto source : {scripts::fixed_window(), scripts::gcra()}) {
    EXPECT_NE(source.find("redis.call('TIME')"), std::string_view::npos);
    EXPECT_EQ(source.find("os."), std::string_view::npos);
  }
}

}  // namespace
}  // namespace bw::counters
