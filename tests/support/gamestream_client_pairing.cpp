// The client side of pairing (http-pairing.md §5.2–§5.5) and the client certificate (§5.8).
// Uses the same primitives as the host (proto_crypto) so the vector pins both roles.
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <memory>

#include "gamestream_client.hpp"
#include "lightwell/proto/crypto/hash.hpp"
#include "lightwell/proto/crypto/pairing.hpp"
#include "lightwell/proto/hex.hpp"

namespace lightwell::test {

using proto::Bytes;
using proto::Errc;
using proto::fail;
using proto::Result;
namespace crypto = proto::crypto;

namespace {

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

Bytes text_bytes(std::string_view s) { return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }

}  // namespace

Result<ClientIdentity> make_client_identity(const ClientIdentityOptions& options) {
  using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
  using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
  PkeyPtr key(nullptr, EVP_PKEY_free);
  if (options.key_pem) {
    BioPtr in(BIO_new_mem_buf(options.key_pem->data(), static_cast<int>(options.key_pem->size())), BIO_free);
    key.reset(PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr));
  } else {
    key.reset(EVP_RSA_gen(2048));  // RSA-2048 like every Moonlight client (§5.8)
  }
  if (!key) return fail(Errc::crypto_failure, "client key: generation or parsing failed");

  std::unique_ptr<X509, decltype(&X509_free)> x509(X509_new(), X509_free);
  if (!x509) return fail(Errc::crypto_failure, "X509_new failed");
  // No X509_set_version: a v1 certificate without extensions, like the vector's client cert.
  X509_NAME* name = X509_get_subject_name(x509.get());
  const auto* cn = reinterpret_cast<const unsigned char*>(options.common_name.c_str());
  const long validity_s = static_cast<long>(options.validity_days) * 24L * 3600L;
  const bool ok = ASN1_INTEGER_set(X509_get_serialNumber(x509.get()), options.serial) == 1 &&
                  X509_gmtime_adj(X509_getm_notBefore(x509.get()), 0) != nullptr &&
                  X509_gmtime_adj(X509_getm_notAfter(x509.get()), validity_s) != nullptr &&
                  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0) == 1 &&
                  X509_set_issuer_name(x509.get(), name) == 1 && X509_set_pubkey(x509.get(), key.get()) == 1 &&
                  X509_sign(x509.get(), key.get(), EVP_sha256()) > 0;
  if (!ok) return fail(Errc::crypto_failure, "client certificate: building or signing failed");

  BioPtr cert_out(BIO_new(BIO_s_mem()), BIO_free);
  BioPtr key_out(BIO_new(BIO_s_mem()), BIO_free);
  if (!cert_out || !key_out || PEM_write_bio_X509(cert_out.get(), x509.get()) != 1 ||
      PEM_write_bio_PKCS8PrivateKey(key_out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return fail(Errc::crypto_failure, "client identity: PEM encoding failed");
  }
  return ClientIdentity{bio_text(cert_out.get()), bio_text(key_out.get())};
}

Secret16 random_secret() {
  Secret16 s{};
  if (RAND_bytes(s.data(), static_cast<int>(s.size())) != 1) throw std::runtime_error("RAND_bytes failed");
  return s;
}

PairingRandomness PairingRandomness::random() { return {random_secret(), random_secret(), random_secret()}; }

const char* to_string(SecretCheck check) noexcept {
  switch (check) {
    case SecretCheck::ok: return "ok";
    case SecretCheck::bad_signature: return "bad signature over the server secret (MITM)";
    case SecretCheck::hash_mismatch: return "server hash mismatch (the host has another PIN)";
  }
  return "?";
}

std::string hex_of_text(std::string_view text) { return proto::to_hex(text_bytes(text)); }

std::optional<std::string> text_of_hex(std::string_view hex) {
  auto bytes = proto::from_hex(hex, hex.size() / 2 + 1);
  if (!bytes) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

Result<ClientPairingRole> ClientPairingRole::create(const ClientIdentity& identity) {
  auto cert = crypto::Certificate::from_pem(identity.cert_pem);
  if (!cert) return tl::unexpected(cert.error());
  auto key = crypto::PrivateKey::from_pem(identity.key_pem);
  if (!key) return tl::unexpected(key.error());
  return ClientPairingRole(std::move(*cert), std::move(*key), identity.cert_pem);
}

std::string ClientPairingRole::client_cert_hex() const { return hex_of_text(cert_pem_); }

Result<void> ClientPairingRole::begin(const Secret16& salt, std::string_view pin) {
  auto key = crypto::derive_pairing_key(salt, pin);
  if (!key) return tl::unexpected(key.error());
  aes_key_ = *key;
  keyed_ = true;
  return {};
}

Result<void> ClientPairingRole::accept_server_certificate(std::string_view pem) {
  auto cert = crypto::Certificate::from_pem(pem);
  if (!cert) return fail(cert.error().code, "plaincert: " + cert.error().message);
  server_cert_ = std::move(*cert);
  server_pem_ = std::string(pem);
  return {};
}

Result<std::vector<std::uint8_t>> ClientPairingRole::client_challenge(const Secret16& challenge) {
  if (!keyed_) return fail(Errc::malformed, "client_challenge before begin()");
  client_challenge_ = challenge;
  return crypto::aes_ecb_encrypt(aes_key_, challenge);
}

Result<std::vector<std::uint8_t>> ClientPairingRole::server_challenge_resp(Bytes challenge_response,
                                                                           const Secret16& client_secret) {
  if (!keyed_) return fail(Errc::malformed, "server_challenge_resp before begin()");
  if (challenge_response.size() != 48) {
    return fail(Errc::malformed, "challengeresponse must be 48 bytes, got " + std::to_string(challenge_response.size()));
  }
  auto plain = crypto::aes_ecb_decrypt(aes_key_, challenge_response);
  if (!plain) return tl::unexpected(plain.error());
  // serverResponse = first 32 bytes (SHA-256), Sc = next 16 (§5.4).
  std::copy_n(plain->begin(), 32, server_hash_.begin());
  have_server_hash_ = true;
  const Bytes server_challenge = Bytes(*plain).subspan(32, 16);
  client_secret_ = client_secret;
  have_client_secret_ = true;
  const auto hc = crypto::pairing_hash(server_challenge, cert_.signature(), client_secret);
  return crypto::aes_ecb_encrypt(aes_key_, hc);
}

Result<SecretCheck> ClientPairingRole::verify_pairing_secret(Bytes pairing_secret) {
  if (!server_cert_) return fail(Errc::malformed, "pairingsecret before plaincert");
  if (!have_server_hash_) return fail(Errc::malformed, "pairingsecret before challengeresponse");
  if (pairing_secret.size() <= 16) {
    return fail(Errc::malformed, "pairingsecret must be longer than 16 bytes, got " + std::to_string(pairing_secret.size()));
  }
  const Bytes ss = pairing_secret.first(16);
  const Bytes signature = pairing_secret.subspan(16);
  const bool signature_ok = server_cert_->verify_sha256(ss, signature);
  const auto expected = crypto::pairing_hash(client_challenge_, server_cert_->signature(), ss);
  const bool hash_ok = crypto::equal_constant_time(expected, server_hash_);
  if (!signature_ok) return SecretCheck::bad_signature;
  return hash_ok ? SecretCheck::ok : SecretCheck::hash_mismatch;
}

Result<std::vector<std::uint8_t>> ClientPairingRole::client_pairing_secret() const {
  if (!have_client_secret_) return fail(Errc::malformed, "clientpairingsecret before serverchallengeresp");
  auto signature = key_.sign_sha256(client_secret_);
  if (!signature) return tl::unexpected(signature.error());
  std::vector<std::uint8_t> out(client_secret_.begin(), client_secret_.end());
  out.insert(out.end(), signature->begin(), signature->end());
  return out;
}

}  // namespace lightwell::test
