// The in-memory and test-only file PairingTransports (transport.hpp).
#include "bw/pairing/transport.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "bw/crypto/hex.hpp"

namespace bw::pairing {
namespace {

bool proof_kind(e2e::Kind k) { return k == e2e::Kind::kPairClientProof || k == e2e::Kind::kPairAgentProof; }

Status check_outgoing(e2e::Kind kind, ByteView proof) {
  if (!proof_kind(kind) || proof.size() != kProofSize) {
    return Error{kTransportMalformed, "a pairing proof is 32 bytes of kind 1 or 2"};
  }
  return {};
}

// One direction of the memory pair.
struct Channel {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<ReceivedProof> queue;
  bool closed = false;
};

class MemoryEnd final : public PairingTransport {
 public:
  MemoryEnd(std::shared_ptr<Channel> out, std::shared_ptr<Channel> in) : out_(std::move(out)), in_(std::move(in)) {}
  ~MemoryEnd() override {
    std::lock_guard lock(out_->mu);
    out_->closed = true;
    out_->cv.notify_all();
  }

  Status send_proof(e2e::Kind kind, ByteView proof) override {
    if (auto st = check_outgoing(kind, proof); !st) return st;
    std::lock_guard lock(out_->mu);
    if (out_->queue.size() >= kMaxQueuedProofs) return Error{kTransportFull, "too many unread pairing proofs"};
    out_->queue.push_back({kind, Bytes(proof.begin(), proof.end())});
    out_->cv.notify_all();
    return {};
  }

  Result<ReceivedProof> receive_proof(std::chrono::steady_clock::time_point deadline) override {
    std::unique_lock lock(in_->mu);
    if (!in_->cv.wait_until(lock, deadline, [&] { return !in_->queue.empty() || in_->closed; })) {
      return Error{kTransportTimeout, "no pairing proof arrived in time"};
    }
    if (in_->queue.empty()) return Error{kTransportClosed, "the other side went away"};
    auto p = std::move(in_->queue.front());
    in_->queue.pop_front();
    return p;
  }

 private:
  std::shared_ptr<Channel> out_, in_;
};

class FileTransport final : public PairingTransport {
 public:
  FileTransport(std::string dir, const e2e::Id& id, bool agent)
      : dir_(std::move(dir)), stem_(crypto::hex_encode(id)), agent_(agent) {}

  Status send_proof(e2e::Kind kind, ByteView proof) override {
    if (auto st = check_outgoing(kind, proof); !st) return st;
    const std::string final_path = path(kind), tmp = final_path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return Error{kTransportIo, "cannot write the proof file in " + dir_};
    const bool ok = ::write(fd, proof.data(), proof.size()) == static_cast<ssize_t>(proof.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), final_path.c_str()) != 0) {
      ::unlink(tmp.c_str());
      return Error{kTransportIo, "cannot write the proof file in " + dir_};
    }
    return {};
  }

  Result<ReceivedProof> receive_proof(std::chrono::steady_clock::time_point deadline) override {
    const e2e::Kind kind = agent_ ? e2e::Kind::kPairClientProof : e2e::Kind::kPairAgentProof;
    const std::string p = path(kind);
    for (;;) {
      const int fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0) {
        std::uint8_t buf[kProofSize + 1];
        const ssize_t n = ::read(fd, buf, sizeof buf);
        ::close(fd);
        ::unlink(p.c_str());
        if (n != static_cast<ssize_t>(kProofSize)) return Error{kTransportMalformed, "the proof file is not 32 bytes"};
        return ReceivedProof{kind, Bytes(buf, buf + kProofSize)};
      }
      if (std::chrono::steady_clock::now() >= deadline) return Error{kTransportTimeout, "no pairing proof arrived in time"};
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling a folder: no event to wait on
    }
  }

 private:
  std::string path(e2e::Kind kind) const {
    return dir_ + "/" + stem_ + "." + std::to_string(static_cast<int>(kind));
  }
  std::string dir_, stem_;
  bool agent_;
};

}  // namespace

std::pair<std::unique_ptr<PairingTransport>, std::unique_ptr<PairingTransport>> make_memory_transport_pair() {
  auto ab = std::make_shared<Channel>(), ba = std::make_shared<Channel>();
  return {std::make_unique<MemoryEnd>(ab, ba), std::make_unique<MemoryEnd>(ba, ab)};
}

std::unique_ptr<PairingTransport> make_file_transport(std::string dir, const e2e::Id& pairing_id, bool side_is_agent) {
  return std::make_unique<FileTransport>(std::move(dir), pairing_id, side_is_agent);
}

}  // namespace bw::pairing
