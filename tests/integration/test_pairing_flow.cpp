// The happy path, black box: the real `lightwell serve`, our client pairing exactly as
// Moonlight does (http-pairing.md §5.2–§5.6) with the PIN typed through `lightwell pair`,
// then the HTTPS control plane as a paired client (§2, §3, §4, §7, §8).
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include "integration_support.hpp"
#include "lightwell/proto/crypto/hash.hpp"
#include "lightwell/proto/crypto/x509.hpp"
#include "lightwell/proto/hex.hpp"

using namespace lightwell;
using namespace lightwell::test;

namespace {

// The client id `lightwell clients list` prints: first 16 hex digits of SHA-256(cert DER)
// (docs/cli.md).
std::string client_id_of(const ClientIdentity& id) {
  const auto cert = proto::crypto::Certificate::from_pem(id.cert_pem);
  REQUIRE(cert);
  const auto digest = proto::crypto::sha256({proto::Bytes(cert->der())});
  return proto::to_hex(digest).substr(0, 16);
}

// The host certificate as stored in identity.json (docs/configuration.md), DER.
std::vector<std::uint8_t> stored_host_certificate(const LightwellProcess& host) {
  const std::string json = [&] {
    std::ifstream in(host.state_dir() / "identity.json");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }();
  const std::string key = "\"certificate_pem\"";
  auto at = json.find(key);
  REQUIRE(at != std::string::npos);
  at = json.find('"', at + key.size() + 1);  // opening quote of the value
  REQUIRE(at != std::string::npos);
  std::string pem;
  for (std::size_t i = at + 1; i < json.size() && json[i] != '"'; ++i) {
    if (json[i] == '\\' && i + 1 < json.size()) {
      ++i;
      pem += json[i] == 'n' ? '\n' : json[i];
    } else {
      pem += json[i];
    }
  }
  const auto cert = proto::crypto::Certificate::from_pem(pem);
  REQUIRE(cert);
  return cert->der();
}

bool is_png(const std::string& body) {
  static const std::string kSignature("\x89PNG\r\n\x1a\n", 8);
  return body.size() > kSignature.size() && body.compare(0, kSignature.size(), kSignature) == 0;
}

}  // namespace

TEST_CASE("pair through `lightwell pair`, then use the HTTPS control plane", "[integration][pairing]") {
  Scenario s;
  auto& c = s.client();
  const auto base = s.host().base_port();

  // Before pairing: HTTP serverinfo answers, says unpaired, advertises the ports (§2).
  const XmlReply before = c.serverinfo_http();
  REQUIRE(before.ok());
  CHECK(field(before, "PairStatus") == "0");
  CHECK(field(before, "appversion") == "7.1.431.-1");
  CHECK(field(before, "HttpsPort") == std::to_string(base - 5));
  CHECK(field(before, "ExternalPort") == std::to_string(base));
  CHECK(field(before, "state") == "SUNSHINE_SERVER_FREE");
  CHECK(field(before, "currentgame") == "0");
  const std::string host_uniqueid = field(before, "uniqueid");
  CHECK(host_uniqueid.size() == 16);
  // And HTTPS refuses the not-yet-paired certificate with XML 401 (§1).
  const HttpReply refused = c.https("/serverinfo");
  REQUIRE(refused.ok());
  CHECK(refused.http_status == 200);
  CHECK(parse_xml(refused.body).status_code == 401);

  const PairRun run = s.pair_via_cli(c, "1234", "1234", "laptop");
  REQUIRE(run.result.paired);
  CHECK(run.cli.exit_code == 0);
  REQUIRE(run.result.replies.size() == 5);
  for (const auto& reply : run.result.replies) CHECK(field(reply, "paired") == "1");
  // plaincert is the host certificate the state directory holds, and HTTPS presents it.
  REQUIRE(c.pinned_server_certificate());
  CHECK(*c.pinned_server_certificate() == stored_host_certificate(s.host()));

  // `lightwell clients list` names the client, with the id derived from our certificate.
  const auto rows = paired_rows(s.clients_list());
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].rfind(client_id_of(c.identity()), 0) == 0);
  CHECK(rows[0].find("laptop") != std::string::npos);

  // HTTPS serverinfo: paired, same host identity (§2); HTTP still says 0.
  const XmlReply info = c.serverinfo_https();
  REQUIRE(info.ok());
  CHECK(field(info, "PairStatus") == "1");
  CHECK(field(info, "uniqueid") == host_uniqueid);
  CHECK(field(info, "appversion") == "7.1.431.-1");
  CHECK(field(c.serverinfo_http(), "PairStatus") == "0");

  // applist (§3) has Desktop with a positive 32-bit id.
  const XmlReply list_xml = c.applist();
  REQUIRE(list_xml.ok());
  const auto apps = parse_applist(list_xml);
  long long desktop = 0;
  for (const auto& app : apps) {
    CHECK(app.id > 0);
    CHECK(app.id <= 2147483647LL);
    if (app.title == "Desktop") desktop = app.id;
  }
  REQUIRE(desktop > 0);

  // appasset (§4): raw PNG with HTTP 200.
  const HttpReply asset = c.appasset(desktop);
  REQUIRE(asset.ok());
  CHECK(asset.http_status == 200);
  CHECK(asset.content_type == "image/png");
  CHECK(is_png(asset.body));

  // launch (§7): rtspenc:// on the address we reached, RTSP port P+21.
  LaunchParams launch;
  launch.appid = desktop;
  launch.rikey = random_secret();
  const XmlReply launched = c.launch(launch);
  REQUIRE(launched.ok());
  CHECK(field(launched, "sessionUrl0") == "rtspenc://127.0.0.1:" + std::to_string(base + 21));
  CHECK(field(launched, "gamesession") == "1");
  const XmlReply busy = c.serverinfo_https();
  CHECK(field(busy, "currentgame") == std::to_string(desktop));
  CHECK(field(busy, "state") == "SUNSHINE_SERVER_BUSY");

  // resume with a fresh key (§7), then cancel (§8).
  LaunchParams again = launch;
  again.rikey = random_secret();
  again.rikeyid = 12345;
  const XmlReply resumed = c.resume(again);
  REQUIRE(resumed.ok());
  CHECK(field(resumed, "resume") == "1");
  CHECK(field(resumed, "sessionUrl0") == "rtspenc://127.0.0.1:" + std::to_string(base + 21));

  const XmlReply cancelled = c.cancel();
  REQUIRE(cancelled.ok());
  CHECK(field(cancelled, "cancel") == "1");
  const XmlReply after = c.serverinfo_https();
  CHECK(field(after, "currentgame") == "0");
  CHECK(field(after, "state") == "SUNSHINE_SERVER_FREE");
  // Nothing runs any more: resume has nothing to resume (§7 table: 503).
  CHECK(c.resume(again).status_code == 503);
}

TEST_CASE("a client that gives up after phase 3 can pair again at once", "[integration][pairing]") {
  // Qt/Android with a wrong PIN stop after phase 3 and call /unpair (§5.4, §6); the stale
  // attempt must not block the next getservercert from the same uniqueid (§5.7 pitfall).
  Scenario s;
  auto& c = s.client();
  const PairRun wrong = s.pair_via_cli(c, "1234", "9999", "laptop");
  CHECK_FALSE(wrong.result.paired);
  CHECK(wrong.result.failed_phase == 3);
  CHECK(wrong.result.secret_check == SecretCheck::hash_mismatch);
  const HttpReply unpair = c.http("/unpair");
  REQUIRE(unpair.ok());
  CHECK(unpair.http_status == 200);
  CHECK(parse_xml(unpair.body).status_code == 200);

  const PairRun right = s.pair_via_cli(c, "4321", "4321", "laptop");
  REQUIRE(right.result.paired);
  CHECK(c.serverinfo_https().text("PairStatus") == "1");
}
