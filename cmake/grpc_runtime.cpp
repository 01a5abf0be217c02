// Linked into every target that links bw::grpc (cmake/Dependencies.cmake), before main().
//
// Debian builds Abseil without NDEBUG, which leaves absl::Mutex's deadlock detection on:
// every lock taken while another is held records an edge in one process-wide graph guarded
// by one global lock. gRPC 1.51 takes absl::Mutex on every call, so this debugging aid cost
// 5-12% of the CPU of the relay's gRPC threads and of the benchmark's agents, and 4x the time
// of a nested lock (105 against 27 ns, measured here). Release builds of Abseil ship with it
// off; this turns it off the same way. It never changed behaviour: it only aborts a process
// whose Abseil mutexes were taken in a cycle of orders (gRPC's own locks, not ours).
#include <absl/synchronization/mutex.h>

namespace {

const bool kDeadlockGraphOff = [] {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return true;
}();

}  // namespace
