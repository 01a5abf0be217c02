// The login lockout port: counts failed sign-ins per account and per source address in the
// rate-limit service (DESIGN §2), so every replica shares one count.
//  - Account: the attempt is recorded *before* the password is verified and verified only
//    when it was recorded, so parallel guesses can never pass the limit; a success clears it.
//  - Address: checked before, and a failure recorded only after a wrong password. A
//    success does not clear it (an attacker could reset it with an account of their own),
//    so counting successes would ban a busy NAT; parallel sprays from one address may
//    overshoot by the number in flight, which the per-account bound makes harmless.
// Errors mean "unknown": the caller fails closed (503).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "bw/result.hpp"

namespace bw::quota {
class QuotaClient;
}

namespace bw::auth::api {

struct AttemptDecision {
  bool allowed = false;                      // recorded: the password may be verified
  std::chrono::milliseconds retry_after{0};  // when refused
};

class LoginLockout {
 public:
  virtual ~LoginLockout() = default;
  // Checks the address ban, then records one attempt for the account; allowed only if the
  // address is not banned and the account's attempt was recorded.
  virtual Result<AttemptDecision> record_attempt(const std::string& account, const std::string& address) = 0;
  // Counts a wrong password from the address.
  virtual Status record_address_failure(const std::string& address) = 0;
  virtual Status clear_account(const std::string& account) = 0;
};

// The real port over breakwater-ratelimit's Quota API, domain "login".
std::unique_ptr<LoginLockout> make_quota_lockout(std::shared_ptr<quota::QuotaClient> client);

}  // namespace bw::auth::api
