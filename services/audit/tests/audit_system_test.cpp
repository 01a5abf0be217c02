// breakwater-audit as it runs: the real binary over mutual TLS with its SQLite store, the
// operator's `breakwater audit verify`, and attacks on the stored log — each must be caught
// by the offline verifier. Also: producers cannot read, bad input is refused with nothing
// written, and a crash mid-load loses no acknowledged event.
#include <grpcpp/grpcpp.h>
#include <sqlite3.h>

#include <atomic>
#include <fstream>
#include <random>
#include <thread>

#include "breakwater/audit/v1/audit.grpc.pb.h"
#include "bw/audit/checkpoint.hpp"
#include "bw/audit/event.hpp"
#include "bw/audit/merkle.hpp"
#include "bw/service/grpc_channel.hpp"
#include "bw/testing/binaries.hpp"
#include "bw/testing/child_process.hpp"
#include "system_fixture.hpp"
#include "tls_probe.hpp"

namespace bw::testing {
namespace {

namespace v1 = breakwater::audit::v1;
using namespace std::chrono_literals;

std::string random_bytes(std::mt19937_64& rng, std::size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}
std::string hex(const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) out += {kHex[c >> 4], kHex[c & 15]};
  return out;
}

class AuditSystemTest : public SystemFixture {
 protected:
  void SetUp() override {
    auto dir = TempDir::create("bw-audit-sys-");
    ASSERT_TRUE(dir);
    dir_ = std::make_unique<TempDir>(std::move(dir.value()));
    kek_ = (dir_->path() / "kek").string();
    std::ofstream(kek_) << std::string(64, 'c') << "\n";
    std::filesystem::permissions(kek_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    db_ = (dir_->path() / "audit.db").string();
    tenant_ = random_bytes(rng_, 16);
    start();
  }

  void start() {
    std::vector<std::string> env{"BREAKWATER_AUDIT_KEK_FILE=" + kek_, "BREAKWATER_AUDIT_SQLITE_PATH=" + db_,
                                 "BREAKWATER_AUDIT_CHECKPOINT_INTERVAL=200ms", "BREAKWATER_AUDIT_CHECKPOINT_EVERY=100000"};
    svc_.reset();
    auto svc = start_service("audit", env);
    ASSERT_TRUE(svc) << svc.error().message;
    svc_ = std::make_unique<RunningService>(std::move(svc.value()));
    port_ = svc_->grpc_port;
    stub_ = stub_as(operator_tls());
  }
  void stop() { svc_.reset(); }

  std::unique_ptr<v1::Audit::Stub> stub_as(const service::TlsFiles& tls) const {
    service::ChannelOptions o{.target = "127.0.0.1:" + std::to_string(port_), .tls = tls, .server_name = "localhost"};
    o.mutual = true;
    auto c = service::make_channel(o);
    EXPECT_TRUE(c) << c.error().message;
    return v1::Audit::NewStub(c.value());
  }

  v1::Event event(const std::string& tenant, int n) {
    v1::Event e;
    e.set_event_id(random_bytes(rng_, 16));
    e.set_tenant(tenant);
    e.mutable_time()->set_seconds(1'800'000'000 + n);
    e.mutable_actor()->set_kind(v1::Actor::USER);
    e.mutable_actor()->set_id(std::string(16, static_cast<char>('a' + n % 3)));
    e.set_action(n % 2 == 0 ? "auth.login" : "auth.logout");
    e.mutable_target()->set_type("user");
    e.set_result(n % 4 == 0 ? v1::RESULT_FAILURE : v1::RESULT_SUCCESS);
    (*e.mutable_attributes())["method"] = "password";
    e.set_producer("auth");
    return e;
  }

  grpc::Status append(const std::vector<v1::Event>& events, v1::AppendResponse* res,
                      v1::Audit::Stub* stub = nullptr) const {
    v1::AppendRequest req;
    for (const auto& e : events) *req.add_events() = e;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 10s);
    return (stub ? stub : stub_.get())->Append(&ctx, req, res);
  }
  std::vector<v1::Event> append_n(int n) {
    std::vector<v1::Event> events;
    for (int i = 0; i < n; ++i) events.push_back(event(tenant_, i));
    v1::AppendResponse res;
    EXPECT_TRUE(append(events, &res).ok());
    return events;
  }

  // Waits until the latest checkpoint covers `size` leaves.
  v1::Checkpoint checkpoint_of(std::uint64_t size) const {
    v1::Checkpoint cp;
    for (int i = 0; i < 100; ++i) {
      grpc::ClientContext ctx;
      v1::GetCheckpointRequest req;
      req.set_tenant(tenant_);
      if (stub_->GetCheckpoint(&ctx, req, &cp).ok() && cp.tree_size() == size) return cp;
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "no checkpoint of size " << size << " (latest " << cp.tree_size() << ")";
    return cp;
  }

  struct CliResult {
    int code = -1;
    std::string output;
  };
  CliResult verify(std::vector<std::string> extra) const {
    auto bin = built_binary("breakwater");
    EXPECT_TRUE(bin) << bin.error().message;
    std::vector<std::string> args{"audit", "verify", "127.0.0.1:" + std::to_string(port_), "--tenant", hex(tenant_),
                                  "--ca", ca_file(), "--cert", pki("operator.pem"), "--key", pki("operator-key.pem"),
                                  "--server-name", "localhost", "--state", (dir_->path() / "view.json").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto child = ChildProcess::spawn({.program = bin->string(), .args = args, .log_name = "cli"});
    EXPECT_TRUE(child) << child.error().message;
    auto status = child->wait_exit(30s);
    EXPECT_TRUE(status) << "breakwater audit verify did not finish";
    return {status ? status->code : -1, child->output()};
  }

  // Runs SQL on the stopped service's database with the append-only triggers dropped, as an
  // attacker with file access would.
  void tamper(const std::string& sql) const {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_.c_str(), &db), SQLITE_OK);
    const std::string all =
        "DROP TRIGGER IF EXISTS audit_entries_no_update; DROP TRIGGER IF EXISTS audit_entries_no_delete;"
        "DROP TRIGGER IF EXISTS audit_checkpoints_no_update; DROP TRIGGER IF EXISTS audit_checkpoints_no_delete;"
        "DROP TRIGGER IF EXISTS audit_trees_no_shrink; DROP TRIGGER IF EXISTS audit_trees_no_delete;" + sql;
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, all.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }
  // Rewrites one stored event as a careful attacker would: a new result, re-encoded, and
  // its leaf hash recomputed so that the row is self-consistent.
  void rewrite_event(std::int64_t index) const {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* read = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT leaf_data FROM audit_entries WHERE tenant = ? AND leaf_index = ?", -1, &read,
                                 nullptr), SQLITE_OK);
    sqlite3_bind_blob(read, 1, tenant_.data(), 16, SQLITE_TRANSIENT);
    sqlite3_bind_int64(read, 2, index);
    ASSERT_EQ(sqlite3_step(read), SQLITE_ROW);
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(read, 0));
    auto event = audit::decode_event(ByteView(p, static_cast<std::size_t>(sqlite3_column_bytes(read, 0))));
    sqlite3_finalize(read);
    ASSERT_TRUE(event.ok());
    event->result = event->result == audit::Outcome::kSuccess ? audit::Outcome::kFailure : audit::Outcome::kSuccess;
    auto data = audit::encode_event(*event);
    ASSERT_TRUE(data.ok());
    const auto hash = audit::leaf_hash(*data);
    sqlite3_exec(db, "DROP TRIGGER IF EXISTS audit_entries_no_update", nullptr, nullptr, nullptr);
    sqlite3_stmt* write = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE audit_entries SET leaf_data = ?, leaf_hash = ?, result = ? "
                                     "WHERE tenant = ? AND leaf_index = ?", -1, &write, nullptr), SQLITE_OK);
    sqlite3_bind_blob(write, 1, data->data(), static_cast<int>(data->size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(write, 2, hash.data(), 32, SQLITE_TRANSIENT);
    sqlite3_bind_int(write, 3, static_cast<int>(event->result));
    sqlite3_bind_blob(write, 4, tenant_.data(), 16, SQLITE_TRANSIENT);
    sqlite3_bind_int64(write, 5, index);
    EXPECT_EQ(sqlite3_step(write), SQLITE_DONE);
    sqlite3_finalize(write);
    sqlite3_close(db);
  }
  std::string tenant_blob() const { return "x'" + hex(tenant_) + "'"; }

  std::unique_ptr<TempDir> dir_;
  std::string kek_, db_, tenant_;
  std::unique_ptr<RunningService> svc_;
  std::uint16_t port_ = 0;
  std::unique_ptr<v1::Audit::Stub> stub_;
  std::mt19937_64 rng_{7};
};

TEST_F(AuditSystemTest, AppendsQueriesAndProofsVerifyOffline) {
  auto events = append_n(40);
  v1::AppendResponse again;
  ASSERT_TRUE(append({events[3], event(tenant_, 99)}, &again).ok());  // a retry and a new one
  ASSERT_EQ(again.appended_size(), 2);
  EXPECT_TRUE(again.appended(0).duplicate());
  EXPECT_EQ(again.appended(0).leaf_index(), 3u);
  EXPECT_EQ(again.appended(1).leaf_index(), 40u);
  checkpoint_of(41);

  // Query: failures only, two per page, nothing skipped or repeated.
  v1::QueryRequest q;
  q.set_tenant(tenant_);
  q.set_result(v1::RESULT_FAILURE);
  q.set_page_size(2);
  std::vector<std::uint64_t> seen;
  do {
    grpc::ClientContext ctx;
    v1::QueryResponse page;
    ASSERT_TRUE(stub_->Query(&ctx, q, &page).ok());
    for (const auto& e : page.events()) seen.push_back(e.leaf_index());
    q.set_page_token(page.next_page_token());
  } while (!q.page_token().empty());
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{0, 4, 8, 12, 16, 20, 24, 28, 32, 36}));

  // Every decision is counted.
  const auto metrics = https_get(svc_->ops_port, ca_file(), "/metrics").body;
  EXPECT_NE(metrics.find("breakwater_audit_append_events_total{outcome=\"appended\"} 41"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("breakwater_audit_append_events_total{outcome=\"duplicate\"} 1"), std::string::npos);
  EXPECT_EQ(metrics.find("breakwater_audit_checkpoints_total{outcome=\"ok\"} 0"), std::string::npos);
  EXPECT_NE(metrics.find("breakwater_audit_commits_total{outcome=\"ok\"}"), std::string::npos);

  auto first = verify({"--event", hex(events[7].event_id()), "--full"});
  EXPECT_EQ(first.code, 0) << first.output;
  EXPECT_NE(first.output.find("every event re-hashed"), std::string::npos) << first.output;
  append_n(5);
  checkpoint_of(46);
  auto second = verify({});
  EXPECT_EQ(second.code, 0) << second.output;
  EXPECT_NE(second.output.find("consistent with the checkpoint saved before (41 events)"), std::string::npos)
      << second.output;
}

TEST_F(AuditSystemTest, AProducerMayAppendButNotRead) {
  auto relay = stub_as({pki("relay.pem"), pki("relay-key.pem"), ca_file()});
  v1::AppendResponse res;
  ASSERT_TRUE(append({event(tenant_, 1)}, &res, relay.get()).ok());
  grpc::ClientContext ctx;
  v1::QueryRequest q;
  q.set_tenant(tenant_);
  v1::QueryResponse page;
  EXPECT_EQ(relay->Query(&ctx, q, &page).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext ctx2;
  v1::GetInclusionProofRequest p;
  p.set_tenant(tenant_);
  p.set_leaf_index(0);
  v1::InclusionProof proof;
  EXPECT_EQ(relay->GetInclusionProof(&ctx2, p, &proof).error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AuditSystemTest, BadInputIsRefusedAndNothingIsWritten) {
  auto good = event(tenant_, 1);
  auto bad_action = event(tenant_, 2);
  bad_action.set_action("Auth Login!");
  auto short_tenant = event(tenant_, 3);
  short_tenant.set_tenant("abc");
  auto huge = event(tenant_, 4);
  (*huge.mutable_attributes())["detail"] = std::string(10'000, 'x');
  for (const auto& bad : {bad_action, short_tenant, huge}) {
    v1::AppendResponse res;
    auto st = append({good, bad}, &res);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(st.error_message().find("event 1"), std::string::npos) << st.error_message();
  }
  std::vector<v1::Event> too_many(1001, good);
  v1::AppendResponse res;
  EXPECT_EQ(append(too_many, &res).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext ctx;
  v1::QueryRequest q;
  q.set_tenant(tenant_);
  v1::QueryResponse page;
  ASSERT_TRUE(stub_->Query(&ctx, q, &page).ok());
  EXPECT_EQ(page.events_size(), 0);
  grpc::ClientContext ctx2;
  q.set_page_token("not-a-token");
  EXPECT_EQ(stub_->Query(&ctx2, q, &page).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AuditSystemTest, AnAlteredStoredEventIsDetected) {
  auto events = append_n(20);
  checkpoint_of(20);
  stop();
  rewrite_event(5);
  start();
  auto full = verify({"--full"});
  EXPECT_EQ(full.code, 1) << full.output;
  EXPECT_NE(full.output.find("do NOT rebuild the signed root"), std::string::npos) << full.output;
  auto one = verify({"--event", hex(events[5].event_id())});
  EXPECT_EQ(one.code, 1) << one.output;
  EXPECT_NE(one.output.find("is NOT in the signed tree"), std::string::npos) << one.output;
}

TEST_F(AuditSystemTest, AnEventAlteredWithoutItsHashIsRefusedByTheServiceToo) {
  append_n(20);
  checkpoint_of(20);
  stop();
  tamper("UPDATE audit_entries SET leaf_data = replace(leaf_data, 'password', 'pa55word') WHERE leaf_index = 5 AND tenant = " +
         tenant_blob() + ";");
  start();
  auto r = verify({"--full"});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("FAILED"), std::string::npos) << r.output;
}

TEST_F(AuditSystemTest, ADeletedEventIsDetected) {
  append_n(20);
  checkpoint_of(20);
  stop();
  tamper("DELETE FROM audit_entries WHERE leaf_index = 7 AND tenant = " + tenant_blob() + ";");
  start();
  auto r = verify({"--full"});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("missing"), std::string::npos) << r.output;
}

TEST_F(AuditSystemTest, ALogTruncatedAndRegrownIsDetected) {
  append_n(30);
  checkpoint_of(30);
  auto saved = verify({});
  ASSERT_EQ(saved.code, 0) << saved.output;
  stop();
  // Cut the log back to 10 events, forget the checkpoints, and let it grow past 30 again.
  tamper("DELETE FROM audit_entries WHERE leaf_index >= 10 AND tenant = " + tenant_blob() +
         "; DELETE FROM audit_checkpoints WHERE tenant = " + tenant_blob() +
         "; UPDATE audit_trees SET tree_size = 10 WHERE tenant = " + tenant_blob() + ";");
  start();
  append_n(25);
  checkpoint_of(35);
  auto r = verify({});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("NOT an extension"), std::string::npos) << r.output;
}

TEST_F(AuditSystemTest, ACheckpointWithABadSignatureIsDetected) {
  append_n(10);
  checkpoint_of(10);
  stop();
  tamper("UPDATE audit_checkpoints SET signature = zeroblob(64) WHERE tenant = " + tenant_blob() + ";");
  start();
  auto r = verify({});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("signature does not verify"), std::string::npos) << r.output;
}

TEST_F(AuditSystemTest, AnotherTenantsCheckpointIsDetected) {
  const std::string other = random_bytes(rng_, 16);
  v1::AppendResponse res;
  ASSERT_TRUE(append({event(other, 1), event(other, 2)}, &res).ok());
  append_n(2);
  checkpoint_of(2);
  stop();
  // Serve the other tenant's (validly signed) checkpoint as this tenant's.
  tamper("DELETE FROM audit_checkpoints WHERE tenant = " + tenant_blob() +
         "; INSERT INTO audit_checkpoints SELECT " + tenant_blob() +
         ", tree_size, root_hash, timestamp_ms, key_id, signature FROM audit_checkpoints WHERE tenant = x'" + hex(other) +
         "';");
  start();
  auto r = verify({"--full"});
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("signature does not verify"), std::string::npos) << r.output;
}

TEST_F(AuditSystemTest, ACrashMidLoadLosesNoAcknowledgedEvent) {
  std::mutex mu;
  std::vector<std::string> acked;
  std::atomic<bool> go{true};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      std::mt19937_64 rng(100 + t);
      auto stub = stub_as(operator_tls());
      for (int n = 0; go; ++n) {
        std::vector<v1::Event> batch;
        for (int k = 0; k < 20; ++k) {
          auto e = event(tenant_, n);
          e.set_event_id(random_bytes(rng, 16));
          batch.push_back(e);
        }
        v1::AppendResponse res;
        if (!append(batch, &res, stub.get()).ok()) continue;
        std::lock_guard lock(mu);
        for (const auto& e : batch) acked.push_back(e.event_id());
      }
    });
  }
  std::this_thread::sleep_for(700ms);
  svc_->process.terminate(SIGKILL, 1s);
  go = false;
  for (auto& w : writers) w.join();
  ASSERT_GT(acked.size(), 0u);
  start();
  // A new event makes the restarted log sign a checkpoint over everything stored.
  v1::AppendResponse res;
  ASSERT_TRUE(append({event(tenant_, 1)}, &res).ok());
  const auto size = res.appended(0).leaf_index() + 1;
  checkpoint_of(size);
  auto full = verify({"--full"});
  EXPECT_EQ(full.code, 0) << full.output;
  for (std::size_t i = 0; i < acked.size(); i += std::max<std::size_t>(1, acked.size() / 25)) {
    auto r = verify({"--event", hex(acked[i])});
    EXPECT_EQ(r.code, 0) << "acknowledged event " << i << " missing: " << r.output;
  }
}

}  // namespace
}  // namespace bw::testing
