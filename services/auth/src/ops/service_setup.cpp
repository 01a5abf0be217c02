// Configuration to store, KEK and hasher (service_setup.hpp).
#include "ops/service_setup.hpp"

#include <chrono>

#include "api/signing_keys.hpp"
#include "bw/config/files.hpp"

namespace bw::auth::ops {

store::TimeMs now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

store::StoreConfig store_config(const config::Values& v) {
  return {v.str("auth.database_url"), v.str("auth.sqlite_path"), static_cast<int>(v.integer("auth.database_pool_size")),
          static_cast<int>(v.duration("auth.database_statement_timeout").count())};
}

Result<authcore::KeyRing> load_kek(const config::Values& v) {
  auto text = config::read_private_file(v.str("auth.kek_file"), 4096);
  if (!text) return Error{text.error().code, "config: auth.kek_file: " + text.error().message};
  auto ring = api::kek_from_file_text(v.str("auth.kek_id"), *text);
  if (!ring) return Error{ring.error().code, "config: auth.kek_file: " + ring.error().message};
  return ring;
}

Result<authcore::PasswordHasher> make_hasher(const config::Values& v) {
  return authcore::PasswordHasher::create({static_cast<std::uint64_t>(v.integer("auth.password_memory_kib")) * 1024,
                                           static_cast<std::uint64_t>(v.integer("auth.password_passes"))});
}

}  // namespace bw::auth::ops
