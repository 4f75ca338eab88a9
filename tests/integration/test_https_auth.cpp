// HTTPS client authentication, black box (http-pairing.md §1 "Unknown/absent client cert",
// "Client-certificate check", §5.8): only a stored paired certificate passes; everything else
// gets XML 401 with HTTP 200, and no certificate at all fails the TLS handshake.
#include <catch2/catch.hpp>

#include "cert_forge.hpp"
#include "integration_support.hpp"

using namespace lightwell;
using namespace lightwell::test;

namespace {

void check_unauthorized(const HttpReply& r, const std::string& what) {
  INFO(what << ": " << (r.ok() ? r.body : r.transport_error));
  REQUIRE(r.ok());
  CHECK(r.http_status == 200);
  const XmlReply x = parse_xml(r.body);
  CHECK(x.status_code == 401);
  // The reference host's message (§1), which clients show.
  CHECK(x.status_message.find("not authorized") != std::string::npos);
}

GameStreamClient& paired_client(Scenario& s) {
  auto& c = s.client();
  const PairRun run = s.pair_via_cli(c, "1234", "1234", "laptop");
  REQUIRE(run.result.paired);
  REQUIRE(c.serverinfo_https().text("PairStatus") == "1");
  return c;
}

}  // namespace

TEST_CASE("an unknown certificate gets XML 401 with HTTP 200 on every HTTPS endpoint", "[integration][https]") {
  Scenario s;
  auto& c = s.client();
  for (const std::string path : {"/serverinfo", "/applist", "/appasset", "/launch", "/resume", "/cancel"}) {
    check_unauthorized(c.https(path), path);
  }
  check_unauthorized(c.https(c.pair_target("phrase=pairchallenge")), "pairchallenge");
  // Nothing was launched by the refused requests.
  CHECK(c.serverinfo_http().text("currentgame") == "0");
}

TEST_CASE("HTTPS without a client certificate fails the handshake", "[integration][https]") {
  Scenario s;
  auto& c = s.client();
  const HttpReply r = c.https("/serverinfo", {}, 5s, /*with_certificate=*/false);
  INFO("reply: " << r.body);
  CHECK_FALSE(r.ok());
  CHECK(c.serverinfo_http().ok());  // still serving
}

// docs/security.md: the advisory table. Trust is the exact DER of the paired certificate, so
// nothing derived from it passes: the same key in another certificate, the same certificate
// re-signed by another key, the same subject with another key.
TEST_CASE("advisory: certificate derived from a paired one", "[integration][https][advisory]") {
  Scenario s;
  auto& original = paired_client(s);

  // Same key, new certificate (another serial): the stored certificate is what is trusted.
  ClientIdentityOptions same_key;
  same_key.key_pem = original.identity().key_pem;
  same_key.serial = 1;
  auto reissued = make_client_identity(same_key);
  REQUIRE(reissued);
  auto& by_key = s.client(original.uniqueid(), *reissued);
  by_key.pin_server_certificate(*original.pinned_server_certificate());
  check_unauthorized(by_key.https("/serverinfo"), "same key, new certificate");
  check_unauthorized(by_key.https("/applist"), "same key, new certificate");

  // Every to-be-signed byte kept (subject, serial, validity, the paired public key), signed
  // by another key: the holder of the paired key completes TLS with it, and is refused.
  const auto other_key = make_client_identity();
  REQUIRE(other_key);
  auto& resigned = s.client(original.uniqueid(), forge::resigned(original.identity(), other_key->key_pem));
  resigned.pin_server_certificate(*original.pinned_server_certificate());
  REQUIRE(resigned.identity().cert_pem != original.identity().cert_pem);
  check_unauthorized(resigned.https("/serverinfo"), "re-signed by another key");
  check_unauthorized(resigned.https("/launch"), "re-signed by another key");

  // Same subject (the CN every Moonlight uses), same uniqueid, new key.
  auto& by_subject = s.client(original.uniqueid());
  by_subject.pin_server_certificate(*original.pinned_server_certificate());
  check_unauthorized(by_subject.https("/serverinfo"), "same subject, new key");

  // The original still works.
  CHECK(original.serverinfo_https().text("PairStatus") == "1");
}

// A revoked client: `lightwell clients unpair` reaches the running server over control.sock
// and removes the client from the server's own store, so the very next request with the old
// certificate is refused, without a restart (docs/pairing-flow.md "Authorisation").
TEST_CASE("advisory: revoked (unpaired) client reusing its certificate", "[integration][https][unpair][advisory]") {
  Scenario s;
  auto& c = paired_client(s);
  const CliResult unpair = s.host().cli({"clients", "unpair", "laptop"});
  INFO(unpair.describe());
  REQUIRE(unpair.exit_code == 0);
  CHECK(paired_rows(s.clients_list()).empty());
  check_unauthorized(c.https("/serverinfo"), "after `clients unpair`");
  check_unauthorized(c.https("/launch"), "launch after unpair");
  check_unauthorized(c.https(c.pair_target("phrase=pairchallenge")), "pairchallenge after unpair");
  // And it stays revoked across a restart (clients.json was rewritten without it).
  REQUIRE(s.host().stop() == 0);
  s.host().start();
  check_unauthorized(c.https("/serverinfo"), "after a restart");
  REQUIRE(s.host().running());
}
