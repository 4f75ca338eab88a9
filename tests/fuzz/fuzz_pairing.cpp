// One whole PIN pairing attempt as the host runs it (proto/crypto/pairing.hpp over the
// requests of nvhttp_pair.hpp, http-pairing.md §5): the input is the client's /pair query
// strings, one per line, in any order and number. Host identity, PIN (1234) and the host's
// random Ss/Sc are those of tests/data/pairing/pairing_vector.txt, so the seed built from
// that vector pairs successfully and every mutation probes a real phase.
// Invariants (the security argument of docs/pairing.md):
//  - a failed phase poisons the attempt: its state is `failed` and every later call fails;
//  - phases only succeed in order; phase 4 finishes the attempt whatever its outcome;
//  - "paired" is only ever answered for a certificate carrying the vector client's PUBLIC KEY,
//    the one key that signed the vector's Cs (nobody else can produce that signature). The
//    DER itself may differ (a mutated serial, extension or outer signature keeps the key):
//    that client still proved the PIN and the key, and HTTPS later accepts exactly the DER it
//    presented in phase 1 and nothing else (docs/pairing.md).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "fuzz_check.hpp"
#include "lightwell/proto/crypto/pairing.hpp"
#include "lightwell/proto/crypto/x509.hpp"
#include "lightwell/proto/nvhttp_pair.hpp"
#include "lightwell/proto/query.hpp"

namespace lp = lightwell::proto;
namespace lc = lightwell::proto::crypto;

namespace {

std::string read_data(const char* relative) {
  std::ifstream in(std::string(LIGHTWELL_TEST_DATA_DIR) + "/" + relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in || ss.str().empty()) {
    std::fprintf(stderr, "fuzz_pairing: cannot read tests/data/%s\n", relative);
    std::abort();
  }
  return ss.str();
}

struct Fixture {
  lc::PairingIdentity host = *lc::PairingIdentity::create(read_data("pairing/server_cert.pem"),
                                                          read_data("pairing/server_key.pem"));
  // A signature by the vector client's private key: a certificate verifies it only if it
  // carries that client's public key.
  std::vector<std::uint8_t> probe_message{'l', 'i', 'g', 'h', 't', 'w', 'e', 'l', 'l'};
  std::vector<std::uint8_t> probe_signature =
      *lc::PrivateKey::from_pem(read_data("pairing/client_key.pem"))->sign_sha256(probe_message);
  // Ss and Sc of the vector (server_secret, server_challenge).
  lc::PairingSecret server_secret{0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                  0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};
  lc::PairingSecret server_challenge{0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
                                     0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f};
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

// Prints each phase's outcome when LIGHTWELL_FUZZ_DEBUG is set (to see how far an input gets:
// ./fuzz_pairing <file>).
bool debug() {
  static const bool on = std::getenv("LIGHTWELL_FUZZ_DEBUG") != nullptr;
  return on;
}

template <class R>
bool outcome(const char* phase, const R& r) {
  if (debug()) std::fprintf(stderr, "%s: %s\n", phase, r ? "ok" : r.error().message.c_str());
  return r.has_value();
}

// Runs one request against the attempt; returns whether the phase succeeded.
bool run_phase(std::optional<lc::PairingAttempt>& attempt, const lp::PairRequest& request) {
  const Fixture& f = fixture();
  switch (request.phase) {
    case lp::PairPhase::get_server_cert: {
      // A new phase 1 replaces the attempt (http-pairing.md §5.7).
      attempt.reset();
      auto started = lc::PairingAttempt::start(f.host, request.salt, request.client_cert_pem);
      if (!outcome("start", started)) return false;
      attempt.emplace(std::move(*started));
      FUZZ_CHECK(attempt->state() == lc::PairingState::awaiting_pin);
      return outcome("submit_pin", attempt->submit_pin("1234"));
    }
    case lp::PairPhase::client_challenge:
      return attempt && outcome("client_challenge", attempt->client_challenge(request.client_challenge, f.server_secret,
                                                                               f.server_challenge));
    case lp::PairPhase::server_challenge_resp:
      return attempt && outcome("server_challenge_response",
                                attempt->server_challenge_response(request.server_challenge_resp));
    case lp::PairPhase::client_pairing_secret: {
      if (!attempt) return false;
      auto paired = attempt->client_pairing_secret(request.client_pairing_secret);
      if (!outcome("client_pairing_secret", paired)) return false;
      if (debug()) std::fprintf(stderr, "paired: %d\n", *paired ? 1 : 0);
      FUZZ_CHECK(attempt->state() == lc::PairingState::finished);
      if (*paired) FUZZ_CHECK(attempt->client_certificate().verify_sha256(f.probe_message, f.probe_signature));
      return true;
    }
    case lp::PairPhase::pair_challenge:
      return true;  // HTTPS; no pairing state is touched
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest = lightwell::fuzz::as_text(data, size);
  std::optional<lc::PairingAttempt> attempt;
  for (int line = 0; line < 8 && !rest.empty(); ++line) {
    const auto eol = rest.find('\n');
    const std::string_view raw = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 1);
    auto query = lp::Query::parse(raw);
    if (!query) continue;
    auto request = lp::parse_pair_request(*query);
    if (!request) continue;
    const auto before = attempt ? attempt->state() : lc::PairingState::failed;
    const bool ok = run_phase(attempt, *request);
    if (!attempt || request->phase == lp::PairPhase::get_server_cert ||
        request->phase == lp::PairPhase::pair_challenge) {
      continue;
    }
    if (before == lc::PairingState::failed || before == lc::PairingState::finished) {
      FUZZ_CHECK(!ok);  // nothing works on a poisoned or finished attempt
    }
    if (!ok) FUZZ_CHECK(attempt->state() == lc::PairingState::failed);
  }
  return 0;
}
