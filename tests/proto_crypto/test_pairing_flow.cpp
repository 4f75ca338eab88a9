// The whole host pairing path as the server will wire it: raw query string -> Query ->
// PairRequest -> PairingAttempt -> XML reply, fed with the exact requests a client sends for
// the pairing vector (tests/data/pairing/, http-pairing.md §5.2–§5.6).
#include <catch2/catch.hpp>

#include <string>

#include "lightwell/proto/crypto/pairing.hpp"
#include "lightwell/proto/hex.hpp"
#include "lightwell/proto/nvhttp_pair.hpp"
#include "lightwell/proto/nvhttp_xml.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::proto;
using namespace lightwell::proto::crypto;

namespace {

const std::string kCommon = "uniqueid=0123456789ABCDEF&uuid=7d94cf69-42bd-4fe8-af66-77e047657351&devicename=roth&updateState=1";
constexpr std::string_view kDecl = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

PairRequest request(const std::string& raw) {
  auto q = Query::parse(raw);
  REQUIRE(q);
  auto r = parse_pair_request(*q);
  REQUIRE(r);
  return *r;
}

std::string upper_hex(const std::vector<std::uint8_t>& b) { return to_hex(b, true); }

PairingSecret secret(const test::Record& v, const std::string& key) {
  const auto bytes = v.hex(key);
  PairingSecret s{};
  REQUIRE(bytes.size() == s.size());
  std::copy(bytes.begin(), bytes.end(), s.begin());
  return s;
}

}  // namespace

TEST_CASE("pairing flow: vector requests in, exact XML replies out") {
  const auto v = test::read_records("pairing/pairing_vector.txt").at(0);
  const std::string server_pem = test::read_text("pairing/server_cert.pem");
  const std::string client_pem = test::read_text("pairing/client_cert.pem");
  auto host = PairingIdentity::create(server_pem, test::read_text("pairing/server_key.pem"));
  REQUIRE(host);

  const std::string client_pem_hex =
      to_hex(Bytes(reinterpret_cast<const std::uint8_t*>(client_pem.data()), client_pem.size()));
  REQUIRE(client_pem_hex.rfind("2d2d2d2d2d424547494e", 0) == 0);  // "-----BEGIN" (tests/data/README.md)
  const auto p1 = request(kCommon + "&phrase=getservercert&salt=" + v.get("salt") + "&clientcert=" + client_pem_hex);
  auto attempt = PairingAttempt::start(*host, p1.salt, p1.client_cert_pem);
  REQUIRE(attempt);
  REQUIRE(attempt->submit_pin(v.get("pin")));
  const std::string plaincert_hex =
      to_hex(Bytes(reinterpret_cast<const std::uint8_t*>(server_pem.data()), server_pem.size()), true);
  CHECK(build_pair_plaincert(host->certificate_pem()) ==
        std::string(kDecl) + "<root status_code=\"200\"><paired>1</paired><plaincert>" + plaincert_hex +
            "</plaincert></root>");

  const auto p2 = request(kCommon + "&clientchallenge=" + v.get("clientchallenge_param"));
  auto cr = attempt->client_challenge(p2.client_challenge, secret(v, "server_secret"), secret(v, "server_challenge"));
  REQUIRE(cr);
  CHECK(build_pair_challenge_response(*cr) ==
        std::string(kDecl) + "<root status_code=\"200\"><paired>1</paired><challengeresponse>" +
            upper_hex(v.hex("challengeresponse")) + "</challengeresponse></root>");

  const auto p3 = request(kCommon + "&serverchallengeresp=" + v.get("serverchallengeresp"));
  auto ps = attempt->server_challenge_response(p3.server_challenge_resp);
  REQUIRE(ps);
  CHECK(build_pair_secret(*ps) == std::string(kDecl) + "<root status_code=\"200\"><paired>1</paired><pairingsecret>" +
                                      upper_hex(v.hex("pairingsecret")) + "</pairingsecret></root>");

  const auto p4 = request(kCommon + "&clientpairingsecret=" + v.get("clientpairingsecret"));
  auto paired = attempt->client_pairing_secret(p4.client_pairing_secret);
  REQUIRE(paired);
  CHECK(build_pair_result(*paired) == std::string(kDecl) + "<root status_code=\"200\"><paired>1</paired></root>");

  CHECK(request(kCommon + "&phrase=pairchallenge").phase == PairPhase::pair_challenge);
}
