// Host side of GameStream PIN pairing (shared/protocol/http-pairing.md §5.1–§5.7) as pure
// functions over one PairingAttempt object. Randomness is a parameter (the caller draws the
// server secret Ss and server challenge Sc), there is no clock, no I/O, no global state.
//
//   start(salt, client PEM)      phase 1 request: the client certificate is parsed and kept
//   submit_pin(pin)              phase 1 reply: K = SHA-256(salt ‖ PIN)[0..15]; the server
//                                answers <plaincert> = hex(host certificate PEM)
//   client_challenge(E_K(Cc), Ss, Sc)  phase 2: returns E_K(SHA-256(Cc ‖ sig(hostCert) ‖ Ss) ‖ Sc)
//   server_challenge_response(E_K(HC)) phase 3: keeps HC, returns Ss ‖ Sign_host(Ss)
//   client_pairing_secret(Cs ‖ sigC)   phase 4: paired iff SHA-256(Sc ‖ sig(clientCert) ‖ Cs)
//                                == HC (constant time) AND sigC verifies over Cs with the
//                                phase-1 certificate
//
// Every phase must be called exactly once, in this order. A call out of order, a replay, a
// malformed input or a crypto failure returns an error AND poisons the attempt: every later
// call fails, so a client (or an attacker) never gets a second guess inside one attempt.
// Phase 4 finishes the attempt whatever its outcome. Error messages name the phase and the
// problem, never the PIN, keys, secrets or hashes. Secrets are wiped when the attempt is
// finished, poisoned or destroyed. See docs/pairing.md for the security argument.
//
// Ownership: an attempt owns copies of everything it needs (the identity is cheap to copy:
// the certificate and key are shared, immutable OpenSSL objects).
// Thread rules: one attempt is used by one thread at a time (the server serialises requests
// of a pairing session); distinct attempts are independent.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/crypto/aes.hpp"
#include "lightwell/proto/crypto/hash.hpp"
#include "lightwell/proto/crypto/x509.hpp"
#include "lightwell/proto/result.hpp"

namespace lightwell::proto::crypto {

inline constexpr std::size_t kPairingSecretBytes = 16;  // Ss, Sc, Cs, Cc
using PairingSecret = std::array<std::uint8_t, kPairingSecretBytes>;

// The host certificate + key used for plaincert, for signing Ss and for HTTPS (§5.8: the
// same identity everywhere, or clients that pinned it break).
class PairingIdentity {
 public:
  // Parses both PEMs and checks that the key belongs to the certificate (a test signature
  // must verify). The certificate PEM text is kept verbatim for <plaincert>.
  static Result<PairingIdentity> create(std::string_view certificate_pem, std::string_view key_pem);

  const Certificate& certificate() const noexcept { return certificate_; }
  const std::string& certificate_pem() const noexcept { return certificate_pem_; }
  const PrivateKey& key() const noexcept { return key_; }
  // sig(hostCert): raw signatureValue bytes, hashed into the phase-2 response.
  const std::vector<std::uint8_t>& certificate_signature() const noexcept { return signature_; }

 private:
  PairingIdentity(Certificate c, std::string pem, PrivateKey k, std::vector<std::uint8_t> sig)
      : certificate_(std::move(c)), certificate_pem_(std::move(pem)), key_(std::move(k)), signature_(std::move(sig)) {}
  Certificate certificate_;
  std::string certificate_pem_;
  PrivateKey key_;
  std::vector<std::uint8_t> signature_;
};

// --- the primitives of §5.1, exposed so tests can check every intermediate value ----------

// Exactly four ASCII digits (what every client generates and the reference host's PIN API
// accepts). The UI should check this before submit_pin, which poisons on a bad PIN.
bool is_valid_pin(std::string_view pin) noexcept;
// K = SHA-256(salt ‖ PIN)[0..15]; salt must be 16 bytes and the PIN valid.
Result<Key128> derive_pairing_key(Bytes salt, std::string_view pin);
// SHA-256(challenge ‖ certificate signature ‖ secret): the server hash HS (§5.3) and the
// client hash HC (§5.4) have this shape.
Sha256Digest pairing_hash(Bytes challenge, Bytes certificate_signature, Bytes secret);

enum class PairingState {
  awaiting_pin,                     // after start()
  awaiting_client_challenge,        // after submit_pin()
  awaiting_server_challenge_resp,   // after client_challenge()
  awaiting_client_pairing_secret,   // after server_challenge_response()
  finished,                         // phase 4 answered (paired or not)
  failed,                           // poisoned by an error
};

const char* to_string(PairingState state) noexcept;

class PairingAttempt {
 public:
  // Phase 1 request. salt: 16 bytes; client_cert_pem: the decoded `clientcert` text.
  static Result<PairingAttempt> start(const PairingIdentity& host, Bytes salt, std::string_view client_cert_pem);

  PairingAttempt(PairingAttempt&&) noexcept = default;
  PairingAttempt& operator=(PairingAttempt&&) noexcept = default;
  PairingAttempt(const PairingAttempt&) = delete;
  PairingAttempt& operator=(const PairingAttempt&) = delete;
  ~PairingAttempt();

  // Phase 1 completion: the PIN the user typed. On success the server replies
  // build_pair_plaincert(host.certificate_pem()).
  Result<void> submit_pin(std::string_view pin);
  // Phase 2. encrypted_challenge: the 16 decoded bytes of `clientchallenge`. server_secret
  // and server_challenge: 16 fresh random bytes each, from the caller's CSPRNG.
  // Returns the 48-byte `challengeresponse`.
  Result<std::vector<std::uint8_t>> client_challenge(Bytes encrypted_challenge, const PairingSecret& server_secret,
                                                     const PairingSecret& server_challenge);
  // Phase 3. encrypted_client_hash: the 32 decoded bytes of `serverchallengeresp`.
  // Returns `pairingsecret` = Ss ‖ Sign_host(Ss).
  Result<std::vector<std::uint8_t>> server_challenge_response(Bytes encrypted_client_hash);
  // Phase 4. secret_and_signature: the decoded `clientpairingsecret` (> 16 bytes).
  // true -> reply paired=1 and persist client_certificate(); false -> paired=0.
  Result<bool> client_pairing_secret(Bytes secret_and_signature);

  PairingState state() const noexcept { return state_; }
  // The certificate received in phase 1 (persist it only after phase 4 returned true).
  const Certificate& client_certificate() const noexcept { return client_cert_; }

 private:
  PairingAttempt(const PairingIdentity& host, Certificate client_cert, std::vector<std::uint8_t> client_signature);
  // Checks the state, poisoning the attempt (and failing) if it is not `expected`.
  Result<void> expect(PairingState expected, const char* phase);
  tl::unexpected<Error> poison(Errc code, std::string message);
  void wipe() noexcept;

  PairingIdentity host_;
  Certificate client_cert_;
  std::vector<std::uint8_t> client_signature_;  // sig(clientCert)
  PairingState state_ = PairingState::awaiting_pin;
  std::array<std::uint8_t, 16> salt_{};
  Key128 key_{};
  PairingSecret server_secret_{};
  PairingSecret server_challenge_{};
  Sha256Digest client_hash_{};  // HC' = D_K(serverchallengeresp)
};

}  // namespace lightwell::proto::crypto
