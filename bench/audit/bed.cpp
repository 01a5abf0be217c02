// See bed.hpp.
#include "bed.hpp"

#include "bw/authcore/sealed_secret.hpp"
#include "bw/sql/migrations.hpp"
#include "store/migrations.hpp"

namespace bw::bench::audit {

auditsvc::TimeMs wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<Bed> open_bed(const std::string& sqlite_path, const std::string& pg_conninfo) {
  const store::StoreConfig defaults;  // the service's pool size and statement timeout
  Result<std::unique_ptr<bw::sql::Database>> db = Error{0, "no database"};
  if (pg_conninfo.empty()) {
    db = bw::sql::open_sqlite({.path = sqlite_path, .pool_size = defaults.pool_size, .synchronous_full = true});
  } else {
    db = bw::sql::open_postgres({.conninfo = pg_conninfo, .pool_size = defaults.pool_size,
                                 .statement_timeout_ms = defaults.statement_timeout_ms,
                                 .application_name = "breakwater-audit"});
  }
  if (!db) return db.error();
  Bed bed;
  bed.backend = pg_conninfo.empty() ? "SQLite" : "PostgreSQL";
  bed.db = std::move(db).value();
  if (auto m = bw::sql::migrate(*bed.db, store::builtin_migrations(), wall_ms(), store::kMigrationOptions); !m) {
    return m.error();
  }
  bed.store = std::make_shared<RecordingStore>(store::make_sql_store(bed.db));
  auto ring = authcore::kek_from_file_text("kek1", std::string(64, 'b'));
  if (!ring) return ring.error();
  auto kek = std::make_shared<const authcore::KeyRing>(std::move(ring.value()));
  auto keys = auditsvc::CheckpointKeys::open(bed.store, kek, wall_ms());
  if (!keys) return keys.error();
  bed.keys = keys.value();
  return bed;
}

}  // namespace bw::bench::audit
