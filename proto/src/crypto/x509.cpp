#include "lightwell/proto/crypto/x509.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <climits>

namespace lightwell::proto::crypto {

namespace {

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

BioPtr memory_bio(std::string_view text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(std::min<std::size_t>(text.size(), INT_MAX))), BIO_free);
}

std::string drain(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

bool only_whitespace(BIO* bio) {
  char buf[256];
  int n = 0;
  while ((n = BIO_read(bio, buf, sizeof buf)) > 0) {
    for (int i = 0; i < n; ++i) {
      if (!std::isspace(static_cast<unsigned char>(buf[i]))) return false;
    }
  }
  return true;
}

// A random positive 159-bit serial, as Sunshine's host certificates have
// (http-pairing.md §5.8): two hosts never present the same issuer + serial pair.
bool set_random_serial(X509* x509) {
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(BN_new(), BN_free);
  return bn && BN_rand(bn.get(), 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
         BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x509)) != nullptr;
}

constexpr std::size_t kMaxPemBytes = 64 * 1024;  // a 2048/4096-bit cert or key is a few KiB

}  // namespace

void Certificate::Free::operator()(x509_st* p) const noexcept { X509_free(p); }
void PrivateKey::Free::operator()(evp_pkey_st* p) const noexcept { EVP_PKEY_free(p); }

Result<Certificate> Certificate::from_pem(std::string_view pem) {
  if (pem.size() > kMaxPemBytes) return fail(Errc::too_large, "certificate PEM larger than 64 KiB");
  BioPtr bio = memory_bio(pem);
  std::unique_ptr<X509, Free> x509(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!x509) return fail(Errc::malformed, "not a PEM certificate");
  if (!only_whitespace(bio.get())) return fail(Errc::malformed, "data after the PEM certificate");
  const int len = i2d_X509(x509.get(), nullptr);
  if (len <= 0) return fail(Errc::malformed, "certificate cannot be encoded as DER");
  std::vector<std::uint8_t> der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  i2d_X509(x509.get(), &p);
  return Certificate(std::move(x509), std::move(der));
}

Result<Certificate> Certificate::from_der(Bytes der) {
  if (der.size() > kMaxPemBytes) return fail(Errc::too_large, "certificate DER larger than 64 KiB");
  const unsigned char* p = der.data();
  std::unique_ptr<X509, Free> x509(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x509) return fail(Errc::malformed, "not a DER certificate");
  if (p != der.data() + der.size()) return fail(Errc::malformed, "data after the DER certificate");
  return Certificate(std::move(x509), std::vector<std::uint8_t>(der.begin(), der.end()));
}

std::string Certificate::pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), x509_.get());
  return drain(bio.get());
}

std::vector<std::uint8_t> Certificate::signature() const {
  const ASN1_BIT_STRING* sig = nullptr;
  const X509_ALGOR* alg = nullptr;
  X509_get0_signature(&sig, &alg, x509_.get());
  if (!sig) return {};
  const unsigned char* data = ASN1_STRING_get0_data(sig);
  return std::vector<std::uint8_t>(data, data + ASN1_STRING_length(sig));
}

bool Certificate::verify_sha256(Bytes message, Bytes signature) const {
  EVP_PKEY* key = X509_get0_pubkey(x509_.get());
  if (!key) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) return false;
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size()) == 1;
}

std::string Certificate::subject_common_name() const {
  char buf[256] = {};
  const int n = X509_NAME_get_text_by_NID(X509_get_subject_name(x509_.get()), NID_commonName, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
  if (pem.size() > kMaxPemBytes) return fail(Errc::too_large, "key PEM larger than 64 KiB");
  BioPtr bio = memory_bio(pem);
  std::unique_ptr<EVP_PKEY, Free> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return fail(Errc::malformed, "not a PEM private key");
  return PrivateKey(std::move(key));
}

std::string PrivateKey::pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return drain(bio.get());
}

Result<std::vector<std::uint8_t>> PrivateKey::sign_sha256(Bytes message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1) {
    return fail(Errc::crypto_failure, "RSA signing failed");
  }
  std::vector<std::uint8_t> sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1) {
    return fail(Errc::crypto_failure, "RSA signing failed");
  }
  sig.resize(len);
  return sig;
}

Result<Identity> generate_identity(std::string_view common_name, int validity_days) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> x509(X509_new(), X509_free);
  if (!key || !x509) return fail(Errc::crypto_failure, "RSA-2048 key generation failed");
  const std::string cn(common_name.substr(0, 64));
  X509_NAME* name = X509_get_subject_name(x509.get());
  const bool ok =
      X509_set_version(x509.get(), X509_VERSION_3) == 1 &&
      set_random_serial(x509.get()) &&
      X509_gmtime_adj(X509_getm_notBefore(x509.get()), 0) != nullptr &&
      X509_gmtime_adj(X509_getm_notAfter(x509.get()), 60L * 60 * 24 * validity_days) != nullptr &&
      X509_set_pubkey(x509.get(), key.get()) == 1 &&
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) == 1 &&
      X509_set_issuer_name(x509.get(), name) == 1 && X509_sign(x509.get(), key.get(), EVP_sha256()) > 0;
  if (!ok) return fail(Errc::crypto_failure, "self-signed certificate creation failed");

  Identity out;
  BioPtr key_bio(BIO_new(BIO_s_mem()), BIO_free);
  BioPtr cert_bio(BIO_new(BIO_s_mem()), BIO_free);
  if (PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_X509(cert_bio.get(), x509.get()) != 1) {
    return fail(Errc::crypto_failure, "PEM encoding failed");
  }
  out.key_pem = drain(key_bio.get());
  out.cert_pem = drain(cert_bio.get());
  return out;
}

}  // namespace lightwell::proto::crypto
