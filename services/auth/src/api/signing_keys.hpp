// JWT signing keys at rest: each Ed25519 seed is sealed (AES-256-GCM, bw::authcore
// sealed_secret) under the key-encryption key (KEK) from configuration and stored by the
// Store; the running service holds them in a jwt::KeySet.
//
// Guarantees: a seed is never stored, logged or returned in the clear; a sealed seed opens
// only under the KEK it was sealed with and only for its own kid (the kid is part of the
// associated data); a stored key whose public half does not match its opened seed is
// refused, so a swapped row cannot make the service sign with an unexpected key.
#pragma once

#include <string>
#include <string_view>

#include "bw/authcore/sealed_secret.hpp"
#include "bw/bytes.hpp"
#include "bw/jwt/key_set.hpp"
#include "bw/result.hpp"
#include "store/store.hpp"

namespace bw::auth::api {

// The KEK ring from a key file's text (libs/authcore, shared with the audit service).
using authcore::kek_from_file_text;

// The store row for a new key with this kid and 32-byte seed, its seed sealed under ring.
Result<store::SigningKey> seal_signing_key(const authcore::KeyRing& ring, const std::string& kid, ByteView seed,
                                           store::TimeMs now);

// Loads the active keys into a KeySet (current key signing, previous key verifying). When
// the store holds none (first start), generates an Ed25519 key, stores it sealed with
// rotate_signing_key, and loads again. Errors: the store's, or a key that does not open.
Result<jwt::KeySet> load_or_create_key_set(store::Store& store, const authcore::KeyRing& ring, store::TimeMs now);

}  // namespace bw::auth::api
