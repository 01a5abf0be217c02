// cmake/grpc_runtime.cpp reaches every target that links gRPC: Abseil's deadlock graph is
// off. With it on (Debian's default), taking two mutexes in both orders aborts the process.
#include <absl/synchronization/mutex.h>
#include <gtest/gtest.h>

#include <cstdlib>

namespace {

void take_in_both_orders() {
  absl::Mutex a;
  absl::Mutex b;
  a.Lock();
  b.Lock();
  b.Unlock();
  a.Unlock();
  b.Lock();
  a.Lock();  // "potential deadlock": the graph now has a→b and b→a
  a.Unlock();
  b.Unlock();
}

TEST(GrpcRuntime, AbseilDeadlockGraphIsOffInEveryGrpcTarget) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        take_in_both_orders();
        std::exit(0);
      },
      testing::ExitedWithCode(0), "")
      << "absl::Mutex deadlock detection is on: cmake/grpc_runtime.cpp was not linked in";
}

}  // namespace
