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
#include <fstream>
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

struct Wiring {
  std::string socket, secret, deadline = "110000";
};

// From the environment, or from --from-user-settings arguments. Errors: a reason to deny.
Result<Wiring> wiring(int argc, char** argv) {
  Wiring w;
  if (argc <= 1) {
    w.socket = env("BREAKWATER_HOOK_SOCKET");
    w.secret = env("BREAKWATER_HOOK_SECRET");
    if (const auto d = env("BREAKWATER_HOOK_DEADLINE_MS"); !d.empty()) w.deadline = d;
    if (w.socket.empty() || w.secret.empty()) return Error{1, "this session was not started by breakwater-agent"};
    return w;
  }
  if (std::string_view(argv[1]) != "--from-user-settings") return Error{1, "unknown hook arguments"};
  std::string secret_file;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string_view k = argv[i];
    if (k == "--socket") w.socket = argv[i + 1];
    else if (k == "--secret-file") secret_file = argv[i + 1];
    else if (k == "--deadline-ms") w.deadline = argv[i + 1];
    else return Error{1, "unknown hook arguments"};
  }
  if (argc % 2 != 0 || w.socket.empty() || secret_file.empty()) return Error{1, "incomplete hook arguments"};
  // A session breakwater-agent started loads the user's settings too, so this hook runs
  // beside the session's own one: speak for that session (same socket, its secret), and
  // the agent makes one request of the two. Only for this agent's socket: an environment
  // naming another socket is ignored, and a forged secret for this one is denied.
  if (const auto s = env("BREAKWATER_HOOK_SOCKET"), secret = env("BREAKWATER_HOOK_SECRET");
      s == w.socket && !secret.empty()) {
    w.secret = secret;
    if (const auto d = env("BREAKWATER_HOOK_DEADLINE_MS"); !d.empty()) w.deadline = d;
    return w;
  }
  std::ifstream in(secret_file);
  if (!in || !std::getline(in, w.secret) || w.secret.empty() || w.secret.size() > 256) {
    return Error{1, "breakwater-agent is not running (no hook secret)"};
  }
  return w;
}

Decision decide(int argc, char** argv) {
  const auto started = Clock::now();
  auto w = wiring(argc, argv);
  if (!w) return {false, w.error().message};
  long deadline_ms = 0;
  {
    char* end = nullptr;
    const long v = std::strtol(w->deadline.c_str(), &end, 10);
    if (end == w->deadline.c_str() || *end != '\0' || v < 100 || v > 3600000) return {false, "the hook deadline is invalid"};
    deadline_ms = v;
  }
  // A margin for printing and exiting before the deadline.
  const auto deadline = started + std::chrono::milliseconds(deadline_ms - std::min(deadline_ms / 10, 2000L));
  const std::string input = read_stdin();
  if (input.size() > kMaxInput) return {false, "the tool call is too large to review"};
  auto call = parse_hook_input(input);
  if (!call) return {false, "unreadable hook input (" + call.error().message + ")"};
  auto answer = ask_agent(w->socket, encode_request(*call, w->secret), deadline);
  if (!answer) return {false, answer.error().message};
  return *answer;
}

}  // namespace

int hook_command(int argc, char** argv) {
  try {
    const std::string out = claude_output(decide(argc, argv));
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
