#include "bw/relayclient/client_stream.hpp"

#include "bw/ws/client.hpp"

namespace bw::relayclient {

namespace v1 = breakwater::relay::v1;

struct ClientStream::Impl {
  std::unique_ptr<ws::Client> ws;
  v1::Welcome welcome;
  bool ended = false;
  std::uint16_t code = 0;

  std::optional<v1::RelayFrame> next(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!ended) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto got = ws->receive(left);
      if (got.kind == ws::Received::Kind::kTimeout) return std::nullopt;
      if (got.kind == ws::Received::Kind::kClosed) {
        ended = true;
        code = got.close.code;
        return std::nullopt;
      }
      v1::RelayFrame frame;
      if (frame.ParseFromString(got.bytes)) return frame;
      // A frame this client cannot read: skipped (a newer relay may add frame types).
    }
    return std::nullopt;
  }
};

ClientStream::ClientStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClientStream::~ClientStream() { close(); }

Result<std::unique_ptr<ClientStream>> ClientStream::open(const ClientStreamOptions& options,
                                                         const v1::ClientHello& hello) {
  ws::ClientOptions wo;
  wo.url = options.url;
  wo.origin = options.origin;
  wo.ca_file = options.ca_file;
  wo.timeout = options.open_timeout;
  wo.max_message_bytes = options.max_message_bytes;
  auto client = ws::Client::connect(wo);
  if (!client) {
    const int code = client.error().code == ws::kUpgradeRefused ? kRefused : kUnreachable;
    return Error{code, client.error().message};
  }
  auto impl = std::make_unique<Impl>();
  impl->ws = std::move(client.value());
  v1::ClientFrame first;
  *first.mutable_hello() = hello;
  if (!impl->ws->send(first.SerializeAsString(), options.open_timeout)) {
    return Error{kUnreachable, "relay closed the connection before Hello"};
  }
  auto answer = impl->next(options.open_timeout);
  if (!answer) return Error{kUnreachable, "no answer to Hello in time"};
  if (answer->has_error()) {
    return Error{kRefused, "relay refused: " + v1::Error::Code_Name(answer->error().code()) + " (" +
                               answer->error().message() + ")"};
  }
  if (!answer->has_welcome()) return Error{kRefused, "relay answered Hello with something other than Welcome"};
  impl->welcome = answer->welcome();
  return std::unique_ptr<ClientStream>(new ClientStream(std::move(impl)));
}

const v1::Welcome& ClientStream::welcome() const { return impl_->welcome; }

bool ClientStream::send(const v1::ClientFrame& frame) { return send_raw(frame.SerializeAsString()); }

bool ClientStream::send_raw(const std::string& bytes) {
  if (impl_->ended) return false;
  return static_cast<bool>(impl_->ws->send(bytes));
}

std::optional<v1::RelayFrame> ClientStream::receive(std::chrono::milliseconds timeout) { return impl_->next(timeout); }

bool ClientStream::closed() const { return impl_->ended; }

std::uint16_t ClientStream::close_code() const { return impl_->code; }

void ClientStream::close() {
  if (impl_ && impl_->ws && !impl_->ended) {
    impl_->ws->close();
    impl_->ended = true;
  }
}

}  // namespace bw::relayclient
