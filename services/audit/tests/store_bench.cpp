// audit_store_bench: durable batched append throughput of the audit store, next to a bare
// batched insert of the same rows into a plain table (no keys, indexes or triggers) in the
// same database, so the store's own cost shows. Not a CTest test; run by hand:
//   audit_store_bench [batches] [rows_per_batch] [--pg-fsync-off]
// (--pg-fsync-off runs PostgreSQL as the tests do, to tell flush cost from CPU cost.)
// SQLite: a file in a temporary folder, WAL, synchronous=FULL (what open_store uses).
// PostgreSQL: a server started here (tests/harness) with fsync, synchronous_commit and
// full_page_writes ON (the harness turns them off for tests), so each commit is flushed.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bare_insert.hpp"
#include "bw/sql/migrations.hpp"
#include "bw/testing/postgres_server.hpp"
#include "bw/testing/temp_dir.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"

namespace bw::audit::store {
namespace {

constexpr int kTenants = 4;

double rate(std::size_t rows, std::chrono::steady_clock::duration took) {
  return static_cast<double>(rows) / std::chrono::duration<double>(took).count();
}

int run(const char* name, std::shared_ptr<bw::sql::Database> db, const std::vector<std::vector<Entry>>& batches) {
  if (auto m = bw::sql::migrate(*db, builtin_migrations(), 0, kMigrationOptions); !m) {
    std::fprintf(stderr, "%s: migrate: %s\n", name, m.error().message.c_str());
    return 1;
  }
  if (auto s = bench::create_bare_table(*db); !s) {
    std::fprintf(stderr, "%s: %s\n", name, s.error().message.c_str());
    return 1;
  }
  auto store = make_sql_store(db);
  std::size_t rows = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& b : batches) {
    if (auto s = store->append(b); !s) {
      std::fprintf(stderr, "%s: append: %s\n", name, s.error().message.c_str());
      return 1;
    }
    rows += b.size();
  }
  const auto t1 = std::chrono::steady_clock::now();
  for (const auto& b : batches) {
    if (auto s = bench::bare_insert(*db, b); !s) {
      std::fprintf(stderr, "%s: bare insert: %s\n", name, s.error().message.c_str());
      return 1;
    }
  }
  const auto t2 = std::chrono::steady_clock::now();
  std::printf("%-10s %zu rows in %zu batches: store append %.0f rows/s, bare batched insert %.0f rows/s\n", name, rows,
              batches.size(), rate(rows, t1 - t0), rate(rows, t2 - t1));
  return 0;
}

}  // namespace
}  // namespace bw::audit::store

int main(int argc, char** argv) {
  using namespace bw::audit::store;
  const int batches = argc > 1 ? std::atoi(argv[1]) : 40;
  const int per_batch = argc > 2 ? std::atoi(argv[2]) : 500;
  const auto data = bench::make_batches(batches, per_batch, kTenants);

  auto dir = bw::testing::TempDir::create("bw-audit-bench-");
  if (!dir) return 1;
  auto lite = bw::sql::open_sqlite({.path = (dir->path() / "audit.db").string(), .synchronous_full = true});
  if (!lite) return 1;
  int rc = run("sqlite", std::move(lite).value(), data);

  bw::testing::PostgresOptions pg_options;
  const bool fsync_off = argc > 3 && std::string(argv[3]) == "--pg-fsync-off";
  if (!fsync_off) pg_options.settings = {"fsync=on", "synchronous_commit=on", "full_page_writes=on"};
  auto server = bw::testing::PostgresServer::start(pg_options);
  if (!server) {
    std::fprintf(stderr, "postgres: %s\n", server.error().message.c_str());
    return 1;
  }
  auto pg = bw::sql::open_postgres({.conninfo = server->conninfo()});
  if (!pg) return 1;
  return rc | run("postgres", std::move(pg).value(), data);
}
