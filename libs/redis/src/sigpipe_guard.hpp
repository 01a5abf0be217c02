// Internal: SigpipeGuard keeps a write to a socket the peer has closed from killing the
// process with SIGPIPE, without touching the process-wide disposition (a library must not).
//
// While a guard lives, SIGPIPE is blocked for the calling thread; a SIGPIPE raised by our
// write stays pending and is consumed (sigtimedwait with zero timeout) before the old mask
// is restored. A SIGPIPE that was already pending before the guard is left alone. The write
// itself then fails with EPIPE, which the caller handles as a lost connection.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <ctime>

namespace bw::redis::detail {

class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigset_t pending;
    ::sigemptyset(&pending);
    ::sigpending(&pending);
    was_pending_ = ::sigismember(&pending, SIGPIPE) == 1;
    sigset_t block;
    ::sigemptyset(&block);
    ::sigaddset(&block, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &block, &old_);
  }

  ~SigpipeGuard() {
    int saved_errno = errno;
    if (!was_pending_) {
      sigset_t pending;
      ::sigemptyset(&pending);
      ::sigpending(&pending);
      if (::sigismember(&pending, SIGPIPE) == 1) {
        sigset_t pipe_only;
        ::sigemptyset(&pipe_only);
        ::sigaddset(&pipe_only, SIGPIPE);
        timespec zero{0, 0};
        while (::sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
        }
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    errno = saved_errno;
  }

  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t old_{};
  bool was_pending_ = false;
};

}  // namespace bw::redis::detail
