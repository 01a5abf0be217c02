// Machine facts for benchmark reports (machine.hpp).
#include "machine.hpp"

#include <cstdio>
#include <ctime>
#include <fstream>
#include <thread>

namespace bw::bench {
namespace {

std::string first_line_after(const std::string& file, const std::string& prefix) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

}  // namespace

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  double a = 0, b = 0, c = 0;
  in >> a >> b >> c;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %.2f %.2f", a, b, c);
  return buf;
}

std::string machine_summary() {
  return std::to_string(std::thread::hardware_concurrency()) + " cores (nproc), " +
         first_line_after("/proc/cpuinfo", "model name") + ", load average " + load_average();
}

}  // namespace bw::bench
