// Connection: hiredis 0.14's blocking API with the failure rules of connection.hpp.
//
// Invariant: impl_->ctx is either null or a context with no error and no unread reply.
// Any transport failure drops the context at once, so a late reply can never be read as
// the answer to a later command, and the next call starts from a fresh connection.
#include "bw/redis/connection.hpp"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <poll.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <random>
#include <thread>
#include <utility>

#include "bw/redis/errors.hpp"
#include "hiredis_reply.hpp"
#include "sigpipe_guard.hpp"

namespace bw::redis {
namespace {

using Clock = std::chrono::steady_clock;

struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyFree {
  void operator()(void* r) const { freeReplyObject(r); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextFree>;
using ReplyPtr = std::unique_ptr<void, ReplyFree>;

// hiredis reads a zero timeval as "no timeout": never pass one.
timeval to_timeval(std::chrono::milliseconds ms) {
  long long total = std::max<long long>(1, ms.count());
  return timeval{static_cast<time_t>(total / 1000), static_cast<suseconds_t>(total % 1000 * 1000)};
}

// argv as the pointer/length arrays hiredis wants (binary-safe: lengths, not NULs).
struct ArgvView {
  explicit ArgvView(const std::vector<std::string>& argv) {
    for (const auto& arg : argv) {
      ptrs.push_back(arg.data());
      lens.push_back(arg.size());
    }
  }
  int argc() const { return static_cast<int>(ptrs.size()); }
  std::vector<const char*> ptrs;
  std::vector<std::size_t> lens;
};

Status validate(const std::vector<std::string>& argv) {
  if (argv.empty()) return make_error(Errc::kInvalidArgument, "empty command");
  std::string name = argv.front();
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (name == "SUBSCRIBE" || name == "PSUBSCRIBE" || name == "SSUBSCRIBE" || name == "MONITOR") {
    return make_error(Errc::kInvalidArgument, name + " needs a dedicated reader connection");
  }
  return {};
}

// True when the server has closed (or reset) the connection: with no request outstanding a
// RESP2 server never sends anything, so any readability means EOF or an error.
bool peer_closed(const redisContext& ctx) {
  pollfd p{ctx.fd, POLLIN | POLLRDHUP, 0};
  return ::poll(&p, 1, 0) != 0;
}

struct CallState {
  Clock::time_point start = Clock::now();
  int attempts = 0;
};

}  // namespace

struct Connection::Impl {
  ConnectionOptions options;
  ContextPtr ctx;
  ConnectionStats stats;
  std::minstd_rand rng{std::random_device{}()};

  std::string where() const { return "redis " + options.host + ":" + std::to_string(options.port); }

  // A failed hiredis call on c: kTimeout, kConnectionLost (in flight) / kConnect, kProtocol.
  Error classify(const redisContext& c, int saved_errno, bool in_flight) const {
    if (c.err == REDIS_ERR_IO && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK)) {
      auto limit = std::to_string(options.command_timeout.count());
      return make_error(Errc::kTimeout, where() + ": no reply within " + limit + " ms");
    }
    std::string message = where() + ": " + c.errstr;
    if (c.err == REDIS_ERR_IO || c.err == REDIS_ERR_EOF) {
      return make_error(in_flight ? Errc::kConnectionLost : Errc::kConnect, message);
    }
    return make_error(Errc::kProtocol, message);
  }

  // One command on c. Transport errors are classified; error replies stay replies.
  Result<Reply> exec_on(redisContext& c, const std::vector<std::string>& argv, bool in_flight) {
    ArgvView view(argv);
    void* raw = nullptr;
    int saved_errno = 0;
    {
      detail::SigpipeGuard guard;
      raw = redisCommandArgv(&c, view.argc(), view.ptrs.data(), view.lens.data());
      saved_errno = errno;
    }
    ReplyPtr reply(raw);
    if (!reply) return classify(c, saved_errno, in_flight);
    return detail::to_reply(static_cast<redisReply*>(reply.get()));
  }

  Status handshake(redisContext& c) {
    if (!options.password.empty()) {
      auto auth = exec_on(c, {"AUTH", options.password}, false);
      if (!auth) return auth.error();
      if (auth->is_error()) return make_error(Errc::kAuth, where() + ": " + auth->as_string());
    }
    if (options.db != 0) {
      auto select = exec_on(c, {"SELECT", std::to_string(options.db)}, false);
      if (!select) return select.error();
      if (select->is_error()) {
        return make_error(Errc::kServerError, where() + ": " + select->as_string());
      }
    }
    return {};
  }

  Result<ContextPtr> open_context() {
    ContextPtr c(redisConnectWithTimeout(options.host.c_str(), options.port,
                                         to_timeval(options.connect_timeout)));
    if (!c) return make_error(Errc::kConnect, where() + ": cannot allocate a context");
    if (c->err != 0) return make_error(Errc::kConnect, where() + ": " + c->errstr);
    ::fcntl(c->fd, F_SETFD, FD_CLOEXEC);  // hiredis 0.14 does not: keep it from children
    if (redisSetTimeout(c.get(), to_timeval(options.command_timeout)) != REDIS_OK) {
      return make_error(Errc::kConnect, where() + ": cannot set timeouts: " + c->errstr);
    }
    if (Status ok = handshake(*c); !ok) return ok.error();
    return c;
  }

  // Counts an attempt and sleeps its backoff; false when the policy allows no more.
  bool next_attempt(CallState& call) {
    const RetryPolicy& policy = options.retry;
    if (call.attempts >= policy.max_attempts) return false;
    ++call.attempts;
    auto delay = backoff_delay(policy, call.attempts,
                               std::uniform_real_distribution<double>(0.0, 1.0)(rng));
    if (call.attempts > 1 && Clock::now() + delay > call.start + policy.budget) return false;
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    return true;
  }

  Status ensure_connected(CallState& call) {
    if (ctx && peer_closed(*ctx)) {
      ctx.reset();
      ++stats.stale_replaced;
    }
    if (ctx) return {};
    Error last = make_error(Errc::kConnect, where() + ": no connection attempt allowed");
    while (next_attempt(call)) {
      auto opened = open_context();
      if (opened) {
        ctx = std::move(opened).value();
        ++stats.connects;
        return {};
      }
      ++stats.connect_failures;
      if (!has_code(opened.error(), Errc::kConnect)) return opened.error();
      last = opened.error();
    }
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - call.start);
    return make_error(Errc::kConnect, last.message + " (gave up after " +
                                          std::to_string(call.attempts) + " attempts in " +
                                          std::to_string(elapsed.count()) + " ms)");
  }

  // Drops the context after a transport failure and counts it.
  Error drop(Error error) {
    ctx.reset();
    if (has_code(error, Errc::kTimeout)) ++stats.timeouts;
    if (has_code(error, Errc::kConnectionLost)) ++stats.lost;
    return error;
  }

  Result<Reply> send_one(const std::vector<std::string>& argv) {
    auto reply = exec_on(*ctx, argv, true);
    if (!reply) return drop(reply.error());
    return reply;
  }

  Result<std::vector<Reply>> send_all(const std::vector<std::vector<std::string>>& commands) {
    for (const auto& argv : commands) {
      ArgvView view(argv);
      if (redisAppendCommandArgv(ctx.get(), view.argc(), view.ptrs.data(), view.lens.data()) !=
          REDIS_OK) {
        return drop(make_error(Errc::kConnect, where() + ": cannot buffer the pipeline"));
      }
    }
    std::vector<Reply> replies;
    replies.reserve(commands.size());
    detail::SigpipeGuard guard;
    for (std::size_t i = 0; i < commands.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(ctx.get(), &raw) != REDIS_OK) return drop(classify(*ctx, errno, true));
      ReplyPtr owned(raw);
      auto reply = detail::to_reply(static_cast<redisReply*>(owned.get()));
      if (!reply) return drop(reply.error());
      replies.push_back(std::move(reply).value());
    }
    return replies;
  }

  // Connects as needed and runs send(); resends only idempotent calls whose connection broke.
  template <class T, class Send>
  Result<T> call(Idempotent idempotent, Send send) {
    CallState state;
    for (;;) {
      if (Status ready = ensure_connected(state); !ready) return ready.error();
      Result<T> result = send();
      if (result.ok() || idempotent == Idempotent::kNo ||
          !has_code(result.error(), Errc::kConnectionLost) ||
          state.attempts >= options.retry.max_attempts) {
        return result;
      }
      ++stats.resends;
    }
  }
};

Connection::Connection(ConnectionOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

Connection::~Connection() = default;
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;

Status Connection::connect() {
  CallState state;
  return impl_->ensure_connected(state);
}

bool Connection::connected() const { return impl_->ctx != nullptr; }

void Connection::disconnect() { impl_->ctx.reset(); }

Result<Reply> Connection::command(const std::vector<std::string>& argv, Idempotent idempotent) {
  if (Status valid = validate(argv); !valid) return valid.error();
  auto reply = impl_->call<Reply>(idempotent, [&] { return impl_->send_one(argv); });
  if (!reply) return reply;
  return error_reply_to_result(std::move(reply).value());
}

Result<std::vector<Reply>> Connection::pipeline(
    const std::vector<std::vector<std::string>>& commands, Idempotent idempotent) {
  for (const auto& argv : commands) {
    if (Status valid = validate(argv); !valid) return valid.error();
  }
  if (commands.empty()) return std::vector<Reply>{};
  return impl_->call<std::vector<Reply>>(idempotent, [&] { return impl_->send_all(commands); });
}

const ConnectionOptions& Connection::options() const { return impl_->options; }

const ConnectionStats& Connection::stats() const { return impl_->stats; }

}  // namespace bw::redis
