#include "edgeroute/sync/tls.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <cstdio>
#include <memory>

namespace edgeroute::sync {
namespace {

// OpenSSL's queued errors, oldest first, as one line; the queue is emptied.
std::string openssl_errors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    if (!text.empty()) text += "; ";
    text += buffer.data();
  }
  return text.empty() ? "no detail from OpenSSL" : text;
}

Status file_error(const std::string& path, std::string_view what, const std::error_code& error) {
  const std::string detail =
      error.category() == asio::error::get_ssl_category() ? openssl_errors() : error.message();
  return Status(StatusCode::invalid_argument, fmt::format("{}: {}: {}", path, what, detail));
}

}  // namespace

Result<asio::ssl::context> make_tls_context(TlsRole role, const TlsFiles& files) {
  for (const std::string* path : {&files.ca_certificate, &files.certificate, &files.private_key}) {
    if (path->empty() || path->front() != '/')
      return Status(StatusCode::invalid_argument,
                    fmt::format("TLS file '{}' is not an absolute path", *path));
    if (std::FILE* file = std::fopen(path->c_str(), "rb")) {
      std::fclose(file);
    } else {
      return Status(StatusCode::not_found, fmt::format("{}: cannot be read", *path));
    }
  }
  asio::ssl::context context(role == TlsRole::central ? asio::ssl::context::tls_server
                                                      : asio::ssl::context::tls_client);
  ERR_clear_error();
  std::error_code error;
  context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                          asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                          asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
                      error);
  if (error) return Status(StatusCode::internal, "TLS options: " + openssl_errors());
  if (context.load_verify_file(files.ca_certificate, error), error)
    return file_error(files.ca_certificate, "CA certificate", error);
  if (context.use_certificate_chain_file(files.certificate, error), error)
    return file_error(files.certificate, "certificate", error);
  if (context.use_private_key_file(files.private_key, asio::ssl::context::pem, error), error)
    return file_error(files.private_key, "private key", error);
  if (SSL_CTX_check_private_key(context.native_handle()) != 1)
    return Status(StatusCode::invalid_argument,
                  fmt::format("{}: private key does not match the certificate {}",
                              files.private_key, files.certificate));
  // Both ends insist on a certificate from the other.
  context.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert, error);
  if (error) return Status(StatusCode::internal, "TLS verify mode: " + openssl_errors());
  return context;
}

std::string certificate_sha256(X509* certificate) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (X509_digest(certificate, EVP_sha256(), digest.data(), &length) != 1) return {};
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int index = 0; index < length; ++index) hex += fmt::format("{:02x}", digest[index]);
  return hex;
}

Result<std::string> certificate_file_sha256(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) return Status(StatusCode::not_found, fmt::format("{}: cannot be read", path));
  ERR_clear_error();
  std::unique_ptr<X509, void (*)(X509*)> certificate(
      PEM_read_X509(file.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!certificate)
    return Status(StatusCode::invalid_argument,
                  fmt::format("{}: not a PEM certificate ({})", path, openssl_errors()));
  return certificate_sha256(certificate.get());
}

}  // namespace edgeroute::sync
