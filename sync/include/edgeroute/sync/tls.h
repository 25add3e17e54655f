// TLS for the sync protocol: both ends authenticate. Central presents a server
// certificate the gateway checks against its CA file and the name it dialled; each
// gateway presents a client certificate central checks against its CA file and then
// against the fingerprint registered for the gateway id the Hello claims (a valid
// certificate of gateway A cannot speak for gateway B). TLS 1.2 is the floor.
//
// scripts/make-sync-pki.sh makes a CA, central's certificate and gateway certificates.
//
// Thread-safety: make_tls_context() and the fingerprint functions are pure; a context is
// shared by the connections made from it.
#pragma once

#include <string>

#include <asio/ssl.hpp>

#include "edgeroute/base/result.h"

namespace edgeroute::sync {

// PEM files (absolute paths).
struct TlsFiles {
  std::string ca_certificate;  // the CA that issued the peer's certificate
  std::string certificate;     // this side's certificate
  std::string private_key;     // its private key
};

enum class TlsRole : std::uint8_t { gateway, central };

// A context that presents `files.certificate` and requires a peer certificate issued by
// `files.ca_certificate`. Errors name the file and what OpenSSL said about it (missing,
// not PEM, key does not match the certificate).
Result<asio::ssl::context> make_tls_context(TlsRole role, const TlsFiles& files);

// SHA-256 of the certificate's DER encoding, 64 lowercase hex digits: what central
// registers per gateway.
std::string certificate_sha256(X509* certificate);
// The same for the first certificate of a PEM file (`edgeroute-central gateway add`).
Result<std::string> certificate_file_sha256(const std::string& path);

}  // namespace edgeroute::sync
