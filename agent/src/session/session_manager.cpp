// The agent's Claude Code sessions and their approvals; see session_manager.hpp.
#include "session/session_manager.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "bw/crypto/hex.hpp"
#include "bw/crypto/random.hpp"
#include "bw/crypto/sha256.hpp"
#include "bw/log/log.hpp"
#include "hook/approval_policy.hpp"
#include "hook/approval_socket.hpp"
#include "hook/user_hook.hpp"
#include "session/claude_process.hpp"
#include "session/decision_log.hpp"
#include "session/session_bodies.hpp"

extern char** environ;

namespace bw::agent::session {
namespace {

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::map<std::string, std::string> agent_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string_view::npos) env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return env;
}

}  // namespace

struct SessionManager::Session {
  std::string id, folder, settings_path;
  bool trusted = false;
  std::uint64_t seq = 0;
  std::unique_ptr<ClaudeProcess> process;
  // Guarded by the manager's mu_:
  std::string claude_id;
  bool running = true;
  int exit_status = -1;
};

Result<std::unique_ptr<SessionManager>> SessionManager::open(SessionSettings settings, std::string state_dir,
                                                             std::string home, Broadcast broadcast) {
  std::unique_ptr<SessionManager> m(new SessionManager());
  m->settings_ = std::move(settings);
  m->state_dir_ = std::move(state_dir);
  m->home_ = std::move(home);
  m->broadcast_ = std::move(broadcast);
  auto log = DecisionLog::open(m->state_dir_ + "/decisions.jsonl");
  if (!log) return log.error();
  m->log_ = std::move(log).value();
  // Settings files of sessions a crash ended (each named session-<id>.settings.json).
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(m->state_dir_, ec)) {
    const auto name = entry.path().filename().string();
    if (name.rfind("session-", 0) == 0 && name.find(".settings.json") != std::string::npos) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
  if (!m->log_->torn_tail().empty()) {
    log::warn("the decision log ended in an incomplete line (a crash while writing); it was set aside",
              {{"file", m->log_->torn_tail()}});
  }
  auto* raw = m.get();
  auto sock = hook::ApprovalSocket::open(m->state_dir_ + "/approvals.sock",
                                         [raw](const std::string& s, const hook::HookCall& c) { return raw->on_hook(s, c); });
  if (!sock) return sock.error();
  m->socket_ = std::move(sock).value();
  return m;
}

namespace {
constexpr const char* kTerminal = "terminal";  // the label of the user's own sessions
}

Status SessionManager::enable_user_hook(const std::string& user_settings) {
  const std::string secret_file = state_dir_ + "/user-hook.secret";
  const std::string secret = socket_->add_session(kTerminal);
  {
    const int fd = ::open(secret_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    const std::string line = secret + "\n";
    const bool ok = fd >= 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    if (!ok) return Error{1, "cannot write " + secret_file};
  }
  const auto deadline = hook_deadline(settings_);
  const auto command = hook::user_hook_command(settings_.agent_binary, socket_->path(), secret_file, deadline.count());
  if (auto st = hook::install_user_hook(user_settings, command, (settings_.approval_timeout + std::chrono::seconds(30)).count());
      !st) {
    return st;
  }
  user_settings_ = user_settings;
  log::info("approval hook installed in the user's settings", {{"file", user_settings}});
  return {};
}

SessionManager::~SessionManager() {
  if (!user_settings_.empty()) {
    if (auto st = hook::remove_user_hook(user_settings_); !st) {
      log::error("could not remove the approval hook from the user's settings", {{"error", st.error().message}});
    }
    ::unlink((state_dir_ + "/user-hook.secret").c_str());
  }
  broker_.close("the agent is stopping");
  std::vector<std::shared_ptr<Session>> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [_, s] : sessions_) all.push_back(s);
  }
  for (auto& s : all) {
    if (s->process) s->process->stop_async();  // all at once: shutdown takes one grace period, not one each
  }
  for (auto& s : all) s->process.reset();  // joins (callbacks take mu_)
  socket_.reset();
}

Result<SessionInfo> SessionManager::start(const std::string& folder, const std::optional<std::string>& resume) {
  auto project = resolve_project(settings_, folder);
  if (!project) return project.error();
  if (resume && (resume->empty() || resume->size() > 128 ||
                 resume->find_first_not_of("0123456789abcdefABCDEF-") != std::string::npos)) {
    return Error{1, "not a Claude Code session id"};
  }
  auto s = std::make_shared<Session>();
  s->id = crypto::hex_encode(crypto::random(16));
  s->folder = *project;
  s->trusted = is_trusted(settings_, *project);
  s->settings_path = state_dir_ + "/session-" + s->id + ".settings.json";
  std::vector<std::shared_ptr<Session>> forgotten;  // destroyed outside the lock (their exit callbacks take it)
  {
    std::lock_guard lock(mu_);
    std::vector<std::shared_ptr<Session>> ended;
    std::size_t running = 0;
    for (const auto& [_, other] : sessions_) {
      if (other->running) ++running;
      else ended.push_back(other);
    }
    if (running >= static_cast<std::size_t>(settings_.max_sessions)) {
      return Error{1, std::to_string(running) + " sessions are running, the most agent.max_sessions allows; stop one first"};
    }
    std::sort(ended.begin(), ended.end(), [](const auto& a, const auto& b) { return a->seq < b->seq; });
    for (std::size_t i = 0; ended.size() > kKeptEnded + i; ++i) {
      sessions_.erase(ended[i]->id);
      forgotten.push_back(ended[i]);
    }
    s->seq = ++started_;
    sessions_[s->id] = s;
  }
  forgotten.clear();
  const HookWiring wiring{socket_->path(), socket_->add_session(s->id)};
  const auto plan = plan_session(settings_, s->folder, s->trusted, s->settings_path, wiring, resume, agent_environment());
  std::weak_ptr<Session> weak = s;
  const std::string id = s->id;
  auto proc = ClaudeProcess::start(
      plan, s->settings_path,
      [this, weak, id](const StreamEvent& e) {
        if (e.kind != StreamEvent::Kind::kEvent) {
          broadcast_(e2e::Kind::kEvent, event_body(id, "unreadable_output"));
          return;
        }
        if (e.type == "system" && e.subtype == "init" && !e.session_id.empty()) {
          if (auto sp = weak.lock()) {
            std::lock_guard lock(mu_);
            sp->claude_id = e.session_id;
          }
        }
        auto [kind, body] = output_message(id, e.line);
        if (kind != e2e::Kind::kOutput) log::warn("output line too large to send", {{"session", id}, {"bytes", static_cast<std::int64_t>(e.line.size())}});
        broadcast_(kind, body);
      },
      [this, weak, id](int status) {
        if (auto sp = weak.lock()) {
          {
            std::lock_guard lock(mu_);
            sp->running = false;
            sp->exit_status = status;
          }
          ::unlink(sp->settings_path.c_str());
        }
        socket_->remove_session(id);
        log::info("session ended", {{"session", id}, {"status", status}});
        broadcast_(e2e::Kind::kEvent, event_body(id, "exited", {{"status", status}}));
      });
  if (!proc) {
    socket_->remove_session(s->id);
    std::lock_guard lock(mu_);
    sessions_.erase(s->id);
    return proc.error();
  }
  {
    std::lock_guard lock(mu_);
    s->process = std::move(proc).value();
  }
  log::info("session started", {{"session", s->id}, {"trusted", s->trusted}});
  broadcast_(e2e::Kind::kEvent, event_body(s->id, "started", {{"folder", s->folder}, {"trusted", s->trusted}}));
  return SessionInfo{s->id, s->folder, "", true, -1};
}

Status SessionManager::prompt(const std::string& id, const std::string& text) {
  std::shared_ptr<Session> s;
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end() || !it->second->running || !it->second->process) return Error{1, "no such running session"};
    s = it->second;
  }
  return s->process->send_prompt(text);
}

Status SessionManager::interrupt(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end() || !it->second->running || !it->second->process) return Error{1, "no such running session"};
  it->second->process->interrupt();
  return {};
}

Status SessionManager::stop(const std::string& id) {
  std::shared_ptr<Session> s;
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end() || !it->second->process) return Error{1, "no such session"};
    s = it->second;
  }
  s->process->stop_async();  // the "exited" EVENT follows
  return {};
}

std::vector<SessionInfo> SessionManager::list() const {
  std::lock_guard lock(mu_);
  std::vector<SessionInfo> out;
  for (const auto& [id, s] : sessions_) out.push_back({id, s->folder, s->claude_id, s->running, s->exit_status});
  return out;
}

hook::AnswerOutcome SessionManager::answer(ByteView body, e2e::Role role, const std::string& who, std::int64_t now_ms) {
  return broker_.answer(body, role, who, now_ms);
}

SessionManager::Stats SessionManager::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

struct SessionManager::Shared {
  bool done = false;
  hook::Decision decision;
  std::chrono::steady_clock::time_point finished;
};

hook::Decision SessionManager::on_hook(const std::string& session_id, const hook::HookCall& call) {
  if (call.tool_use_id.empty()) return decide(session_id, call);
  const std::string key = session_id + '\n' + call.tool_use_id + '\n' + call.tool_name + '\n' +
                          crypto::hex_encode(crypto::sha256(as_bytes(call.tool_input)));
  constexpr auto kRemembered = std::chrono::seconds(30);
  constexpr std::size_t kMaxRemembered = 4096;
  std::shared_ptr<Shared> mine;
  {
    std::unique_lock lock(shared_mu_);
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(shared_, [&](const auto& kv) {
      return kv.second->done && (kv.second->finished + kRemembered < now || shared_.size() > kMaxRemembered);
    });
    if (auto it = shared_.find(key); it != shared_.end()) {
      auto first = it->second;  // bounded: the first call is decided within the approval timeout
      shared_cv_.wait(lock, [&] { return first->done; });
      lock.unlock();
      std::lock_guard stats_lock(mu_);
      ++stats_.shared;
      return first->decision;
    }
    mine = std::make_shared<Shared>();
    shared_[key] = mine;
  }
  const auto d = decide(session_id, call);
  {
    std::lock_guard lock(shared_mu_);
    mine->decision = d;
    mine->finished = std::chrono::steady_clock::now();
    mine->done = true;
  }
  shared_cv_.notify_all();
  return d;
}

hook::Decision SessionManager::decide(const std::string& session_id, const hook::HookCall& call) {
  hook::SessionContext ctx;
  if (session_id == kTerminal) {
    // The user's own session: its folder is where Claude Code runs.
    std::error_code ec;
    const auto project = std::filesystem::canonical(call.cwd, ec);
    if (ec) return {false, "the session's folder cannot be resolved"};
    ctx.project_dir = project.string();
    ctx.project_trusted = is_trusted(settings_, ctx.project_dir);
  } else {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(session_id);
    if (it == sessions_.end()) return {false, "unknown session"};
    ctx.project_dir = it->second->folder;
    ctx.project_trusted = it->second->trusted;
    ctx.agent_settings_file = it->second->settings_path;
  }
  ctx.home = home_;
  ctx.agent_state_dir = state_dir_;
  DecisionRecord rec;
  rec.session = session_id;
  rec.tool = call.tool_name;
  rec.input_sha256 = crypto::hex_encode(crypto::sha256(as_bytes(call.tool_input)));
  const auto decided = [&](bool allow, std::string by, std::string reason) -> hook::Decision {
    rec.at_ms = wall_ms();
    rec.allow = allow;
    rec.by = std::move(by);
    if (auto st = log_->append(rec); !st) {
      log::error("decision log unwritable; denying", {{"error", st.error().message}});
      return {false, "the agent cannot record the decision"};
    }
    log::info("tool call decided", {{"session", session_id}, {"tool", call.tool_name}, {"by", rec.by},
                                     {"result", allow ? "allow" : "deny"}});
    return {allow, std::move(reason)};
  };

  const auto local = hook::decide_locally(ctx, call);
  rec.rule = local.rule;
  rec.file = local.file;
  if (local.route == hook::Route::kDeny) {
    std::lock_guard lock(mu_);
    ++stats_.by_rule_deny;
  }
  if (local.route == hook::Route::kDeny) return decided(false, "rule", "denied by " + (local.rule.empty() ? local.reason : local.rule));
  if (local.route == hook::Route::kAllow) {
    {
      std::lock_guard lock(mu_);
      ++stats_.by_rule_allow;
    }
    return decided(true, local.rule.empty() ? "workspace" : "rule",
                   local.rule.empty() ? local.reason : "allowed by " + local.rule);
  }
  const auto deadline = std::chrono::steady_clock::now() + settings_.approval_timeout;
  const auto req = broker_.open(session_id, call, wall_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                  settings_.approval_timeout).count());
  {
    std::lock_guard lock(mu_);
    ++stats_.asked;
  }
  broadcast_(e2e::Kind::kApprovalRequest, req.body);
  const auto r = broker_.wait(req.id, deadline);
  {
    std::lock_guard lock(mu_);
    if (r.who.empty()) ++stats_.timeouts;
    else (r.allow ? stats_.client_allow : stats_.client_deny)++;
  }
  rec.client = r.who;
  return decided(r.allow, r.who.empty() ? "timeout" : "client", r.reason);
}

}  // namespace bw::agent::session
