// /pair request classification (http-pairing.md §5.2–§5.7) with the query values the real
// clients send (phase values from tests/data/pairing/pairing_vector.txt).
#include <catch2/catch.hpp>

#include <string>

#include "lightwell/proto/nvhttp_pair.hpp"
#include "vector_file.hpp"

using namespace lightwell::proto;

namespace {

const std::string kCommon = "uniqueid=0123456789ABCDEF&uuid=7d94cf69-42bd-4fe8-af66-77e047657351&devicename=roth&updateState=1";

Result<PairRequest> parse(const std::string& raw) {
  auto q = Query::parse(raw);
  if (!q) return tl::unexpected(q.error());  // the query limits refuse it first
  return parse_pair_request(*q);
}

std::string hex_of(std::string_view text) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

}  // namespace

TEST_CASE("pair request: the four HTTP phases and pairchallenge with the vector's values") {
  const auto v = lightwell::test::read_records("pairing/pairing_vector.txt").at(0);
  const std::string client_pem = lightwell::test::read_text("pairing/client_cert.pem");

  auto p1 = parse(kCommon + "&phrase=getservercert&salt=" + v.get("salt") + "&clientcert=" + hex_of(client_pem));
  REQUIRE(p1);
  CHECK(p1->phase == PairPhase::get_server_cert);
  CHECK(p1->unique_id == "0123456789ABCDEF");
  CHECK(std::vector<std::uint8_t>(p1->salt.begin(), p1->salt.end()) == v.hex("salt"));
  CHECK(p1->client_cert_pem == client_pem);

  auto p2 = parse(kCommon + "&clientchallenge=" + v.get("clientchallenge_param"));
  REQUIRE(p2);
  CHECK(p2->phase == PairPhase::client_challenge);
  CHECK(std::vector<std::uint8_t>(p2->client_challenge.begin(), p2->client_challenge.end()) ==
        v.hex("clientchallenge_param"));

  auto p3 = parse(kCommon + "&serverchallengeresp=" + v.get("serverchallengeresp"));
  REQUIRE(p3);
  CHECK(p3->phase == PairPhase::server_challenge_resp);
  CHECK(std::vector<std::uint8_t>(p3->server_challenge_resp.begin(), p3->server_challenge_resp.end()) ==
        v.hex("serverchallengeresp"));

  auto p4 = parse(kCommon + "&clientpairingsecret=" + v.get("clientpairingsecret"));
  REQUIRE(p4);
  CHECK(p4->phase == PairPhase::client_pairing_secret);
  CHECK(p4->client_pairing_secret == v.hex("clientpairingsecret"));

  auto p5 = parse(kCommon + "&phrase=pairchallenge");
  REQUIRE(p5);
  CHECK(p5->phase == PairPhase::pair_challenge);
  CHECK(std::string(to_string(p5->phase)) == "pairchallenge");
}

TEST_CASE("pair request: unknown or ambiguous phases") {
  auto none = parse(kCommon);
  REQUIRE_FALSE(none);
  CHECK(none.error().code == Errc::unsupported);
  CHECK(none.error().message == "Invalid pairing request");
  CHECK(parse(kCommon + "&phrase=unpair").error().code == Errc::unsupported);
  const std::string c16 = "f86fb003769166e9c22c741c6f73631e";
  auto two = parse(kCommon + "&clientchallenge=" + c16 + "&serverchallengeresp=" + c16 + c16);
  REQUIRE_FALSE(two);
  CHECK(two.error().code == Errc::malformed);
  CHECK(parse(kCommon + "&phrase=pairchallenge&clientchallenge=" + c16).error().code == Errc::malformed);
}

TEST_CASE("pair request: bad hex lengths and missing values") {
  const std::string salt = "00112233445566778899aabbccddeeff";
  const std::string cert = hex_of("-----BEGIN CERTIFICATE-----\n");
  CHECK(parse("phrase=getservercert&salt=" + salt + "&clientcert=" + cert));  // uniqueid optional here
  CHECK_FALSE(parse("phrase=getservercert&clientcert=" + cert));                // no salt
  CHECK_FALSE(parse("phrase=getservercert&salt=" + salt.substr(0, 30) + "&clientcert=" + cert));  // short salt
  CHECK_FALSE(parse("phrase=getservercert&salt=" + salt + "00&clientcert=" + cert));  // long salt
  CHECK_FALSE(parse("phrase=getservercert&salt=" + salt));                        // no clientcert
  CHECK_FALSE(parse("phrase=getservercert&salt=" + salt + "&clientcert="));       // empty clientcert
  CHECK_FALSE(parse("phrase=getservercert&salt=" + salt + "&clientcert=" + cert + "0"));  // odd
  CHECK_FALSE(parse("phrase=getservercert&salt=" + salt + "&clientcert=" + std::string(2 * 6145, 'a')));
  // Below the query limit but above the PEM limit: refused by the pair parser itself.
  QueryLimits roomy;
  roomy.max_value_bytes = roomy.max_query_bytes = 64 * 1024;
  auto big = Query::parse("phrase=getservercert&salt=" + salt + "&clientcert=" + std::string(2 * 6145, 'a'), roomy);
  REQUIRE(big);
  CHECK(parse_pair_request(*big).error().code == Errc::too_large);
  CHECK_FALSE(parse("clientchallenge=f86fb003769166e9c22c741c6f73631"));
  CHECK_FALSE(parse("clientchallenge=f86fb003769166e9c22c741c6f73631e00"));
  CHECK_FALSE(parse("clientchallenge=x86fb003769166e9c22c741c6f73631e"));
  CHECK_FALSE(parse("serverchallengeresp=f86fb003769166e9c22c741c6f73631e"));
  CHECK_FALSE(parse("clientpairingsecret=303132333435363738393a3b3c3d3e3f"));  // Cs only, §5.5 step 1
  CHECK(parse("clientpairingsecret=303132333435363738393a3b3c3d3e3f00"));
  CHECK_FALSE(parse("clientpairingsecret=" + std::string(2 * (16 + 1025), 'a')));
  CHECK_FALSE(parse("clientpairingsecret="));
  CHECK_FALSE(parse("uniqueid=a%20b&phrase=pairchallenge"));  // bad uniqueid is refused
}
