// pairings.json and the sending locks; see pairing_book.hpp.
#include "pairing_book.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "bw/crypto/hex.hpp"
#include "bw/pairing/link.hpp"
#include "private_file.hpp"

namespace bw::agent {
namespace {

std::optional<e2e::Id> id_from(const std::string& hex) {
  auto b = crypto::hex_decode(hex);
  if (!b || b->size() != 16) return std::nullopt;
  e2e::Id id{};
  std::copy(b->begin(), b->end(), id.begin());
  return id;
}

Status save(const std::string& dir, const std::vector<BookEntry>& book) {
  auto arr = nlohmann::json::array();
  for (const auto& e : book) {
    nlohmann::json x{{"pairing_id", crypto::hex_encode(e.pairing_id)},
                     {"peer_device", crypto::hex_encode(e.peer_device)},
                     {"role", std::string(pairing::role_name(e.role))},
                     {"self_device", crypto::hex_encode(e.self_device)}};
    if (e.peer_public) x["peer_public_key"] = crypto::hex_encode(*e.peer_public);
    if (e.peer_user) x["peer_user"] = crypto::hex_encode(*e.peer_user);
    arr.push_back(std::move(x));
  }
  return write_private_file(dir, kPairingBookFile, nlohmann::json{{"pairings", arr}}.dump() + "\n");
}

}  // namespace

Result<std::vector<BookEntry>> load_book(const std::string& dir) {
  auto text = read_private_file(dir, kPairingBookFile, 512 * 1024);
  if (!text) return text.error();
  std::vector<BookEntry> out;
  if (!text->has_value()) return out;
  const auto j = nlohmann::json::parse(**text, nullptr, false);
  const Error damaged{kPrivateFileIo, std::string(kPairingBookFile) + " is damaged"};
  if (!j.is_object() || !j.contains("pairings") || !j["pairings"].is_array()) return damaged;
  for (const auto& x : j["pairings"]) {
    if (!x.is_object()) return damaged;
    auto pid = id_from(x.value("pairing_id", ""));
    auto peer = id_from(x.value("peer_device", ""));
    auto role = pairing::role_from_name(x.value("role", ""));
    auto self = id_from(x.value("self_device", ""));
    if (!pid || !peer || !role || !self) return damaged;
    BookEntry e{*pid, *peer, *role, *self, std::nullopt, std::nullopt};
    if (x.contains("peer_public_key")) {
      auto k = x["peer_public_key"].is_string() ? crypto::hex_decode(x["peer_public_key"].get<std::string>())
                                                : Result<Bytes>(Error{1, ""});
      if (!k || k->size() != 32) return damaged;
      e.peer_public.emplace();
      std::copy(k->begin(), k->end(), e.peer_public->begin());
    }
    if (x.contains("peer_user")) {
      auto u = x["peer_user"].is_string() ? id_from(x["peer_user"].get<std::string>()) : std::nullopt;
      if (!u) return damaged;
      e.peer_user = *u;
    }
    out.push_back(std::move(e));
  }
  return out;
}

Status add_to_book(const std::string& dir, const BookEntry& e) {
  auto book = load_book(dir);
  if (!book) return book.error();
  std::erase_if(*book, [&](const BookEntry& x) { return x.pairing_id == e.pairing_id; });
  if (book->size() >= kMaxBookEntries) return Error{kPrivateFileIo, "too many pairings recorded here"};
  book->push_back(e);
  return save(dir, *book);
}

Status remove_from_book(const std::string& dir, const e2e::Id& pairing_id) {
  auto book = load_book(dir);
  if (!book) return book.error();
  std::erase_if(*book, [&](const BookEntry& x) { return x.pairing_id == pairing_id; });
  return save(dir, *book);
}

Result<SendLock> SendLock::acquire(const std::string& dir, const e2e::Id& pairing_id) {
  return acquire_named(dir, "send-" + crypto::hex_encode(pairing_id),
                       "another process is already sending for pairing " + crypto::hex_encode(pairing_id));
}

Result<SendLock> SendLock::acquire_named(const std::string& dir, const std::string& name, const std::string& what) {
  const std::string path = dir + "/" + name + ".lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Error{kPrivateFileIo, "cannot open " + path + ": " + std::strerror(errno)};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Error{kPrivateFileIo, what + " (lock " + path + "); stop it first"};
    }
    return Error{kPrivateFileIo, "cannot lock " + path + ": " + std::strerror(err)};
  }
  return SendLock(fd);
}

SendLock::~SendLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace bw::agent
