// Password hashing with Argon2id (libsodium's crypto_pwhash_str_alg), stored as PHC strings
// "$argon2id$v=19$m=<KiB>,t=<passes>,p=1$<salt>$<hash>".
//
// Guarantees:
//  - parameters never go below OWASP's Argon2id minimum (19 MiB, t = 2, p = 1); a policy
//    asking for less is refused when the hasher is made, not silently raised;
//  - verification compares in constant time (inside libsodium) and reads the parameters
//    from the stored string, so old hashes still verify after the policy rises, and
//    needs_rehash() tells the caller to re-hash on the next successful login;
//  - unknown accounts: verify_dummy() runs one full Argon2id verification with the current
//    parameters against a hash of a random password made at construction, and returns
//    false. The login path calls it whenever the account does not exist (or has no
//    password), so "no such user" costs the same time as "wrong password" and both give the
//    same answer. Callers must not skip it on any early-exit path that a user can reach.
//  - input is bounded: at most kMaxPasswordBytes bytes are hashed (a longer input is refused
//    by hash() and fails verify() after the same Argon2id work as a wrong password).
//    Bytes are hashed exactly as given (no normalisation); NUL is refused by the password
//    policy for new passwords (password_policy.hpp), not here, so any stored hash verifies.
// Argon2id in libsodium always uses one lane (p = 1), which is what the PHC string records.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "bw/result.hpp"

namespace bw::authcore {

inline constexpr std::size_t kMaxPasswordBytes = 1024;
inline constexpr std::uint64_t kArgon2MinMemoryBytes = 19ull * 1024 * 1024;
inline constexpr std::uint64_t kArgon2MinPasses = 2;

struct Argon2Params {
  std::uint64_t memory_bytes = kArgon2MinMemoryBytes;  // libsodium's memlimit (multiple of 1 KiB)
  std::uint64_t passes = kArgon2MinPasses;             // libsodium's opslimit (Argon2 t)
};

// Errc::kInvalidArgument unless params are at least the minimum, at most libsodium's maximum,
// and memory_bytes is a whole number of KiB.
Status validate(const Argon2Params& params);

class PasswordHasher {
 public:
  // A hasher for params (validated as above). Also computes the dummy hash, so it costs one
  // Argon2id hash: make one at start-up and share it (all methods are const and thread-safe).
  static Result<PasswordHasher> create(const Argon2Params& params = {});

  const Argon2Params& params() const { return params_; }

  // The PHC string of password under a fresh random salt. Errors: kPasswordTooLong past
  // kMaxPasswordBytes; kInternal if libsodium cannot allocate the memory.
  Result<std::string> hash(std::string_view password) const;

  // True only if phc is a well-formed Argon2id PHC string and password matches it. A
  // malformed phc or an over-long password returns false after the same Argon2id work as a
  // dummy verification, so neither is distinguishable by time.
  [[nodiscard]] bool verify(std::string_view phc, std::string_view password) const;

  // Always false, after one Argon2id verification at the current parameters: the path for
  // unknown accounts (see the file comment).
  [[nodiscard]] bool verify_dummy(std::string_view password) const;

  // True if phc was made with parameters other than params() (so a successful login should
  // store hash(password) instead), or if phc is not an Argon2id PHC string.
  [[nodiscard]] bool needs_rehash(std::string_view phc) const;

  // How many Argon2id verifications this hasher (and its copies) ran: verify() and
  // verify_dummy() each count one. Lets a test prove that an unknown account costs the same
  // work as a wrong password without timing anything.
  std::uint64_t verifications() const { return verifications_->load(std::memory_order_relaxed); }

 private:
  PasswordHasher(Argon2Params params, std::string dummy)
      : params_(params), dummy_(std::move(dummy)), verifications_(std::make_shared<std::atomic<std::uint64_t>>(0)) {}
  bool run_verify(std::string_view stored_phc, std::string_view password) const;
  Argon2Params params_;
  std::string dummy_;
  std::shared_ptr<std::atomic<std::uint64_t>> verifications_;
};

}  // namespace bw::authcore
