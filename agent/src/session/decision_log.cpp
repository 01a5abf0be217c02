// The hash-chained decision log; see decision_log.hpp.
#include "session/decision_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bw/crypto/hex.hpp"
#include "bw/crypto/sha256.hpp"

namespace bw::agent::session {
namespace {

const std::string kZero(64, '0');

std::string line_hash(const std::string& line) { return crypto::hex_encode(crypto::sha256(as_bytes(line))); }

}  // namespace

Result<std::size_t> DecisionLog::verify(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::size_t{0};
  std::string line, prev = kZero;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("prev") || !j["prev"].is_string() || j["prev"].get<std::string>() != prev) {
      return Error{1, "decision log line " + std::to_string(n) + " does not chain to the one before"};
    }
    prev = line_hash(line);
  }
  return n;
}

Result<std::unique_ptr<DecisionLog>> DecisionLog::open(const std::string& path) {
  auto n = verify(path);
  if (!n) return n.error();
  std::string last = kZero;
  {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) last = line_hash(line);
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Error{1, "cannot open the decision log: " + std::string(std::strerror(errno))};
  return std::unique_ptr<DecisionLog>(new DecisionLog(fd, std::move(last)));
}

DecisionLog::DecisionLog(int fd, std::string last) : fd_(fd), last_(std::move(last)) {}
DecisionLog::~DecisionLog() { ::close(fd_); }

Status DecisionLog::append(const DecisionRecord& r) {
  std::lock_guard lock(mu_);
  nlohmann::json j{{"at_ms", r.at_ms}, {"by", r.by},       {"client", r.client},         {"file", r.file},
                   {"input_sha256", r.input_sha256},       {"prev", last_},              {"result", r.allow ? "allow" : "deny"},
                   {"rule", r.rule},   {"session", r.session}, {"tool", r.tool}};
  const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const std::string out = line + "\n";
  if (::write(fd_, out.data(), out.size()) != static_cast<ssize_t>(out.size()) || ::fdatasync(fd_) != 0) {
    return Error{1, "cannot append to the decision log"};
  }
  last_ = line_hash(line);
  return {};
}

}  // namespace bw::agent::session
