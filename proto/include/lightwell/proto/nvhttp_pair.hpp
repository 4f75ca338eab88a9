// `/pair` requests (shared/protocol/http-pairing.md §5) classified into their phase, with
// every binary value hex-decoded to its exact expected length. The cryptography of each
// phase lives in proto_crypto (crypto/pairing.hpp); this is the pure request side.
//
// Classification (§5.7, reference host): `phrase=getservercert` -> phase 1,
// `phrase=pairchallenge` -> phase 5, otherwise the one present of `clientchallenge` (2),
// `serverchallengeresp` (3), `clientpairingsecret` (4). None of them, or an unknown phrase
// -> Errc::unsupported (reply 404 "Invalid pairing request"). More than one of them ->
// Errc::malformed (reply 400): an ambiguous request is never guessed at.
//
// Ownership: values. Thread rules: none (pure).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lightwell/proto/query.hpp"
#include "lightwell/proto/result.hpp"

namespace lightwell::proto {

enum class PairPhase {
  get_server_cert,        // 1, HTTP: salt + client certificate; held until the PIN is typed
  client_challenge,       // 2, HTTP
  server_challenge_resp,  // 3, HTTP
  client_pairing_secret,  // 4, HTTP
  pair_challenge,         // 5, HTTPS: proves mutual TLS works
};

const char* to_string(PairPhase phase) noexcept;

inline constexpr std::size_t kPairSaltBytes = 16;
inline constexpr std::size_t kPairChallengeBytes = 16;       // E_K(Cc)
inline constexpr std::size_t kPairServerChallengeRespBytes = 32;  // E_K(HC), SHA-256
inline constexpr std::size_t kPairSecretBytes = 16;          // Cs / Ss
// Cs ‖ signature; RSA-4096 signatures are 512 bytes, leave room for any real key size.
inline constexpr std::size_t kPairMaxClientSecretBytes = kPairSecretBytes + 1024;
// hex(PEM) of the client certificate; a few KiB for any real RSA certificate.
inline constexpr std::size_t kPairMaxClientCertPemBytes = 6 * 1024;

struct PairRequest {
  PairPhase phase = PairPhase::get_server_cert;
  // The client's self-chosen id when present and well-formed (Query::unique_id). Never an
  // identity (§1); the server may require it to key the attempt, as the reference host does.
  std::optional<std::string> unique_id;

  // Phase 1: exactly 16 salt bytes (32 hex digits; the reference host only reads the first
  // 32, every client sends exactly 32) and the client certificate PEM text.
  std::array<std::uint8_t, kPairSaltBytes> salt{};
  std::string client_cert_pem;
  // Phase 2: E_K(Cc), exactly 16 bytes.
  std::array<std::uint8_t, kPairChallengeBytes> client_challenge{};
  // Phase 3: E_K(HC), exactly 32 bytes.
  std::array<std::uint8_t, kPairServerChallengeRespBytes> server_challenge_resp{};
  // Phase 4: Cs ‖ Sign_client(Cs); more than 16 bytes (checked here, §5.5 step 1).
  std::vector<std::uint8_t> client_pairing_secret;
};

Result<PairRequest> parse_pair_request(const Query& query);

}  // namespace lightwell::proto
