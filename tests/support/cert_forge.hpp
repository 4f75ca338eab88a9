// Certificates an attacker could present, for the advisory tests (test use only, header-only,
// OpenSSL 3): a certificate issued by some other key (an unknown CA, or the key of a paired
// client acting as issuer), and a paired certificate re-signed by another key with every
// to-be-signed field kept (subject, issuer, serial, validity, public key). Throws
// std::runtime_error when OpenSSL fails (a test setup error, not a finding).
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "gamestream_client.hpp"

namespace lightwell::test::forge {

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

inline PkeyPtr read_key(const std::string& pem) {
  BioPtr in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  PkeyPtr key(PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!key) throw std::runtime_error("forge: cannot read a private key");
  return key;
}

inline X509Ptr read_cert(const std::string& pem) {
  BioPtr in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  X509Ptr cert(PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr), X509_free);
  if (!cert) throw std::runtime_error("forge: cannot read a certificate");
  return cert;
}

inline std::string cert_pem(X509* cert) {
  BioPtr out(BIO_new(BIO_s_mem()), BIO_free);
  if (PEM_write_bio_X509(out.get(), cert) != 1) throw std::runtime_error("forge: PEM encoding failed");
  char* data = nullptr;
  const long n = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// A certificate for `subject` (its key; CN "NVIDIA GameStream Client" like every Moonlight)
// whose issuer is `issuer_cn`, signed by `issuer_key_pem`. X.509 v3 with basicConstraints
// CA:FALSE, so it looks like a proper leaf of that issuer.
inline ClientIdentity issued_by(const ClientIdentity& subject, const std::string& issuer_cn,
                                const std::string& issuer_key_pem, long serial = 2) {
  const PkeyPtr subject_key = read_key(subject.key_pem);
  const PkeyPtr issuer_key = read_key(issuer_key_pem);
  X509Ptr x(X509_new(), X509_free);
  X509_NAME* subject_name = X509_get_subject_name(x.get());
  X509_NAME* issuer_name = X509_NAME_new();
  const auto* cn = reinterpret_cast<const unsigned char*>("NVIDIA GameStream Client");
  const auto* icn = reinterpret_cast<const unsigned char*>(issuer_cn.c_str());
  const bool ok = X509_set_version(x.get(), 2) == 1 && ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial) == 1 &&
                  X509_gmtime_adj(X509_getm_notBefore(x.get()), 0) != nullptr &&
                  X509_gmtime_adj(X509_getm_notAfter(x.get()), 365L * 24 * 3600) != nullptr &&
                  X509_NAME_add_entry_by_txt(subject_name, "CN", MBSTRING_ASC, cn, -1, -1, 0) == 1 &&
                  X509_NAME_add_entry_by_txt(issuer_name, "CN", MBSTRING_ASC, icn, -1, -1, 0) == 1 &&
                  X509_set_issuer_name(x.get(), issuer_name) == 1 && X509_set_pubkey(x.get(), subject_key.get()) == 1;
  X509_NAME_free(issuer_name);
  if (!ok) throw std::runtime_error("forge: building the certificate failed");
  X509_EXTENSION* bc = X509V3_EXT_conf_nid(nullptr, nullptr, NID_basic_constraints, "critical,CA:FALSE");
  if (bc == nullptr || X509_add_ext(x.get(), bc, -1) != 1) throw std::runtime_error("forge: extension failed");
  X509_EXTENSION_free(bc);
  if (X509_sign(x.get(), issuer_key.get(), EVP_sha256()) <= 0) throw std::runtime_error("forge: signing failed");
  return ClientIdentity{cert_pem(x.get()), subject.key_pem};
}

// The same certificate (every to-be-signed byte kept) with the signature made by `key_pem`.
// The holder of the original key keeps its key: TLS proves possession of the public key in
// the certificate, which is unchanged.
inline ClientIdentity resigned(const ClientIdentity& original, const std::string& signing_key_pem) {
  X509Ptr x = read_cert(original.cert_pem);
  const PkeyPtr signer = read_key(signing_key_pem);
  if (X509_sign(x.get(), signer.get(), EVP_sha256()) <= 0) throw std::runtime_error("forge: re-signing failed");
  return ClientIdentity{cert_pem(x.get()), original.key_pem};
}

}  // namespace lightwell::test::forge
