// SecretBytes: ownership semantics, and wiping observed where it can be observed without
// undefined behaviour: this test installs OpenSSL memory hooks (before OpenSSL allocates
// anything) whose free() looks at a watched buffer just before it is released.
#include "bw/crypto/secret_bytes.hpp"

#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cstdlib>

namespace bw::crypto {
namespace {

struct Watch {
  const void* buffer = nullptr;
  std::size_t size = 0;
  bool freed = false;
  bool zero_when_freed = false;
};
Watch g_watch;

void* hook_malloc(std::size_t n, const char*, int) { return std::malloc(n); }
void* hook_realloc(void* p, std::size_t n, const char*, int) { return std::realloc(p, n); }
void hook_free(void* p, const char*, int) {
  if (p != nullptr && p == g_watch.buffer) {
    const auto* bytes = static_cast<const std::uint8_t*>(p);
    g_watch.zero_when_freed = std::all_of(bytes, bytes + g_watch.size, [](auto b) { return b == 0; });
    g_watch.freed = true;
    g_watch.buffer = nullptr;
  }
  std::free(p);
}

const bool g_hooks_installed = CRYPTO_set_mem_functions(hook_malloc, hook_realloc, hook_free) == 1;

void watch(const SecretBytes& s) { g_watch = Watch{s.data(), s.size(), false, false}; }

const Bytes kSecret(32, 0xa5);

TEST(SecretBytes, WipesBytesBeforeFreeingOnDestruction) {
  ASSERT_TRUE(g_hooks_installed) << "OpenSSL allocated before the test could hook its memory";
  {
    SecretBytes s(kSecret);
    watch(s);
  }
  EXPECT_TRUE(g_watch.freed);
  EXPECT_TRUE(g_watch.zero_when_freed);
}

TEST(SecretBytes, WipeErasesNowAndEmpties) {
  ASSERT_TRUE(g_hooks_installed);
  SecretBytes s(kSecret);
  watch(s);
  s.wipe();
  EXPECT_TRUE(g_watch.freed);
  EXPECT_TRUE(g_watch.zero_when_freed);
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.data(), nullptr);
  s.wipe();  // idempotent
  EXPECT_TRUE(s.empty());
}

TEST(SecretBytes, MoveAssignmentWipesTheOverwrittenSecret) {
  ASSERT_TRUE(g_hooks_installed);
  SecretBytes target(Bytes(16, 0x11));
  SecretBytes source(kSecret);
  watch(target);
  target = std::move(source);
  EXPECT_TRUE(g_watch.freed);
  EXPECT_TRUE(g_watch.zero_when_freed);
  EXPECT_EQ(Bytes(target.begin(), target.end()), kSecret);
}

TEST(SecretBytes, MoveHandsTheBufferOverAndLeavesNothingBehind) {
  SecretBytes a(kSecret);
  const std::uint8_t* buffer = a.data();
  SecretBytes b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(b.data(), buffer);
  EXPECT_EQ(Bytes(b.begin(), b.end()), kSecret);
}

TEST(SecretBytes, SizeConstructorZeroFills) {
  SecretBytes s(48);
  EXPECT_EQ(s.size(), 48u);
  EXPECT_TRUE(std::all_of(s.begin(), s.end(), [](auto b) { return b == 0; }));
  EXPECT_TRUE(SecretBytes(0).empty());
}

TEST(SecretBytes, CloneIsAnIndependentCopy) {
  SecretBytes a(kSecret);
  SecretBytes b = a.clone();
  ASSERT_NE(a.data(), b.data());
  b.span()[0] ^= 0xff;
  EXPECT_EQ(Bytes(a.begin(), a.end()), kSecret);
  EXPECT_NE(Bytes(b.begin(), b.end()), kSecret);
}

}  // namespace
}  // namespace bw::crypto
