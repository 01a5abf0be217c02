// Loading of TLS files (see tls.hpp).
#include "bw/service/tls.hpp"

#include "bw/config/files.hpp"

namespace bw::service {

Result<std::string> read_pem(const std::string& path, bool is_private_key) {
  constexpr std::size_t kMaxPem = 1 << 20;
  auto text = is_private_key ? config::read_private_file(path, kMaxPem) : config::read_file(path, kMaxPem);
  if (!text) {
    const int code = text.error().code == config::kFileExposed ? kTlsKeyExposed : kTlsUnreadable;
    return Error{code, "tls: " + text.error().message};
  }
  if (text->find("-----BEGIN ") == std::string::npos || text->find("-----END ") == std::string::npos) {
    return Error{kTlsNotPem, "tls: " + path + " is not a PEM file"};
  }
  return text;
}

Result<TlsMaterial> load_tls(const TlsFiles& files, bool need_identity, bool need_ca) {
  TlsMaterial m;
  if (need_identity && (files.cert_file.empty() || files.key_file.empty())) {
    return Error{kTlsMissing, "tls: tls.cert_file and tls.key_file are required (or set tls.plaintext: true "
                              "only behind a TLS-terminating proxy)"};
  }
  if (need_ca && files.ca_file.empty()) {
    return Error{kTlsMissing, "tls: tls.ca_file is required to verify peers"};
  }
  if (!files.cert_file.empty()) {
    auto r = read_pem(files.cert_file, false);
    if (!r) return r.error();
    m.cert_pem = std::move(r.value());
  }
  if (!files.key_file.empty()) {
    auto r = read_pem(files.key_file, true);
    if (!r) return r.error();
    m.key_pem = std::move(r.value());
  }
  if (!files.ca_file.empty()) {
    auto r = read_pem(files.ca_file, false);
    if (!r) return r.error();
    m.ca_pem = std::move(r.value());
  }
  return m;
}

}  // namespace bw::service
