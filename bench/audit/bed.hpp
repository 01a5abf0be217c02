// What every audit benchmark cell runs on: a migrated database opened the way open_store
// opens it (SQLite: WAL, synchronous=FULL; PostgreSQL: the given server, pool and statement
// timeout as the service's defaults), the Store over it behind a RecordingStore, the raw
// Database for the bare-insert baseline, and checkpoint signing keys under a fixed test KEK.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "bw/result.hpp"
#include "bw/sql/db.hpp"
#include "checkpoint_keys.hpp"
#include "recording_store.hpp"

namespace bw::bench::audit {

struct Bed {
  std::string backend;  // "SQLite" or "PostgreSQL"
  std::shared_ptr<bw::sql::Database> db;
  std::shared_ptr<RecordingStore> store;
  std::shared_ptr<auditsvc::CheckpointKeys> keys;
};

// SQLite at `sqlite_path` when `pg_conninfo` is empty, else PostgreSQL. Errors: opening,
// migrating, the keys.
Result<Bed> open_bed(const std::string& sqlite_path, const std::string& pg_conninfo);

auditsvc::TimeMs wall_ms();

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace bw::bench::audit
