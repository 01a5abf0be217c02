// TLS material from files, for servers and for outbound connections.
//
// Guarantees: a private key file is refused when other users have any access to it or its
// group may write it (0600, 0400, 0640, 0440 pass), or when it is not a regular file, so a
// leaked mount or a sloppy copy is caught at start-up; checks are made on the open file;
// PEM text is checked for its armour lines before any TLS library sees it; file contents
// are never logged. Plaintext is never a fallback: it happens only when the configuration
// says `plaintext: true`.
#pragma once

#include <string>

#include "bw/result.hpp"

namespace bw::service {

enum TlsError : int { kTlsUnreadable = 101, kTlsNotPem = 102, kTlsKeyExposed = 103, kTlsMissing = 104 };

// Paths as configured. ca_file is the cluster CA: it verifies peers (clients of a server
// that requires client certificates, or the server an outbound call goes to).
struct TlsFiles {
  std::string cert_file;
  std::string key_file;
  std::string ca_file;
};

// Loaded PEM text.
struct TlsMaterial {
  std::string cert_pem;
  std::string key_pem;
  std::string ca_pem;
};

// Reads a PEM file; a key file must not be readable by others.
Result<std::string> read_pem(const std::string& path, bool is_private_key);

// Loads whichever of the three files are named; `need_identity` requires cert and key,
// `need_ca` requires the CA. Errors name the config key to fix.
Result<TlsMaterial> load_tls(const TlsFiles& files, bool need_identity, bool need_ca);

}  // namespace bw::service
