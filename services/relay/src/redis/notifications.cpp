// Notifications over one dedicated hiredis connection (notifications.hpp).
//
// The thread owns the connection and `requested` (devices we sent SSUBSCRIBE for on this
// connection). Other threads only touch `wanted` (device → count) and `changed` (devices
// whose subscription may need a command) under the mutex, and poke an eventfd. Each loop
// turn: (re)connect if needed (then every wanted device counts as changed), send the
// commands for up to kSyncChunk changed devices, then poll() the socket and the eventfd,
// read what arrived and dispatch it. The socket is only read after poll()
// says so, so the thread never sits in a blocking read and stop() is always heard.
#include "redis/notifications.hpp"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bw/redis/errors.hpp"

namespace bw::relay::redis {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct DeviceHash {
  std::size_t operator()(const DeviceId& d) const {
    return std::hash<std::string_view>()(
        std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
  }
};

struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextFree>;
using ReplyPtr = std::unique_ptr<redisReply, ReplyFree>;

timeval to_timeval(milliseconds ms) {
  long long total = std::max<long long>(1, ms.count());
  return timeval{static_cast<time_t>(total / 1000), static_cast<suseconds_t>(total % 1000 * 1000)};
}

std::string_view text_of(const redisReply* r) {
  if (r == nullptr || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS &&
                       r->type != REDIS_REPLY_ERROR)) {
    return {};
  }
  return {r->str, r->len};
}

// Appends one command to the context's output buffer.
bool append_command(redisContext& c, const std::vector<std::string>& argv) {
  std::vector<const char*> ptrs;
  std::vector<std::size_t> lens;
  for (const auto& arg : argv) {
    ptrs.push_back(arg.data());
    lens.push_back(arg.size());
  }
  return redisAppendCommandArgv(&c, static_cast<int>(argv.size()), ptrs.data(), lens.data()) ==
         REDIS_OK;
}

}  // namespace

struct Notifications::Impl {
  NotificationsOptions options;
  MessageHandler on_message;
  ResyncHandler on_resync;
  NotificationStats stats;

  mutable std::mutex mu;
  std::unordered_map<DeviceId, int, DeviceHash> wanted;  // guarded by mu
  std::unordered_set<DeviceId, DeviceHash> changed;       // guarded by mu: to (un)subscribe
  bool stopping = false;                                  // guarded by mu
  int wake_fd = -1;
  std::thread thread;

  // Subscriber thread only.
  ContextPtr ctx;
  std::unordered_set<DeviceId, DeviceHash> requested;
  Clock::time_point last_traffic;
  bool awaiting_pong = false;
  bool healthy = false;  // this connection has answered something other than an error
  std::minstd_rand rng{std::random_device{}()};

  bool should_stop() const {
    std::lock_guard lock(mu);
    return stopping;
  }
  bool is_wanted(const DeviceId& device) const {
    std::lock_guard lock(mu);
    return wanted.count(device) != 0;
  }
  void wake() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
  }
  void drain_wake() const {
    std::uint64_t value = 0;
    [[maybe_unused]] auto n = ::read(wake_fd, &value, sizeof value);
  }

  // Waits up to `delay`, or less if woken (stop, new subscriptions).
  void wait_for(milliseconds delay) {
    pollfd p{wake_fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(delay.count())) > 0) drain_wake();
  }

  void run();
  bool open();
  void drop();
  bool sync(bool& more);
  bool flush();
  bool pump(bool more);
  bool handle(const redisReply& reply);
  bool handle_array(const redisReply& reply);
};

// Connects and authenticates. On failure, false with ctx empty.
bool Notifications::Impl::open() {
  const auto& c = options.connection;
  ContextPtr fresh(redisConnectWithTimeout(c.host.c_str(), c.port, to_timeval(c.connect_timeout)));
  if (!fresh || fresh->err != 0) return false;
  ::fcntl(fresh->fd, F_SETFD, FD_CLOEXEC);
  if (redisSetTimeout(fresh.get(), to_timeval(c.command_timeout)) != REDIS_OK) return false;
  if (!c.password.empty()) {
    const char* argv[] = {"AUTH", c.password.data()};
    const std::size_t lens[] = {4, c.password.size()};
    ReplyPtr auth(static_cast<redisReply*>(redisCommandArgv(fresh.get(), 2, argv, lens)));
    if (!auth || auth->type == REDIS_REPLY_ERROR) return false;
  }
  ctx = std::move(fresh);
  requested.clear();
  {
    std::lock_guard lock(mu);  // a fresh connection has no subscription: all of them again
    for (const auto& [device, count] : wanted) changed.insert(device);
  }
  last_traffic = Clock::now();
  awaiting_pong = false;
  healthy = false;
  ++stats.connects;
  stats.connected = true;
  return true;
}

void Notifications::Impl::drop() {
  if (!ctx) return;
  ctx.reset();
  requested.clear();
  ++stats.disconnects;
  stats.connected = false;
}

// Writes the whole output buffer (bounded by the socket's send timeout).
bool Notifications::Impl::flush() {
  int done = 0;
  while (done == 0) {
    if (redisBufferWrite(ctx.get(), &done) != REDIS_OK) return false;
  }
  return true;
}

// Sends the subscription changes of up to kSyncChunk changed devices; `more` tells
// whether changed devices remain. Work is proportional to the changes, not to the number
// of subscribed devices.
bool Notifications::Impl::sync(bool& more) {
  std::vector<DeviceId> add, remove;
  {
    std::lock_guard lock(mu);
    auto it = changed.begin();
    for (std::size_t n = 0; n < kSyncChunk && it != changed.end(); ++n) {
      const bool want = wanted.count(*it) != 0;
      const bool have = requested.count(*it) != 0;
      if (want && !have) add.push_back(*it);
      if (!want && have) remove.push_back(*it);
      it = changed.erase(it);
    }
    more = !changed.empty();
  }
  if (add.empty() && remove.empty()) return true;
  for (const auto& device : add) {
    if (!append_command(*ctx, {"SSUBSCRIBE", device_channel(device)})) return false;
    requested.insert(device);
  }
  for (const auto& device : remove) {
    if (!append_command(*ctx, {"SUNSUBSCRIBE", device_channel(device)})) return false;
    requested.erase(device);
  }
  return flush();
}

bool Notifications::Impl::handle_array(const redisReply& reply) {
  if (reply.elements == 0) return true;
  const std::string_view kind = text_of(reply.element[0]);
  if (kind == "pong") return true;
  if (reply.elements != 3) {
    ++stats.malformed;
    return true;
  }
  const auto device = parse_device_channel(text_of(reply.element[1]));
  if (kind == "smessage") {
    auto message = decode_channel_message(text_of(reply.element[2]));
    if (!device || !message) {
      ++stats.malformed;
    } else if (is_wanted(*device)) {
      ++stats.messages;
      on_message(*device, *message);
    }
  } else if (kind == "ssubscribe") {
    if (device && is_wanted(*device)) {
      ++stats.resyncs;
      on_resync(*device);
    }
  } else if (kind == "sunsubscribe") {
    // Also sent unprompted when a slot leaves this node: subscribe again if still wanted.
    if (device) {
      requested.erase(*device);
      std::lock_guard lock(mu);
      if (wanted.count(*device) != 0) changed.insert(*device);
    }
  } else {
    ++stats.malformed;
  }
  return true;
}

// False: the connection must be dropped.
bool Notifications::Impl::handle(const redisReply& reply) {
  switch (reply.type) {
    case REDIS_REPLY_ARRAY:
      healthy = true;
      return handle_array(reply);
    case REDIS_REPLY_ERROR:
      ++stats.error_replies;  // e.g. CLUSTERDOWN, MOVED, NOAUTH: start afresh after a pause
      return false;
    default:
      healthy = true;
      return true;  // +PONG outside subscribed mode
  }
}

// One poll() turn: reads and dispatches what arrived, pings an idle link.
bool Notifications::Impl::pump(bool more) {
  const auto now = Clock::now();
  const auto ping_due = last_traffic + options.ping_interval;
  const auto pong_due = last_traffic + options.ping_interval + options.connection.command_timeout;
  if (awaiting_pong && now >= pong_due) return false;
  if (!awaiting_pong && now >= ping_due) {
    if (!append_command(*ctx, {"PING"}) || !flush()) return false;
    awaiting_pong = true;
  }
  auto until = awaiting_pong ? pong_due : ping_due;
  auto timeout = std::chrono::duration_cast<milliseconds>(until - now).count() + 1;
  pollfd fds[2] = {{ctx->fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
  int ready = ::poll(fds, 2, more ? 0 : static_cast<int>(std::clamp<long long>(timeout, 1, 60000)));
  if (ready < 0) return errno == EINTR;
  if (fds[1].revents != 0) drain_wake();
  if (fds[0].revents == 0) return true;
  if (redisBufferRead(ctx.get()) != REDIS_OK) return false;
  last_traffic = Clock::now();
  awaiting_pong = false;
  for (;;) {
    void* raw = nullptr;
    if (redisGetReplyFromReader(ctx.get(), &raw) != REDIS_OK) return false;
    if (raw == nullptr) return true;
    ReplyPtr reply(static_cast<redisReply*>(raw));
    if (!handle(*reply)) return false;
    if (should_stop()) return true;
  }
}

void Notifications::Impl::run() {
  // This thread writes to sockets that may be dead: EPIPE instead of a process-wide SIGPIPE.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  int failures = 0;
  while (!should_stop()) {
    if (!ctx) {
      if (!open()) {
        ++stats.connect_failures;
        ++failures;
        auto delay = bw::redis::backoff_delay(options.connection.retry, failures + 1,
                                              std::uniform_real_distribution<double>(0, 1)(rng));
        wait_for(delay);
        continue;
      }
    }
    bool more = false;
    if (!sync(more) || !pump(more)) {
      // A link that worked is re-made at once; one that failed before any good reply
      // (an error reply to every SSUBSCRIBE, say) counts as a failure and backs off.
      const bool worked = healthy;
      drop();
      if (worked) {
        failures = 0;
      } else {
        ++failures;
        wait_for(bw::redis::backoff_delay(options.connection.retry, failures + 1,
                                          std::uniform_real_distribution<double>(0, 1)(rng)));
      }
    }
  }
  drop();
}

Notifications::Notifications(NotificationsOptions options, MessageHandler on_message,
                             ResyncHandler on_resync)
    : impl_(std::make_unique<Impl>()) {
  if (!on_message || !on_resync) throw std::invalid_argument("notifications: handler missing");
  impl_->options = std::move(options);
  impl_->on_message = std::move(on_message);
  impl_->on_resync = std::move(on_resync);
  impl_->wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (impl_->wake_fd < 0) throw std::runtime_error("notifications: eventfd failed");
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

Notifications::~Notifications() {
  stop();
  ::close(impl_->wake_fd);
}

Status Notifications::subscribe(const DeviceId& device) {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopping) {
      return bw::redis::make_error(bw::redis::Errc::kInvalidArgument, "notifications stopped");
    }
    auto it = impl_->wanted.find(device);
    if (it != impl_->wanted.end()) {
      ++it->second;
      return {};
    }
    if (impl_->wanted.size() >= impl_->options.max_devices) {
      return bw::redis::make_error(bw::redis::Errc::kInvalidArgument,
                                   "notifications: too many subscribed devices");
    }
    impl_->wanted.emplace(device, 1);
    impl_->changed.insert(device);
  }
  impl_->wake();
  return {};
}

void Notifications::unsubscribe(const DeviceId& device) {
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->wanted.find(device);
    if (it == impl_->wanted.end()) return;
    if (--it->second > 0) return;
    impl_->wanted.erase(it);
    impl_->changed.insert(device);
  }
  impl_->wake();
}

std::size_t Notifications::subscribed() const {
  std::lock_guard lock(impl_->mu);
  return impl_->wanted.size();
}

void Notifications::stop() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->wake();
  if (impl_->thread.joinable() && impl_->thread.get_id() != std::this_thread::get_id()) {
    impl_->thread.join();
  }
}

const NotificationStats& Notifications::stats() const { return impl_->stats; }

}  // namespace bw::relay::redis
