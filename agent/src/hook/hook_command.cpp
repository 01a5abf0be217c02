// breakwater-agent hook; see hook_command.hpp.
#include "hook/hook_command.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "hook/hook_wire.hpp"

namespace bw::agent::hook {
namespace {

using Clock = std::chrono::steady_clock;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Reads all of stdin, up to kMaxInput + 1 bytes (more means too large).
std::string read_stdin() {
  std::string in;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    in.append(buf, static_cast<std::size_t>(n));
    if (in.size() > kMaxInput) break;
  }
  return in;
}

Result<Decision> ask_agent(const std::string& path, const std::string& request, Clock::time_point deadline) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) return Error{1, "the approval socket path is invalid"};
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{1, "cannot create a socket"};
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return Error{1, "the agent's approval socket is unreachable (is breakwater-agent running?)"};
  }
  std::string_view out = request;
  while (!out.empty()) {
    const ssize_t n = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error{1, "the agent closed the approval socket"};
    out.remove_prefix(static_cast<std::size_t>(n));
  }
  std::string line;
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return Error{1, "no decision before the approval deadline"};
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return Error{1, "no decision before the approval deadline"};
    if (r < 0) return Error{1, "the approval socket failed"};
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error{1, "the agent closed the approval socket without a decision"};
    line.append(buf, static_cast<std::size_t>(n));
    if (auto nl = line.find('\n'); nl != std::string::npos) return parse_answer(std::string_view(line).substr(0, nl));
    if (line.size() > kMaxLine) return Error{1, "the agent's answer is too large"};
  }
}

Decision decide() {
  const auto started = Clock::now();
  long deadline_ms = 110000;
  if (const auto d = env("BREAKWATER_HOOK_DEADLINE_MS"); !d.empty()) {
    char* end = nullptr;
    const long v = std::strtol(d.c_str(), &end, 10);
    if (end == d.c_str() || *end != '\0' || v < 100 || v > 3600000) return {false, "BREAKWATER_HOOK_DEADLINE_MS is invalid"};
    deadline_ms = v;
  }
  // A margin for printing and exiting before the deadline.
  const auto deadline = started + std::chrono::milliseconds(deadline_ms - std::min(deadline_ms / 10, 2000L));
  const std::string input = read_stdin();
  if (input.size() > kMaxInput) return {false, "the tool call is too large to review"};
  auto call = parse_hook_input(input);
  if (!call) return {false, "unreadable hook input (" + call.error().message + ")"};
  const std::string socket = env("BREAKWATER_HOOK_SOCKET"), secret = env("BREAKWATER_HOOK_SECRET");
  if (socket.empty() || secret.empty()) return {false, "this session was not started by breakwater-agent"};
  auto answer = ask_agent(socket, encode_request(*call, secret), deadline);
  if (!answer) return {false, answer.error().message};
  return *answer;
}

}  // namespace

int hook_command() {
  try {
    const std::string out = claude_output(decide());
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
      std::fputs("breakwater-agent hook: cannot write the decision; blocking the tool call\n", stderr);
      return 2;
    }
    return 0;
  } catch (...) {
    std::fputs("breakwater-agent hook: internal error; blocking the tool call\n", stderr);
    return 2;
  }
}

}  // namespace bw::agent::hook
