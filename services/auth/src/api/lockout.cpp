// LoginLockout over QuotaClient (lockout.hpp).
#include "api/lockout.hpp"

#include "bw/quota/client.hpp"

namespace bw::auth::api {
namespace {

constexpr std::string_view kDomain = "login";

class QuotaLockout final : public LoginLockout {
 public:
  explicit QuotaLockout(std::shared_ptr<quota::QuotaClient> client) : client_(std::move(client)) {}

  Result<AttemptDecision> record_attempt(const std::string& account, const std::string& address) override {
    auto by_address = client_->check_lockout({quota::SubjectKind::kAddress, "", address}, kDomain);
    if (!by_address) return by_address.error();
    if (by_address->locked) return AttemptDecision{false, by_address->retry_after};
    auto by_account = client_->record_failure({quota::SubjectKind::kAccount, "", account}, kDomain);
    if (!by_account) return by_account.error();
    if (!by_account->recorded) return AttemptDecision{false, by_account->retry_after};
    return AttemptDecision{true, {}};
  }

  Status record_address_failure(const std::string& address) override {
    auto state = client_->record_failure({quota::SubjectKind::kAddress, "", address}, kDomain);
    if (!state) return state.error();
    return {};
  }

  Status clear_account(const std::string& account) override {
    return client_->clear_failures({quota::SubjectKind::kAccount, "", account}, kDomain);
  }

 private:
  std::shared_ptr<quota::QuotaClient> client_;
};

}  // namespace

std::unique_ptr<LoginLockout> make_quota_lockout(std::shared_ptr<quota::QuotaClient> client) {
  return std::make_unique<QuotaLockout>(std::move(client));
}

}  // namespace bw::auth::api
