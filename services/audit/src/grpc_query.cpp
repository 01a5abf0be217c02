// AuditGrpcService::Query (grpc_service.hpp): filters, pages and page tokens.
//
// A page token is "q1." followed by the decimal leaf index of the last event returned: the
// next page continues after it, in leaf order. Tokens are opaque to callers; a token that
// does not parse is INVALID_ARGUMENT. (A caller editing one only moves its own position in
// a log it may read anyway.)
#include <charconv>

#include "errors.hpp"
#include "event_convert.hpp"
#include "grpc_service.hpp"

namespace bw::auditsvc {
namespace v1 = breakwater::audit::v1;
namespace store = audit::store;

namespace {

constexpr std::string_view kTokenPrefix = "q1.";
constexpr std::uint32_t kDefaultPage = 100;

Result<std::optional<std::int64_t>> parse_token(const std::string& token) {
  if (token.empty()) return std::optional<std::int64_t>{};
  std::int64_t index = -1;
  const std::string_view digits = std::string_view(token).substr(std::min(token.size(), kTokenPrefix.size()));
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (token.rfind(kTokenPrefix, 0) != 0 || ec != std::errc() || end != digits.data() + digits.size() || index < 0) {
    return make_error(Errc::kInvalidArgument, "page_token is not one this service issued");
  }
  return std::optional<std::int64_t>(index);
}

std::int64_t millis(const google::protobuf::Timestamp& t) { return t.seconds() * 1000 + t.nanos() / 1'000'000; }

Result<store::EntryQuery> to_query(const v1::QueryRequest& req) {
  store::EntryQuery q;
  if (req.has_start_time()) q.time_from = millis(req.start_time());
  if (req.has_end_time()) q.time_to = millis(req.end_time());
  if (!req.actor_id().empty()) {
    if (req.actor_id().size() != 16) return make_error(Errc::kInvalidArgument, "actor_id must be 16 bytes");
    q.actor_id = Bytes(req.actor_id().begin(), req.actor_id().end());
  }
  if (!req.action().empty()) {
    if (req.action().size() > 64) return make_error(Errc::kInvalidArgument, "action is too long");
    q.action = req.action();
  }
  if (req.result() != v1::RESULT_UNSPECIFIED) {
    if (req.result() < 0 || req.result() > v1::RESULT_DENIED) return make_error(Errc::kInvalidArgument, "unknown result");
    q.result = static_cast<int>(req.result());
  }
  auto after = parse_token(req.page_token());
  if (!after) return after.error();
  q.after_leaf_index = *after;
  q.limit = static_cast<int>(req.page_size() == 0 ? kDefaultPage : std::min<std::uint32_t>(req.page_size(), store::kMaxQueryLimit));
  return q;
}

}  // namespace

grpc::Status AuditGrpcService::query_page(const v1::QueryRequest* req, v1::QueryResponse* res) {
  auto tenant = id16(req->tenant(), "tenant");
  if (!tenant) return {grpc::StatusCode::INVALID_ARGUMENT, tenant.error().message};
  auto q = to_query(*req);
  if (!q) return {grpc::StatusCode::INVALID_ARGUMENT, q.error().message};
  auto page = store_->query(*tenant, *q);
  if (!page) {
    auto e = from_store(page.error(), "query");
    return {has_code(e, Errc::kUnavailable) ? grpc::StatusCode::UNAVAILABLE : grpc::StatusCode::INTERNAL, e.message};
  }
  for (const auto& row : page->entries) {
    if (auto st = to_stored(row, res->add_events()); !st) return {grpc::StatusCode::INTERNAL, st.error().message};
  }
  if (page->more && !page->entries.empty()) {
    res->set_next_page_token(std::string(kTokenPrefix) + std::to_string(page->entries.back().leaf_index));
  }
  return grpc::Status::OK;
}

}  // namespace bw::auditsvc
