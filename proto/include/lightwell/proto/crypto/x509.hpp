// Certificates and RSA keys for the host identity and pairing (http-pairing.md §5.8).
// Pairing signs with RSASSA-PKCS1-v1_5 / SHA-256 and hashes the raw signatureValue bytes of
// each side's certificate, so both are exposed here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/result.hpp"

struct x509_st;     // OpenSSL X509
struct evp_pkey_st; // OpenSSL EVP_PKEY

namespace lightwell::proto::crypto {

// A parsed X.509 certificate (immutable; safe to share between threads once built).
class Certificate {
 public:
  // Accepts one PEM certificate; trailing garbage or a second certificate is an error.
  static Result<Certificate> from_pem(std::string_view pem);
  static Result<Certificate> from_der(Bytes der);

  const std::vector<std::uint8_t>& der() const noexcept { return der_; }
  std::string pem() const;
  // Raw bytes of the signatureValue BIT STRING (256 bytes for RSA-2048).
  std::vector<std::uint8_t> signature() const;
  // Verifies an RSASSA-PKCS1-v1_5 / SHA-256 signature of message with the certificate's key.
  bool verify_sha256(Bytes message, Bytes signature) const;
  std::string subject_common_name() const;

 private:
  struct Free { void operator()(x509_st* p) const noexcept; };
  explicit Certificate(std::unique_ptr<x509_st, Free> x509, std::vector<std::uint8_t> der)
      : x509_(std::move(x509)), der_(std::move(der)) {}
  std::shared_ptr<x509_st> x509_;
  std::vector<std::uint8_t> der_;
};

class PrivateKey {
 public:
  static Result<PrivateKey> from_pem(std::string_view pem);
  std::string pem() const;  // PKCS#8, unencrypted (stored 0600 in the state directory)
  // RSASSA-PKCS1-v1_5 / SHA-256 (deterministic).
  Result<std::vector<std::uint8_t>> sign_sha256(Bytes message) const;

 private:
  struct Free { void operator()(evp_pkey_st* p) const noexcept; };
  explicit PrivateKey(std::unique_ptr<evp_pkey_st, Free> key) : key_(std::move(key)) {}
  std::shared_ptr<evp_pkey_st> key_;
};

struct Identity {
  std::string key_pem;
  std::string cert_pem;
};

// A new RSA-2048 key and a self-signed SHA-256 certificate with CN=common_name, a random
// 159-bit serial,
// valid for validity_days from now. Uses OpenSSL's RNG and clock (the one impure corner of
// proto_crypto: key generation cannot be made deterministic through EVP).
Result<Identity> generate_identity(std::string_view common_name, int validity_days = 20 * 365);

}  // namespace lightwell::proto::crypto
