#include "lightwell/proto/nvhttp_pair.hpp"

#include <utility>

#include "lightwell/proto/hex.hpp"

namespace lightwell::proto {

const char* to_string(PairPhase phase) noexcept {
  switch (phase) {
    case PairPhase::get_server_cert: return "getservercert";
    case PairPhase::client_challenge: return "clientchallenge";
    case PairPhase::server_challenge_resp: return "serverchallengeresp";
    case PairPhase::client_pairing_secret: return "clientpairingsecret";
    case PairPhase::pair_challenge: return "pairchallenge";
  }
  return "unknown";
}

Result<PairRequest> parse_pair_request(const Query& query) {
  PairRequest req;
  int phases_named = 0;
  const auto phrase = query.find("phrase");
  if (phrase) {
    ++phases_named;
    if (*phrase == "getservercert") {
      req.phase = PairPhase::get_server_cert;
    } else if (*phrase == "pairchallenge") {
      req.phase = PairPhase::pair_challenge;
    } else {
      return fail(Errc::unsupported, "Invalid pairing request");
    }
  }
  if (query.has("clientchallenge")) {
    ++phases_named;
    req.phase = PairPhase::client_challenge;
  }
  if (query.has("serverchallengeresp")) {
    ++phases_named;
    req.phase = PairPhase::server_challenge_resp;
  }
  if (query.has("clientpairingsecret")) {
    ++phases_named;
    req.phase = PairPhase::client_pairing_secret;
  }
  if (phases_named == 0) return fail(Errc::unsupported, "Invalid pairing request");
  if (phases_named > 1) return fail(Errc::malformed, "pairing request names more than one phase");

  if (query.has("uniqueid")) {
    auto id = query.unique_id();
    if (!id) return tl::unexpected(id.error());
    req.unique_id = std::string(*id);
  }

  switch (req.phase) {
    case PairPhase::get_server_cert: {
      if (!query.has("salt")) return fail(Errc::malformed, "missing parameter 'salt'");
      auto salt = query.hex_array<kPairSaltBytes>("salt");
      if (!salt) return tl::unexpected(salt.error());
      req.salt = *salt;
      auto pem = query.hex_range("clientcert", 1, kPairMaxClientCertPemBytes);
      if (!pem) return tl::unexpected(pem.error());
      req.client_cert_pem.assign(pem->begin(), pem->end());
      break;
    }
    case PairPhase::client_challenge: {
      auto v = query.hex_array<kPairChallengeBytes>("clientchallenge");
      if (!v) return tl::unexpected(v.error());
      req.client_challenge = *v;
      break;
    }
    case PairPhase::server_challenge_resp: {
      auto v = query.hex_array<kPairServerChallengeRespBytes>("serverchallengeresp");
      if (!v) return tl::unexpected(v.error());
      req.server_challenge_resp = *v;
      break;
    }
    case PairPhase::client_pairing_secret: {
      auto v = query.hex_range("clientpairingsecret", 0, kPairMaxClientSecretBytes);
      if (!v) return tl::unexpected(v.error());
      // §5.5 step 1: a secret with no signature after it is refused before any crypto.
      if (v->size() <= kPairSecretBytes) return fail(Errc::truncated, "Client pairing secret too short");
      req.client_pairing_secret = std::move(*v);
      break;
    }
    case PairPhase::pair_challenge:
      break;
  }
  return req;
}

}  // namespace lightwell::proto
