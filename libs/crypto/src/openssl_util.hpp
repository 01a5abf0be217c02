// Internal helpers for the OpenSSL-backed sources: owning handles for EVP objects, the one
// fatal-error path, and the conversion of OpenSSL failures into bw::Error values.
// Every failure path clears OpenSSL's thread-local error queue so that stale entries never
// leak into an unrelated later call.
#pragma once

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>

#include "bw/bytes.hpp"
#include "bw/crypto/errors.hpp"

namespace bw::crypto::detail {

template <auto FreeFn>
struct OpensslDeleter {
  template <class T>
  void operator()(T* p) const { FreeFn(p); }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, OpensslDeleter<&EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpensslDeleter<&EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpensslDeleter<&EVP_MD_CTX_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, OpensslDeleter<&EVP_CIPHER_CTX_free>>;
using KdfPtr = std::unique_ptr<EVP_KDF, OpensslDeleter<&EVP_KDF_free>>;
using KdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, OpensslDeleter<&EVP_KDF_CTX_free>>;

// Prints "bw::crypto: fatal: <what>" and OpenSSL's error queue to stderr, then aborts. For
// failures that leave no correct result to return (CSPRNG, hashing, allocation).
[[noreturn]] void fatal(const char* what);

// data.data(), or a valid pointer to a dummy byte when data is empty: some OpenSSL calls read
// a null pointer as "no value given" rather than "zero bytes".
const unsigned char* nonnull(ByteView data);

// An Errc::kInternal error naming what failed, with OpenSSL's reason; clears the queue.
Error openssl_failure(const char* what);

// An error with the given code and message; clears the queue (OpenSSL may have queued why).
Error rejected(Errc code, const char* message);

}  // namespace bw::crypto::detail
