// Loading of TLS files (see tls.hpp).
#include "bw/service/tls.hpp"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace bw::service {

Result<std::string> read_pem(const std::string& path, bool is_private_key) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Error{kTlsUnreadable, "tls: cannot read " + path};
  if (!S_ISREG(st.st_mode)) return Error{kTlsUnreadable, "tls: " + path + " is not a regular file"};
  if (is_private_key && (st.st_mode & S_IROTH)) {
    return Error{kTlsKeyExposed, "tls: private key " + path +
                                     " is readable by other users; run chmod 600 (or 640 with a dedicated group)"};
  }
  if (st.st_size > (1 << 20)) return Error{kTlsUnreadable, "tls: " + path + " is larger than 1 MiB"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{kTlsUnreadable, "tls: cannot read " + path};
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  if (text.find("-----BEGIN ") == std::string::npos || text.find("-----END ") == std::string::npos) {
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
