#pragma once
// Certificate pinning: the SHA-256 of a certificate (DER), as lower-case hex — what agents are
// given as --coordinator-cert-sha256 (`openssl x509 -outform DER | sha256sum`). Header-only: the
// static agent and the tools share it without another library.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <string>

namespace bmf::crypto {

inline std::string certificate_sha256(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!cert || X509_digest(cert, EVP_sha256(), md, &len) != 1) return {};
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xf]);
  }
  return out;
}

}  // namespace bmf::crypto
