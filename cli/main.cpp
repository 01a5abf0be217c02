// breakwater: the terminal client. Commands are dispatched to one file each in src/.
#include <iostream>
#include <string_view>

#include "health_command.hpp"

namespace {

constexpr const char* kUsage =
    "breakwater — drive your Breakwater agents from a terminal\n\n"
    "Usage: breakwater COMMAND [options]\n\n"
    "Commands:\n"
    "  health ADDRESS   check a service's gRPC health (see breakwater health --help)\n"
    "  version          print the version\n"
    "  help             show this text\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return std::cerr << kUsage, 2;
  const std::string_view cmd = argv[1];
  if (cmd == "help" || cmd == "--help" || cmd == "-h") return std::cout << kUsage, 0;
  if (cmd == "version" || cmd == "--version") return std::cout << "breakwater " << BW_VERSION << "\n", 0;
  if (cmd == "health") return bw::cli::health_command(argc - 2, argv + 2);
  std::cerr << "breakwater: unknown command '" << cmd << "'\n\n" << kUsage;
  return 2;
}
