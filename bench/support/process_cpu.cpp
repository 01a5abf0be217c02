// Process CPU time (see process_cpu.hpp).
#include "process_cpu.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace bw::bench {

double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return 0;
  const auto close = line.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return 0;
  std::istringstream fields(line.substr(close + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // state .. cmajflt
  unsigned long long utime = 0, stime = 0;
  fields >> utime >> stime;
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

CpuMeter::CpuMeter(std::vector<pid_t> pids) : pids_(std::move(pids)), since_(std::chrono::steady_clock::now()) {
  for (pid_t p : pids_) start_.push_back(process_cpu_seconds(p));
}

std::vector<double> CpuMeter::percent() {
  const auto now = std::chrono::steady_clock::now();
  const double wall = std::chrono::duration<double>(now - since_).count();
  std::vector<double> out;
  for (std::size_t i = 0; i < pids_.size(); ++i) {
    const double cpu = process_cpu_seconds(pids_[i]);
    out.push_back(wall > 0 ? 100 * (cpu - start_[i]) / wall : 0);
    start_[i] = cpu;
  }
  since_ = now;
  return out;
}

}  // namespace bw::bench
