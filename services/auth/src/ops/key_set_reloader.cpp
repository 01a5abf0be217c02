// Periodic reload of the signing keys (key_set_reloader.hpp).
#include "ops/key_set_reloader.hpp"

#include <string>
#include <vector>

#include "bw/log/log.hpp"

namespace bw::auth::ops {
namespace {

// What identifies a key set for this purpose: the signing kid, then every verifying kid.
std::vector<std::string> fingerprint(const jwt::KeySet* keys) {
  std::vector<std::string> out;
  if (!keys) return out;
  out.push_back(keys->signing_key() ? keys->signing_key()->kid() : "");
  for (const auto& k : keys->keys()) out.push_back(k.kid);
  return out;
}

}  // namespace

KeySetReloader::KeySetReloader(api::LiveKeySet keys, Load load, metrics::Factory& metrics)
    : keys_(std::move(keys)),
      load_(std::move(load)),
      reloads_(metrics.counter("key_set_reloads", "signing key set reloads from the store, by result")) {}

KeySetReloader::~KeySetReloader() { stop(); }

bool KeySetReloader::reload() {
  auto loaded = load_();
  if (!loaded) {
    reloads_.add({{"result", "error"}}).Increment();
    log::warn("key_set_reload_failed", {{"error", loaded.error().message}});
    return false;
  }
  const auto before = keys_.current();
  if (fingerprint(before.get()) == fingerprint(&loaded.value())) {
    reloads_.add({{"result", "unchanged"}}).Increment();
    return false;
  }
  const std::string kid = loaded->signing_key() ? loaded->signing_key()->kid() : "";
  keys_.replace(std::make_shared<const jwt::KeySet>(std::move(loaded.value())));
  reloads_.add({{"result", "replaced"}}).Increment();
  log::info("key_set_reloaded", {{"signing_kid", kid}});
  return true;
}

void KeySetReloader::start(std::chrono::milliseconds interval) {
  task_.start(interval, [this] { reload(); });
}

void KeySetReloader::stop() { task_.stop(); }

}  // namespace bw::auth::ops
