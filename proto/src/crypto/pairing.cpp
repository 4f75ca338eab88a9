#include "lightwell/proto/crypto/pairing.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <string>
#include <utility>

namespace lightwell::proto::crypto {

namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kEncryptedClientHashBytes = 32;  // E_K(HC), SHA-256 (§5.4)
constexpr std::string_view kIdentityProbe = "lightwell pairing identity check";

Bytes as_bytes(std::string_view s) noexcept {
  return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

template <class Container>
void cleanse(Container& c) noexcept {
  if (!c.empty()) OPENSSL_cleanse(c.data(), c.size());
}

}  // namespace

Result<PairingIdentity> PairingIdentity::create(std::string_view certificate_pem, std::string_view key_pem) {
  auto cert = Certificate::from_pem(certificate_pem);
  if (!cert) return fail(cert.error().code, "host certificate: " + cert.error().message);
  auto key = PrivateKey::from_pem(key_pem);
  if (!key) return fail(key.error().code, "host key: " + key.error().message);
  // A key that does not match the certificate would make every client report "MITM" in
  // phase 3; catch it when the identity is loaded instead.
  auto probe = key->sign_sha256(as_bytes(kIdentityProbe));
  if (!probe) return tl::unexpected(probe.error());
  if (!cert->verify_sha256(as_bytes(kIdentityProbe), *probe)) {
    return fail(Errc::auth_failed, "host key does not belong to the host certificate");
  }
  auto signature = cert->signature();
  if (signature.empty()) return fail(Errc::malformed, "host certificate has no signature");
  return PairingIdentity(std::move(*cert), std::string(certificate_pem), std::move(*key), std::move(signature));
}

bool is_valid_pin(std::string_view pin) noexcept {
  return pin.size() == 4 && std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<Key128> derive_pairing_key(Bytes salt, std::string_view pin) {
  if (salt.size() != kSaltBytes) return fail(Errc::malformed, "pairing salt must be 16 bytes");
  if (!is_valid_pin(pin)) return fail(Errc::malformed, "PIN must be exactly four digits");
  Sha256Digest digest = sha256({salt, as_bytes(pin)});
  Key128 key{};
  std::copy_n(digest.begin(), key.size(), key.begin());
  cleanse(digest);
  return key;
}

Sha256Digest pairing_hash(Bytes challenge, Bytes certificate_signature, Bytes secret) {
  return sha256({challenge, certificate_signature, secret});
}

const char* to_string(PairingState state) noexcept {
  switch (state) {
    case PairingState::awaiting_pin: return "awaiting PIN";
    case PairingState::awaiting_client_challenge: return "awaiting clientchallenge";
    case PairingState::awaiting_server_challenge_resp: return "awaiting serverchallengeresp";
    case PairingState::awaiting_client_pairing_secret: return "awaiting clientpairingsecret";
    case PairingState::finished: return "finished";
    case PairingState::failed: return "failed";
  }
  return "unknown";
}

PairingAttempt::PairingAttempt(const PairingIdentity& host, Certificate client_cert,
                               std::vector<std::uint8_t> client_signature)
    : host_(host), client_cert_(std::move(client_cert)), client_signature_(std::move(client_signature)) {}

PairingAttempt::~PairingAttempt() { wipe(); }

void PairingAttempt::wipe() noexcept {
  cleanse(salt_);
  cleanse(key_);
  cleanse(server_secret_);
  cleanse(server_challenge_);
  cleanse(client_hash_);
}

tl::unexpected<Error> PairingAttempt::poison(Errc code, std::string message) {
  state_ = PairingState::failed;
  wipe();
  return fail(code, std::move(message));
}

Result<void> PairingAttempt::expect(PairingState expected, const char* phase) {
  if (state_ == expected) return {};
  if (state_ == PairingState::failed) {
    return fail(Errc::malformed, std::string("pairing attempt already failed; ") + phase + " refused");
  }
  if (state_ == PairingState::finished) {
    return poison(Errc::malformed, std::string("pairing attempt already finished; ") + phase + " refused");
  }
  return poison(Errc::malformed,
                std::string("Out of order call to ") + phase + " (attempt was " + to_string(state_) + ")");
}

Result<PairingAttempt> PairingAttempt::start(const PairingIdentity& host, Bytes salt,
                                             std::string_view client_cert_pem) {
  if (salt.size() != kSaltBytes) return fail(Errc::malformed, "getservercert: salt must be 16 bytes");
  auto cert = Certificate::from_pem(client_cert_pem);
  if (!cert) return fail(cert.error().code, "getservercert: client certificate: " + cert.error().message);
  auto signature = cert->signature();
  if (signature.empty()) return fail(Errc::malformed, "getservercert: client certificate has no signature");
  PairingAttempt attempt(host, std::move(*cert), std::move(signature));
  std::copy(salt.begin(), salt.end(), attempt.salt_.begin());
  return attempt;
}

Result<void> PairingAttempt::submit_pin(std::string_view pin) {
  if (auto ok = expect(PairingState::awaiting_pin, "getservercert PIN"); !ok) return ok;
  auto key = derive_pairing_key(salt_, pin);
  if (!key) return poison(key.error().code, "getservercert: " + key.error().message);
  key_ = *key;
  cleanse(*key);
  cleanse(salt_);  // no longer needed; K is all later phases use
  state_ = PairingState::awaiting_client_challenge;
  return {};
}

Result<std::vector<std::uint8_t>> PairingAttempt::client_challenge(Bytes encrypted_challenge,
                                                                   const PairingSecret& server_secret,
                                                                   const PairingSecret& server_challenge) {
  if (auto ok = expect(PairingState::awaiting_client_challenge, "clientchallenge"); !ok) {
    return tl::unexpected(ok.error());
  }
  if (encrypted_challenge.size() != kPairingSecretBytes) {
    return poison(Errc::malformed, "clientchallenge must be 16 bytes");
  }
  auto challenge = aes_ecb_decrypt(key_, encrypted_challenge);  // Cc
  if (!challenge) return poison(Errc::crypto_failure, "clientchallenge: decryption failed");
  server_secret_ = server_secret;
  server_challenge_ = server_challenge;
  // HS = SHA-256(Cc ‖ sig(hostCert) ‖ Ss); reply E_K(HS ‖ Sc) (§5.3). The host cannot tell
  // yet whether the client used the right PIN.
  Sha256Digest server_hash = pairing_hash(*challenge, host_.certificate_signature(), server_secret_);
  cleanse(*challenge);
  std::array<std::uint8_t, 48> plain{};
  std::copy(server_hash.begin(), server_hash.end(), plain.begin());
  std::copy(server_challenge_.begin(), server_challenge_.end(), plain.begin() + server_hash.size());
  auto reply = aes_ecb_encrypt(key_, plain);
  cleanse(plain);
  cleanse(server_hash);
  if (!reply) return poison(Errc::crypto_failure, "clientchallenge: encryption failed");
  state_ = PairingState::awaiting_server_challenge_resp;
  return reply;
}

Result<std::vector<std::uint8_t>> PairingAttempt::server_challenge_response(Bytes encrypted_client_hash) {
  if (auto ok = expect(PairingState::awaiting_server_challenge_resp, "serverchallengeresp"); !ok) {
    return tl::unexpected(ok.error());
  }
  if (encrypted_client_hash.size() != kEncryptedClientHashBytes) {
    return poison(Errc::malformed, "serverchallengeresp must be 32 bytes");
  }
  auto client_hash = aes_ecb_decrypt(key_, encrypted_client_hash);  // HC'
  if (!client_hash || client_hash->size() != client_hash_.size()) {
    return poison(Errc::crypto_failure, "serverchallengeresp: decryption failed");
  }
  std::copy(client_hash->begin(), client_hash->end(), client_hash_.begin());
  cleanse(*client_hash);
  // Only the 16-byte secret is signed (§5.4); the client verifies it with plaincert's key.
  auto signature = host_.key().sign_sha256(server_secret_);
  if (!signature) return poison(Errc::crypto_failure, "serverchallengeresp: signing failed");
  std::vector<std::uint8_t> reply(server_secret_.begin(), server_secret_.end());
  reply.insert(reply.end(), signature->begin(), signature->end());
  // K is not needed any more; Sc and HC' are kept for phase 4.
  cleanse(key_);
  cleanse(server_secret_);
  state_ = PairingState::awaiting_client_pairing_secret;
  return reply;
}

Result<bool> PairingAttempt::client_pairing_secret(Bytes secret_and_signature) {
  if (auto ok = expect(PairingState::awaiting_client_pairing_secret, "clientpairingsecret"); !ok) {
    return tl::unexpected(ok.error());
  }
  if (secret_and_signature.size() <= kPairingSecretBytes) {
    return poison(Errc::truncated, "Client pairing secret too short");
  }
  const Bytes client_secret = secret_and_signature.first(kPairingSecretBytes);  // Cs
  const Bytes client_signature = secret_and_signature.subspan(kPairingSecretBytes);
  // Both checks are always evaluated (no early exit) and the hash is compared in constant
  // time: (1) the client knew K, i.e. the PIN (HC' only decrypts to the right hash under
  // the right K); (2) the party that knew the PIN holds the phase-1 certificate's key.
  Sha256Digest expected = pairing_hash(server_challenge_, client_signature_, client_secret);
  const bool hash_ok = equal_constant_time(expected, client_hash_);
  const bool signature_ok = client_cert_.verify_sha256(client_secret, client_signature);
  cleanse(expected);
  state_ = PairingState::finished;
  wipe();
  return hash_ok && signature_ok;
}

}  // namespace lightwell::proto::crypto
