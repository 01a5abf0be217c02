// One Claude Code child process (session_plan.hpp says how it is started): its stdin takes
// stream-json user messages, its stdout is read line by line (StreamJsonReader) on a
// thread of its own, its stderr is drained and only its size is reported (it may hold
// content). The child gets its own process group, so stop() reaches the tools it started.
// Thread-safety: send_*/interrupt/stop from any thread; callbacks run on the reader thread
// (on_exit after the last on_event) and must not destroy the ClaudeProcess.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "bw/result.hpp"
#include "session/session_plan.hpp"
#include "session/stream_json.hpp"

namespace bw::agent::session {

class ClaudeProcess {
 public:
  using OnEvent = std::function<void(const StreamEvent&)>;
  using OnExit = std::function<void(int status)>;  // exit code, or 128 + signal

  // Writes plan.settings_json to settings_path (0600), then spawns. Errors: the settings file
  // or the spawn failed (e.g. claude not found).
  static Result<std::unique_ptr<ClaudeProcess>> start(const SpawnPlan& plan, const std::string& settings_path,
                                                      OnEvent on_event, OnExit on_exit);
  ~ClaudeProcess();  // stop(), then joins the reader threads

  // One user turn: {"type":"user","message":{"role":"user","content":[{"type":"text","text":…}]}}.
  Status send_prompt(const std::string& text);
  // Stops the current turn (SIGINT to the child, as Ctrl-C would).
  void interrupt();
  // Ends the session: closes stdin, then SIGTERM to the group after 3 s, SIGKILL after 6 s;
  // returns once the child exited (its exit callback has run).
  void stop();
  // The same on a thread of its own, returning at once (the caller — e.g. the agent's one
  // delivery thread — must not wait up to 6 s); the destructor joins it.
  void stop_async();
  bool running() const;
  int pid() const;

 private:
  struct Impl;
  explicit ClaudeProcess(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bw::agent::session
