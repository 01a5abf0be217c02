// The hash-chained decision log; see decision_log.hpp.
#include "session/decision_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string_view>

#include "bw/crypto/hex.hpp"
#include "bw/crypto/sha256.hpp"

namespace bw::agent::session {
namespace {

const std::string kZero(64, '0');
constexpr std::size_t kMaxLogBytes = std::size_t{1} << 30;  // far beyond any real log; refuses nonsense

std::string line_hash(std::string_view line) { return crypto::hex_encode(crypto::sha256(as_bytes(line))); }

Result<std::string> read_all(int fd, const std::string& path) {
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{1, "cannot read " + path + ": " + std::strerror(errno)};
    if (n == 0) return text;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxLogBytes) return Error{1, path + " is too large to check"};
  }
}

// Checks the chain over the complete lines of `text`; the hash of the last one, or an error
// naming the first line that does not chain.
Result<std::string> check_chain(std::string_view text, std::size_t* lines) {
  std::string prev = kZero;
  std::size_t n = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos) break;  // the caller decides about a fragment
    const auto line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    ++n;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("prev") || !j["prev"].is_string() || j["prev"].get<std::string>() != prev) {
      return Error{1, "decision log line " + std::to_string(n) + " does not chain to the one before"};
    }
    prev = line_hash(line);
  }
  if (lines) *lines = n;
  return prev;
}

}  // namespace

Result<std::size_t> DecisionLog::verify(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) return std::size_t{0};
  if (fd < 0) return Error{1, "cannot open " + path + ": " + std::strerror(errno)};
  auto text = read_all(fd, path);
  ::close(fd);
  if (!text) return text.error();
  std::size_t n = 0;
  if (auto chain = check_chain(*text, &n); !chain) return chain.error();
  if (!text->empty() && text->back() != '\n') {
    return Error{1, "decision log line " + std::to_string(n + 1) + " is incomplete (a write cut short)"};
  }
  return n;
}

Result<std::unique_ptr<DecisionLog>> DecisionLog::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Error{1, "cannot open the decision log: " + std::string(std::strerror(errno))};
  struct Closer {
    int fd;
    ~Closer() {
      if (fd >= 0) ::close(fd);
    }
  } closer{fd};
  auto text = read_all(fd, path);
  if (!text) return text.error();
  auto last = check_chain(*text, nullptr);
  if (!last) return last.error();
  std::string torn;
  const auto complete = text->rfind('\n') == std::string::npos ? 0 : text->rfind('\n') + 1;
  if (complete < text->size()) {
    // Keep the fragment for whoever looks into it, then cut the log back to whole lines.
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
    torn = path + ".torn-" + std::to_string(ms);
    const int out = ::open(torn.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    const std::string_view fragment = std::string_view(*text).substr(complete);
    const bool saved = out >= 0 && ::write(out, fragment.data(), fragment.size()) == static_cast<ssize_t>(fragment.size()) &&
                       ::fsync(out) == 0;
    if (out >= 0) ::close(out);
    if (!saved) return Error{1, "cannot set the decision log's incomplete last line aside in " + torn};
    if (::ftruncate(fd, static_cast<off_t>(complete)) != 0 || ::fsync(fd) != 0) {
      return Error{1, "cannot cut the decision log back to its last complete line: " + std::string(std::strerror(errno))};
    }
  }
  closer.fd = -1;
  return std::unique_ptr<DecisionLog>(new DecisionLog(fd, std::move(last).value(), static_cast<off_t>(complete), torn));
}

DecisionLog::DecisionLog(int fd, std::string last, off_t size, std::string torn_tail)
    : fd_(fd), last_(std::move(last)), size_(size), torn_tail_(std::move(torn_tail)) {}
DecisionLog::~DecisionLog() { ::close(fd_); }

Status DecisionLog::append(const DecisionRecord& r) {
  std::lock_guard lock(mu_);
  nlohmann::json j{{"at_ms", r.at_ms}, {"by", r.by},       {"client", r.client},         {"file", r.file},
                   {"input_sha256", r.input_sha256},       {"prev", last_},              {"result", r.allow ? "allow" : "deny"},
                   {"rule", r.rule},   {"session", r.session}, {"tool", r.tool}};
  const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const std::string out = line + "\n";
  ssize_t n = 0;
  do {
    n = ::write(fd_, out.data(), out.size());
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(out.size()) || ::fdatasync(fd_) != 0) {
    // Cut off whatever part of the line reached the file, so the next append still chains.
    if (::ftruncate(fd_, size_) != 0) return Error{1, "cannot append to the decision log, nor undo a partial line"};
    return Error{1, "cannot append to the decision log"};
  }
  size_ += static_cast<off_t>(out.size());
  last_ = line_hash(line);
  return {};
}

}  // namespace bw::agent::session
