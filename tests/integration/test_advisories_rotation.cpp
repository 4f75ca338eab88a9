// Rotating the host identity as docs/security.md "Rotating the host identity" tells the
// operator to: stop, move identity.json and clients.json out of the state directory, start,
// re-pair every client. Black box: the new identity is really new (uniqueid, certificate), a
// client that pinned the old certificate can no longer talk to the host, the old client
// certificate is no longer authorised, and pairing again works.
#include <catch2/catch.hpp>

#include <filesystem>

#include "integration_support.hpp"

namespace lightwell::test {

TEST_CASE("security: rotating the host identity revokes every old pairing; re-pairing works",
          "[integration][security][restart]") {
  Scenario s;
  auto& c = s.client();
  REQUIRE(s.pair_via_cli(c, "1234", "1234", "laptop").result.paired);
  REQUIRE(c.serverinfo_https().text("PairStatus") == "1");
  const std::string old_uniqueid = field(c.serverinfo_http(), "uniqueid");
  const auto old_pin = c.pinned_server_certificate();
  REQUIRE(old_pin);

  // 1-3: stop, move the two files away, start (a new key is generated).
  REQUIRE(s.host().stop() == 0);
  const auto aside = s.host().dir() / "rotated-away";
  std::filesystem::create_directories(aside);
  for (const char* name : {"identity.json", "clients.json"}) {
    std::filesystem::rename(s.host().state_dir() / name, aside / name);
  }
  s.host().start();

  const XmlReply info = c.serverinfo_http();
  REQUIRE(info.ok());
  CHECK(field(info, "uniqueid") != old_uniqueid);
  // The client still pins the old host certificate: TLS to the new one fails on its side.
  const HttpReply pinned = c.https("/serverinfo");
  CHECK_FALSE(pinned.ok());
  // Without the pin (the user "forgets" the host), the old client certificate is refused.
  auto& forgot = s.client(c.uniqueid(), c.identity());
  const HttpReply unpinned = forgot.https("/serverinfo");
  REQUIRE(unpinned.ok());
  CHECK(parse_xml(unpinned.body).status_code == 401);
  CHECK(unpinned.server_cert_der != *old_pin);

  // 4: re-pair; the client now pins the new certificate and is authorised again.
  REQUIRE(s.pair_via_cli(forgot, "5678", "5678", "laptop").result.paired);
  CHECK(forgot.serverinfo_https().text("PairStatus") == "1");
  CHECK(*forgot.pinned_server_certificate() != *old_pin);
  CHECK(paired_rows(s.clients_list()).size() == 1);
}

}  // namespace lightwell::test
