// The /v1/audit routes in process over a recording fake AuditReader: the tenant passed on is
// always the caller's own (never anything from the request), only owners and admins get
// through, parameters are checked, and the audit service's answers map to HTTP.
#include <grpcpp/support/status.h>

#include "api_test_support.hpp"
#include "bw/crypto/hex.hpp"

namespace bw::auth::api {
namespace {

namespace v1 = breakwater::audit::v1;

class FakeAuditReader final : public AuditReader {
 public:
  Result<v1::Checkpoint> checkpoint(const store::Id& tenant) override {
    tenants.push_back(tenant);
    if (fail) return *fail;
    v1::Checkpoint cp;
    cp.set_tree_size(7);
    cp.set_root_hash(std::string(32, '\x01'));
    cp.set_key_id("k1");
    cp.set_tenant(std::string(tenant.begin(), tenant.end()));
    return cp;
  }
  Result<v1::PublicKeys> keys() override {
    v1::PublicKeys k;
    k.add_keys()->set_key_id("k1");
    return k;
  }
  Result<v1::QueryResponse> query(const store::Id& tenant, v1::QueryRequest req) override {
    tenants.push_back(tenant);
    last_query = req;
    v1::QueryResponse res;
    auto* e = res.add_events();
    e->set_leaf_index(3);
    e->mutable_event()->set_action("auth.login");
    (*e->mutable_event()->mutable_attributes())["method"] = "password";
    res.set_next_page_token("q1.3");
    return res;
  }
  Result<v1::InclusionProof> inclusion(const store::Id& tenant, v1::GetInclusionProofRequest req) override {
    tenants.push_back(tenant);
    if (fail) return *fail;
    v1::InclusionProof p;
    p.set_leaf_index(2);
    p.set_tree_size(req.tree_size());
    p.add_audit_path(std::string(32, '\x02'));
    p.set_leaf_data("\x01" "abc");
    return p;
  }
  Result<v1::ConsistencyProof> consistency(const store::Id& tenant, v1::GetConsistencyProofRequest req) override {
    tenants.push_back(tenant);
    if (fail) return *fail;
    v1::ConsistencyProof p;
    p.set_first_size(req.first_size());
    p.set_second_size(req.second_size());
    return p;
  }
  std::vector<store::Id> tenants;
  v1::QueryRequest last_query;
  std::optional<Error> fail;
};

class AuditApiTest : public ApiTest {
 protected:
  void SetUp() override {
    setup_.audit = reader_;
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_EQ(post_signup("acme", "alice").status, 201);
    ASSERT_EQ(post_signup("globex", "gina").status, 201);
    acme_ = tenant_id("acme");
    create_user(acme_, "vic", store::Role::kViewer);
    create_user(acme_, "mel", store::Role::kMember);
    owner_ = access_token("acme", "alice");
  }
  std::shared_ptr<FakeAuditReader> reader_ = std::make_shared<FakeAuditReader>();
  store::Id acme_{};
  std::string owner_;
};

TEST_F(AuditApiTest, AnOwnerReadsTheCheckpointOfItsOwnTenant) {
  const auto r = call("GET", "/v1/audit/checkpoint", nullptr, owner_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body(r)["tree_size"], 7);
  std::string root;
  for (int i = 0; i < 32; ++i) root += "01";
  EXPECT_EQ(body(r)["root_hash"], root);
  ASSERT_EQ(reader_->tenants.size(), 1u);
  EXPECT_EQ(reader_->tenants[0], acme_);
}

TEST_F(AuditApiTest, NoRequestCanNameAnotherTenant) {
  const store::Id globex = tenant_id("globex");
  const std::string other(crypto::hex_encode(ByteView(globex)));
  // Parameters that would name a tenant are not defined: refused, nothing asked.
  EXPECT_EQ(call("GET", "/v1/audit/events?tenant=" + other, nullptr, owner_).status, 400);
  EXPECT_EQ(call("GET", "/v1/audit/proofs/consistency?first=1&second=2&tenant=" + other, nullptr, owner_).status, 400);
  EXPECT_EQ(call("GET", "/v1/audit/events?page_size=5", nullptr, owner_).status, 200);
  EXPECT_EQ(call("GET", "/v1/audit/proofs/consistency?first=1&second=2", nullptr, owner_).status, 200);
  for (const auto& t : reader_->tenants) EXPECT_EQ(t, acme_);
  EXPECT_EQ(reader_->tenants.size(), 2u);
  // gina of globex sees globex only.
  const auto gina = access_token("globex", "gina");
  EXPECT_EQ(call("GET", "/v1/audit/checkpoint", nullptr, gina).status, 200);
  EXPECT_EQ(reader_->tenants.back(), globex);
}

TEST_F(AuditApiTest, MembersAndViewersAreRefused) {
  for (const char* login : {"vic", "mel"}) {
    const auto token = access_token("acme", login);
    EXPECT_EQ(call("GET", "/v1/audit/checkpoint", nullptr, token).status, 403) << login;
    EXPECT_EQ(call("GET", "/v1/audit/events", nullptr, token).status, 403) << login;
  }
  EXPECT_TRUE(reader_->tenants.empty());
}

TEST_F(AuditApiTest, EventsComePageByPageWithTheirLeafHashes) {
  const auto r = call("GET", "/v1/audit/events?page_size=2&page_token=q1.1", nullptr, owner_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(reader_->last_query.page_size(), 2u);
  EXPECT_EQ(reader_->last_query.page_token(), "q1.1");
  EXPECT_EQ(body(r)["events"][0]["leaf_index"], 3);
  EXPECT_EQ(body(r)["events"][0]["attributes"]["method"], "password");
  EXPECT_EQ(body(r)["next_page_token"], "q1.3");
  EXPECT_EQ(call("GET", "/v1/audit/events?page_size=5000", nullptr, owner_).status, 400);
  EXPECT_EQ(call("GET", "/v1/audit/events?page_size=x", nullptr, owner_).status, 400);
  EXPECT_EQ(call("GET", "/v1/audit/events?page_size=1&page_size=2", nullptr, owner_).status, 400);
}

TEST_F(AuditApiTest, ProofParametersAreChecked) {
  const std::string id(32, 'a');
  const auto ok = call("GET", "/v1/audit/proofs/inclusion?event_id=" + id + "&tree_size=9", nullptr, owner_);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(body(ok)["leaf_data"], "01616263");
  EXPECT_EQ(body(ok)["tree_size"], 9);
  EXPECT_EQ(call("GET", "/v1/audit/proofs/inclusion?event_id=zz&tree_size=9", nullptr, owner_).status, 400);
  EXPECT_EQ(call("GET", "/v1/audit/proofs/inclusion?tree_size=9", nullptr, owner_).status, 400);
  EXPECT_EQ(call("GET", "/v1/audit/proofs/consistency?first=0&second=2", nullptr, owner_).status, 400);
  EXPECT_EQ(call("GET", "/v1/audit/proofs/consistency?first=-1&second=2", nullptr, owner_).status, 400);
}

TEST_F(AuditApiTest, TheAuditServicesAnswersMapToHttp) {
  reader_->fail = Error{static_cast<int>(grpc::StatusCode::NOT_FOUND), "no checkpoint"};
  EXPECT_EQ(call("GET", "/v1/audit/checkpoint", nullptr, owner_).status, 404);
  reader_->fail = Error{static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION), "beyond"};
  EXPECT_EQ(call("GET", "/v1/audit/proofs/consistency?first=1&second=99", nullptr, owner_).status, 409);
  reader_->fail = Error{static_cast<int>(grpc::StatusCode::UNAVAILABLE), "down"};
  EXPECT_EQ(call("GET", "/v1/audit/checkpoint", nullptr, owner_).status, 503);
}

TEST_F(AuditApiTest, WithoutAnAuditServiceTheRoutesAnswer503) {
  setup_.audit = nullptr;
  api_ = make_api(setup_);
  EXPECT_EQ(call("GET", "/v1/audit/checkpoint", nullptr, owner_).status, 503);
}

}  // namespace
}  // namespace bw::auth::api
