// Facts about the machine a benchmark ran on, printed above its figures so that a reader can
// judge them (a loaded machine shows in the load average).
#pragma once

#include <string>

namespace bw::bench {

// "2 cores (nproc), <cpu model>, load average <1/5/15 min>".
std::string machine_summary();
// "<1 min> <5 min> <15 min>" from /proc/loadavg.
std::string load_average();
// "YYYY-MM-DD HH:MM UTC": when the run started, for its heading.
std::string utc_now();

}  // namespace bw::bench
