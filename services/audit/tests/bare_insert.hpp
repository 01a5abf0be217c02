// The raw baseline of the audit benchmarks (audit_store_bench, bench/audit): a bare batched
// insert of audit rows into a plain table with the entry columns and no keys, indexes or
// triggers, in the same database and the way the store inserts its entries (bw::sql
// insert_rows: SQLite cached multi-row INSERTs, PostgreSQL one COPY), one transaction per
// call. What it leaves out is exactly the schema's cost: keys, indexes, triggers, the
// tree-size compare-and-set.
#pragma once

#include <span>
#include <vector>

#include "bw/result.hpp"
#include "bw/sql/db.hpp"
#include "store/types.hpp"

namespace bw::audit::store::bench {

// Creates the table `bench_bare` (idempotent). Errors: the database's.
Status create_bare_table(bw::sql::Database& db);

// Inserts `rows` into bench_bare in one transaction (rows may repeat: nothing is unique).
// Errors: the database's; on error nothing is written.
Status bare_insert(bw::sql::Database& db, std::span<const Entry> rows);

// `batches` batches of `rows_per_batch` synthetic rows spread over `tenants` tenants (ids 1..),
// each tenant's rows consecutive and dense from leaf 0; ~180-byte leaf_data, random event ids
// and leaf hashes, from a fixed seed.
std::vector<std::vector<Entry>> make_batches(int batches, int rows_per_batch, int tenants);

}  // namespace bw::audit::store::bench
