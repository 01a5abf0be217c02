#include "bw/relayclient/agent_stream.hpp"

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "breakwater/relay/v1/relay.grpc.pb.h"

namespace bw::relayclient {

namespace v1 = breakwater::relay::v1;

struct AgentStream::Impl {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::Relay::Stub> stub;
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderWriter<v1::AgentFrame, v1::RelayFrame>> stream;
  std::size_t max_queued = 4096;
  v1::Welcome welcome;

  std::mutex write_mu;
  bool writes_done = false;

  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<v1::RelayFrame> queue;
  bool ended = false;
  std::thread reader;

  void read_loop() {
    v1::RelayFrame frame;
    while (stream->Read(&frame)) {
      std::lock_guard lock(mu);
      if (queue.size() >= max_queued) {
        context.TryCancel();
        break;
      }
      queue.push_back(std::move(frame));
      frame.Clear();
      cv.notify_all();
    }
    std::lock_guard lock(mu);
    ended = true;
    cv.notify_all();
  }

  std::optional<v1::RelayFrame> pop(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, timeout, [&] { return !queue.empty() || ended; });
    if (queue.empty()) return std::nullopt;
    auto f = std::move(queue.front());
    queue.pop_front();
    return f;
  }

  void shutdown() {
    {
      std::lock_guard lock(write_mu);
      if (stream && !writes_done) {
        writes_done = true;
        stream->WritesDone();
      }
    }
    context.TryCancel();
    if (reader.joinable()) reader.join();
    if (stream) (void)stream->Finish();
    stream.reset();
  }
};

namespace {

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{kUnreachable, "cannot read the CA file " + path};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

AgentStream::AgentStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AgentStream::~AgentStream() { close(); }

Result<std::unique_ptr<AgentStream>> AgentStream::open(const StreamOptions& options, const v1::Hello& hello) {
  auto impl = std::make_unique<Impl>();
  impl->max_queued = options.max_queued;
  grpc::ChannelArguments args;
  if (!options.server_name.empty()) args.SetSslTargetNameOverride(options.server_name);
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (options.plaintext) {
    creds = grpc::InsecureChannelCredentials();
  } else {
    auto ca = read_file(options.ca_file);
    if (!ca) return ca.error();
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ca.value();
    creds = grpc::SslCredentials(ssl);
  }
  impl->channel = grpc::CreateCustomChannel(options.target, creds, args);
  if (!impl->channel->WaitForConnected(std::chrono::system_clock::now() + options.open_timeout)) {
    return Error{kUnreachable, "relay " + options.target + " is unreachable"};
  }
  impl->stub = v1::Relay::NewStub(impl->channel);
  impl->stream = impl->stub->Connect(&impl->context);
  v1::AgentFrame first;
  *first.mutable_hello() = hello;
  if (!impl->stream->Write(first)) {
    impl->shutdown();
    return Error{kUnreachable, "relay closed the stream before Hello"};
  }
  impl->reader = std::thread([p = impl.get()] { p->read_loop(); });
  auto answer = impl->pop(options.open_timeout);
  if (!answer) {
    impl->shutdown();
    return Error{kUnreachable, "no answer to Hello in time"};
  }
  if (answer->has_error()) {
    impl->shutdown();
    return Error{kRefused, "relay refused: " + v1::Error::Code_Name(answer->error().code()) + " (" +
                               answer->error().message() + ")"};
  }
  if (!answer->has_welcome()) {
    impl->shutdown();
    return Error{kRefused, "relay answered Hello with something other than Welcome"};
  }
  impl->welcome = answer->welcome();
  return std::unique_ptr<AgentStream>(new AgentStream(std::move(impl)));
}

const v1::Welcome& AgentStream::welcome() const { return impl_->welcome; }

bool AgentStream::send(const v1::AgentFrame& frame) {
  std::lock_guard lock(impl_->write_mu);
  if (!impl_->stream || impl_->writes_done) return false;
  return impl_->stream->Write(frame);
}

std::optional<v1::RelayFrame> AgentStream::receive(std::chrono::milliseconds timeout) { return impl_->pop(timeout); }

bool AgentStream::closed() const {
  std::lock_guard lock(impl_->mu);
  return impl_->ended && impl_->queue.empty();
}

void AgentStream::close() {
  if (impl_) impl_->shutdown();
}

}  // namespace bw::relayclient
