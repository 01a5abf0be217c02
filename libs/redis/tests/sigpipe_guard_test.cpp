// SigpipeGuard: a write to a closed socket fails with EPIPE instead of killing the process,
// leaves no pending SIGPIPE behind, and restores the thread's signal mask.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

#include "sigpipe_guard.hpp"

namespace bw::redis::detail {
namespace {

bool sigpipe_blocked() {
  sigset_t mask;
  ::pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  return ::sigismember(&mask, SIGPIPE) == 1;
}

bool sigpipe_pending() {
  sigset_t pending;
  ::sigpending(&pending);
  return ::sigismember(&pending, SIGPIPE) == 1;
}

TEST(SigpipeGuard, WriteToClosedPeerFailsWithEpipeAndLeavesNothingPending) {
  std::signal(SIGPIPE, SIG_DFL);  // the default disposition: an unguarded write would kill us
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  ::close(fds[1]);
  ASSERT_FALSE(sigpipe_blocked());
  ssize_t written = 0;
  int error = 0;
  {
    SigpipeGuard guard;
    EXPECT_TRUE(sigpipe_blocked());
    written = ::write(fds[0], "x", 1);
    error = errno;
  }
  ::close(fds[0]);
  EXPECT_EQ(written, -1);
  EXPECT_EQ(error, EPIPE);
  EXPECT_FALSE(sigpipe_pending());
  EXPECT_FALSE(sigpipe_blocked());
}

}  // namespace
}  // namespace bw::redis::detail
