// NvhttpService without sockets: serverinfo over HTTP and HTTPS, authorisation by exact
// certificate, applist/appasset, launch/resume/cancel, errors, restart (http-pairing.md §1–§8).
#include <map>

#include "lightwell/proto/nvhttp_launch.hpp"
#include "lightwell/server/host_caps.hpp"
#include "test_nvhttp_fixture.hpp"

using namespace nvtest;
using namespace std::chrono_literals;

namespace {

const std::string kLaunchKeys = "rikey=f826e35ba7ab9cbfac93cfff725a2e23&rikeyid=-1032099092";
const std::string kCommon = "uniqueid=0123456789ABCDEF&uuid=7d94cf6942bd4fe8af6677e047657351";

std::string launch_query(std::uint32_t appid, const std::string& keys = kLaunchKeys, bool corever = true) {
  return "?" + kCommon + "&appid=" + std::to_string(appid) + "&mode=1920x1080x60&additionalStates=1&sops=0&" + keys +
         "&localAudioPlayMode=0&surroundAudioInfo=196610&remoteControllersBitmap=1&gcmap=1&gcpersist=0" +
         (corever ? "&corever=1" : "");
}

// Pairs the vector client with the host and returns its certificate DER.
std::vector<std::uint8_t> pair_vector_client(Host& host, const std::string& name = "TV") {
  PairingClient c = PairingClient::from_files("pairing/client_cert.pem", "pairing/client_key.pem");
  REQUIRE(element(c.pair_with(host, "4821", name), "paired") == "1");
  return c.der();
}

}  // namespace

TEST_CASE("serverinfo over HTTP: every mandatory field, PairStatus 0, H.264 only, never MJOLNIR", "[nvhttp]") {
  Host host;
  const std::string r = host.http("/serverinfo?" + kCommon);
  CHECK(status_code(r) == "200");
  CHECK(element(r, "hostname") == "Test Host");
  CHECK(element(r, "appversion") == "7.1.431.-1");
  CHECK(element(r, "GfeVersion") == "3.23.0.74");
  CHECK(element(r, "uniqueid") == host.identity.uniqueid);
  CHECK(element(r, "HttpsPort") == "47984");
  CHECK(element(r, "ExternalPort") == "47989");
  CHECK(element(r, "ServerCodecModeSupport") == "1");
  CHECK(element(r, "MaxLumaPixelsHEVC") == "0");
  CHECK(element(r, "PairStatus") == "0");
  CHECK(element(r, "currentgame") == "0");
  CHECK(element(r, "state") == "SUNSHINE_SERVER_FREE");
  CHECK(element(r, "LocalIP") == "192.168.1.10");
  CHECK(element(r, "mac") == "00:00:00:00:00:00");
  CHECK(r.find("MJOLNIR") == std::string::npos);
  // discovery probes without any parameter are answered too (§2)
  CHECK(status_code(host.http("/serverinfo")) == "200");
  // LocalIP: v4-mapped written as IPv4, real IPv6 as 127.0.0.1 (§2)
  CHECK(element(host.get(Host::request("/serverinfo", false, {}, "::ffff:192.168.1.20", "::ffff:10.1.2.3")),
                "LocalIP") == "10.1.2.3");
  CHECK(element(host.get(Host::request("/serverinfo", false, {}, "fd00::2", "fd00::1")), "LocalIP") == "127.0.0.1");
  // A paired client asking over HTTP still gets PairStatus 0: only HTTPS proves the certificate.
  pair_vector_client(host);
  CHECK(element(host.http("/serverinfo?" + kCommon), "PairStatus") == "0");
}

TEST_CASE("full flow with a generated host identity: pair, pairchallenge, serverinfo, applist, appasset, "
          "launch, resume, cancel",
          "[nvhttp]") {
  Host host(/*vector_identity=*/false);
  PairingClient c = PairingClient::generated();
  c.pin = "7391";
  CHECK(element(c.pair_with(host, "7391", "Laptop"), "paired") == "1");
  CHECK(c.pin_matches);
  const auto der = c.der();
  // the plaincert the client pinned is the identity the HTTPS listener uses (§5.8)
  CHECK(c.plaincert->der() == crypto::Certificate::from_pem(host.identity.certificate_pem)->der());

  CHECK(host.https("/pair?" + kCommon + "&devicename=roth&updateState=1&phrase=pairchallenge", der) ==
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<root status_code=\"200\"><paired>1</paired></root>");
  std::string info = host.https("/serverinfo?" + kCommon, der);
  CHECK(element(info, "PairStatus") == "1");
  CHECK(element(info, "state") == "SUNSHINE_SERVER_FREE");

  const std::string list = host.https("/applist?" + kCommon, der);
  CHECK(status_code(list) == "200");
  const auto& apps = host.nvhttp->apps();
  REQUIRE(apps.size() == 2);
  CHECK(list.find("<AppTitle>Desktop</AppTitle><ID>" + std::to_string(apps[0].id) + "</ID>") != std::string::npos);
  CHECK(list.find("<AppTitle>Steam</AppTitle><ID>" + std::to_string(apps[1].id) + "</ID>") != std::string::npos);
  CHECK(list.find("<IsHdrSupported>0</IsHdrSupported>") != std::string::npos);  // no 10-bit codec probed

  auto art = host.send(Host::request("/appasset?" + kCommon + "&appid=" + std::to_string(apps[0].id) +
                                         "&AssetType=2&AssetIdx=0",
                                     true, der));
  REQUIRE(art->has_value());
  CHECK((*art)->content_type == "image/png");
  REQUIRE((*art)->body.size() > 8);
  CHECK((*art)->body.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));

  const std::uint32_t desktop = apps[0].id;
  const std::string launched = host.https("/launch" + launch_query(desktop), der);
  CHECK(launched == "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<root status_code=\"200\"><sessionUrl0>"
                    "rtspenc://192.168.1.10:48010</sessionUrl0><gamesession>1</gamesession></root>");
  REQUIRE(host.sessions.current().has_value());
  const StreamSession& s = *host.sessions.current();
  CHECK(s.app_id == desktop);
  CHECK(s.app_name == "Desktop");
  CHECK(proto::to_hex(s.request.rikey) == "f826e35ba7ab9cbfac93cfff725a2e23");
  CHECK(s.request.rikey_id == -1032099092);
  CHECK(proto::to_hex(s.ri_iv) == "c27b6aec000000000000000000000000");  // BE32(-1032099092)
  CHECK(s.client_cert_der == der);
  CHECK(s.client_id == host.store->clients().at(0).id);
  CHECK(s.client_name == "Laptop");
  CHECK(s.ping_payload.size() == 16);
  CHECK(s.ping_payload.find_first_not_of("0123456789ABCDEF") == std::string::npos);
  CHECK(host.controller.started == std::vector<std::string>{"Desktop"});
  CHECK(host.controller.last_env.width_px == 1920);
  CHECK(host.controller.last_env.fps == 60);
  CHECK(host.controller.last_env.client_address == "192.168.1.20");

  info = host.https("/serverinfo?" + kCommon, der);
  CHECK(element(info, "currentgame") == std::to_string(desktop));
  CHECK(element(info, "state") == "SUNSHINE_SERVER_BUSY");
  CHECK(element(host.http("/serverinfo"), "currentgame") == std::to_string(desktop));

  // launching anything while an app runs is refused (§7 table)
  const std::string again = host.https("/launch" + launch_query(apps[1].id), der);
  CHECK(status_code(again) == "400");
  CHECK(again.find("An app is already running on this host") != std::string::npos);
  CHECK(host.controller.started.size() == 1);

  const std::uint32_t first_session = s.id;
  const std::string resumed =
      host.https("/resume?" + kCommon + "&rikey=000102030405060708090a0b0c0d0e0f&rikeyid=7&corever=1", der);
  CHECK(resumed == "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<root status_code=\"200\"><sessionUrl0>"
                   "rtspenc://192.168.1.10:48010</sessionUrl0><resume>1</resume></root>");
  REQUIRE(host.sessions.current().has_value());
  CHECK(host.sessions.current()->id != first_session);
  CHECK(proto::to_hex(host.sessions.current()->request.rikey) == "000102030405060708090a0b0c0d0e0f");
  CHECK(host.sessions.current()->request.rikey_id == 7);
  CHECK(host.sessions.current()->app_id == desktop);
  CHECK(host.controller.running == "Desktop");  // the app kept running
  CHECK(host.controller.started.size() == 1);

  CHECK(host.https("/cancel?" + kCommon, der) ==
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<root status_code=\"200\"><cancel>1</cancel></root>");
  CHECK_FALSE(host.sessions.current().has_value());
  CHECK_FALSE(host.controller.running.has_value());
  CHECK(element(host.https("/serverinfo", der), "state") == "SUNSHINE_SERVER_FREE");
  const std::string nothing = host.https("/resume?" + kCommon + "&rikey=000102030405060708090a0b0c0d0e0f&rikeyid=7", der);
  CHECK(status_code(nothing) == "503");
  CHECK(host.logs().find("7391") == std::string::npos);
  CHECK(host.logs().find("f826e35ba7ab9cbfac93cfff725a2e23") == std::string::npos);
}

TEST_CASE("sessionUrl0: rtsp:// without corever, IPv6 in brackets, the configured RTSP port", "[nvhttp]") {
  Host host;
  host.ports = Ports::from_base(40000);
  host.start();
  const auto der = pair_vector_client(host);
  const auto id = host.nvhttp->apps()[0].id;
  CHECK(element(host.https("/launch" + launch_query(id, kLaunchKeys, false), der, "fd00::1"), "sessionUrl0") ==
        "rtsp://[fd00::1]:40021");
  host.https("/cancel", der);
  CHECK(element(host.https("/launch" + launch_query(id), der, "::ffff:10.0.0.5"), "sessionUrl0") ==
        "rtspenc://10.0.0.5:40021");
}

TEST_CASE("HTTPS: only a byte-identical paired certificate is authorised, on every request", "[nvhttp]") {
  Host host;
  const auto der = pair_vector_client(host);
  CHECK(element(host.https("/serverinfo", der), "PairStatus") == "1");

  auto expect_401 = [&](const std::optional<std::vector<std::uint8_t>>& cert, const std::string& path) {
    auto slot = host.send(Host::request(path + "?" + kCommon, true, cert));
    REQUIRE(slot->has_value());
    CHECK((*slot)->status == 200);  // §1: HTTP 200, the 401 is in the XML
    CHECK((*slot)->body ==
          "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<root status_code=\"401\" status_message=\"The client is not "
          "authorized. Certificate verification failed.\" query=\"" +
              path + "\"></root>");
  };
  SECTION("unknown certificate (same subject, another key)") {
    auto other = crypto::generate_identity("NVIDIA GameStream Client");
    REQUIRE(other);
    const auto other_der = crypto::Certificate::from_pem(other->cert_pem)->der();
    for (const char* path : {"/serverinfo", "/applist", "/appasset", "/launch", "/resume", "/cancel", "/pair", "/x"}) {
      expect_401(other_der, path);
    }
  }
  SECTION("same key, different certificate (a re-issued or altered one)") {
    auto altered = der;
    // flip one byte inside the validity/subject area: the key and signature bytes are the same
    altered[altered.size() / 3] ^= 0x01;
    expect_401(altered, "/serverinfo");
  }
  SECTION("no certificate at all") { expect_401(std::nullopt, "/serverinfo"); }
  SECTION("unpaired through the server's own store: refused at once, then pairing again works") {
    REQUIRE(host.store->remove(host.store->clients().at(0).id).has_value());
    expect_401(der, "/serverinfo");
    expect_401(der, "/launch");
    pair_vector_client(host);
    CHECK(element(host.https("/serverinfo", der), "PairStatus") == "1");
  }
  CHECK_FALSE(host.controller.running.has_value());
}

TEST_CASE("last_seen is persisted at most once a minute per client", "[nvhttp]") {
  Host host;
  const auto der = pair_vector_client(host);
  const std::int64_t paired_at = host.clock.unix_s;
  host.clock.advance(5s);
  host.https("/serverinfo", der);  // first request after start: written
  CHECK(ClientStore::load(host.tmp / "state").clients().at(0).last_seen_unix_s == paired_at + 5);
  host.clock.advance(30s);
  host.https("/serverinfo", der);
  CHECK(ClientStore::load(host.tmp / "state").clients().at(0).last_seen_unix_s == paired_at + 5);
  host.clock.advance(31s);
  host.https("/applist", der);
  CHECK(ClientStore::load(host.tmp / "state").clients().at(0).last_seen_unix_s == paired_at + 66);
}

TEST_CASE("unknown paths are 404, unparsable queries 400, and neither changes anything", "[nvhttp]") {
  Host host;
  const auto der = pair_vector_client(host);
  for (const char* path : {"/", "/foo", "/serverinfo/x", "/applist", "/launch", "/cancel", "/appasset"}) {
    CHECK(status_code(host.http(std::string(path) + "?" + kCommon)) == "404");  // HTTPS-only over HTTP too
  }
  CHECK(status_code(host.https("/nothing", der)) == "404");
  CHECK(status_code(host.https("/unpair?" + kCommon, der)) == "404");
  const auto id = std::to_string(host.nvhttp->apps()[0].id);
  for (const std::string& target : std::vector<std::string>{
           "/serverinfo?a=%zz", "/launch?appid=" + id + "&appid=" + id + "&" + kLaunchKeys, "/applist?x=%0a",
        "/cancel?" + std::string(20000, 'a')}) {
    const std::string r = host.https(target, der);
    CHECK(status_code(r) == "400");
    CHECK(r.find("status_message=\"Bad query string: ") != std::string::npos);
  }
  CHECK(status_code(host.http("/unpair?uniqueid=%")) == "400");
  CHECK_FALSE(host.sessions.current().has_value());
  CHECK(host.controller.started.empty());
  CHECK(host.controller.stops == 0);
}

TEST_CASE("launch and resume errors follow the §7 table", "[nvhttp]") {
  Host host;
  const auto der = pair_vector_client(host);
  const auto desktop = host.nvhttp->apps()[0].id;
  const std::string missing = host.https("/launch?" + kCommon + "&appid=" + std::to_string(desktop), der);
  CHECK(status_code(missing) == "400");
  CHECK(missing.find("Missing a required launch parameter") != std::string::npos);
  const std::string bad_value = host.https("/launch" + launch_query(desktop, "rikey=zz&rikeyid=1"), der);
  CHECK(status_code(bad_value) == "400");
  CHECK(element(bad_value, "gamesession") == "0");
  std::uint32_t unknown = 12345;
  while (unknown == desktop || unknown == host.nvhttp->apps()[1].id) ++unknown;
  const std::string nope = host.https("/launch" + launch_query(unknown), der);
  CHECK(status_code(nope) == "404");
  CHECK(element(nope, "gamesession") == "0");
  host.controller.fail_with = "no such command";
  const std::string failed = host.https("/launch" + launch_query(desktop), der);
  CHECK(status_code(failed) == "-1");
  CHECK_FALSE(host.sessions.current().has_value());
  const std::string no_keys = host.https("/resume?" + kCommon, der);
  CHECK(no_keys.find("Missing a required resume parameter") != std::string::npos);
  CHECK(status_code(host.https("/resume?" + kCommon + "&" + kLaunchKeys, der)) == "503");
  CHECK(status_code(host.https("/appasset?appid=" + std::to_string(unknown), der)) == "404");
  CHECK(status_code(host.https("/appasset?appid=0", der)) == "400");
}

TEST_CASE("restart: paired clients and the identity stay; pending attempts and sessions are gone", "[nvhttp]") {
  Host host(/*vector_identity=*/false);
  const HostIdentity before = host.identity;
  PairingClient c = PairingClient::generated();
  CHECK(element(c.pair_with(host, c.pin), "paired") == "1");
  host.https("/launch" + launch_query(host.nvhttp->apps()[0].id), c.der());
  PairingClient other = PairingClient::generated();
  other.peer = "192.168.1.40";
  auto held = host.send(other.phase1());

  // "restart": identity from the same directory, new store, services and sessions
  const HostIdentity after = load_or_create_identity(host.tmp / "state", host.hub.get("state"));
  CHECK(after.uniqueid == before.uniqueid);
  CHECK(after.certificate_pem == before.certificate_pem);
  host.sessions.end();  // a new process has none; the RTSP stage sees the end
  host.controller.running.reset();
  host.start();
  CHECK_FALSE(host.pairing->attempt_pending());
  CHECK(host.pin("1234").message == "no pairing attempt pending");
  CHECK(element(host.https("/serverinfo", c.der()), "PairStatus") == "1");
  CHECK(element(host.https("/serverinfo", c.der()), "currentgame") == "0");
  CHECK(status_code(host.https("/serverinfo", other.der())) == "401");
}

TEST_CASE("app ids: positive 31-bit, from the name, stable, collisions moved to the next free id", "[nvhttp]") {
  const App a = desktop_app();
  const auto id = app_id_for_name("Desktop");
  CHECK(id >= 1);
  CHECK(id <= 0x7FFFFFFFu);
  CHECK(assign_app_ids({a}).at(0).id == id);
  App b;
  b.name = "Steam";
  // order does not matter without collisions
  const auto ab = assign_app_ids({a, b});
  const auto ba = assign_app_ids({b, a});
  CHECK(ab[0].id == ba[1].id);
  CHECK(ab[1].id == ba[0].id);
  // find two names that collide (31-bit birthday: a few ten thousand names) and check the rule
  std::map<std::uint32_t, std::string> seen;
  std::string first;
  std::string second;
  for (int i = 0; i < 400000 && first.empty(); ++i) {
    std::string name = "app-" + std::to_string(i);
    auto [it, fresh] = seen.emplace(app_id_for_name(name), name);
    if (!fresh) {
      first = it->second;
      second = name;
    }
  }
  REQUIRE_FALSE(first.empty());
  App x;
  x.name = first;
  App y;
  y.name = second;
  const auto slots = assign_app_ids({x, y});
  CHECK(slots[0].id == app_id_for_name(first));
  CHECK(slots[1].id == (slots[0].id == 0x7FFFFFFFu ? 1u : slots[0].id + 1));
}

TEST_CASE("appasset serves the app's PNG file, size-limited; anything else gets the built-in art", "[nvhttp]") {
  Host host;
  const std::string real_png = std::string("\x89PNG\r\n\x1a\n", 8) + "rest of a png";
  lightwell::test::write_text(host.tmp / "art.png", real_png);
  lightwell::test::write_text(host.tmp / "not.png", "GIF89a....");
  lightwell::test::write_text(host.tmp / "big.png", std::string("\x89PNG\r\n\x1a\n", 8) + std::string(5000, 'x'));
  host.apps.clear();
  for (const char* f : {"art.png", "not.png", "big.png", "missing.png"}) {
    App app;
    app.name = f;
    app.image = host.tmp / f;
    host.apps.push_back(app);
  }
  host.start();
  // a 4 KiB limit for this test
  host.nvhttp.emplace(host.identity.uniqueid, host.apps, NvhttpOptions{"Test Host", host.ports, host.caps, 4096},
                      *host.store, *host.pairing, host.sessions, host.controller, host.hub.get("nvhttp"),
                      host.clock.clock(), host.random.fill());
  const auto der = pair_vector_client(host);
  const auto builtin = default_box_art_png();
  const std::string builtin_s(reinterpret_cast<const char*>(builtin.data()), builtin.size());
  const auto& apps = host.nvhttp->apps();
  auto fetch = [&](std::size_t i) {
    auto slot = host.send(Host::request("/appasset?appid=" + std::to_string(apps[i].id) + "&AssetType=2&AssetIdx=0",
                                        true, der));
    REQUIRE(slot->has_value());
    CHECK((*slot)->content_type == "image/png");
    return (*slot)->body;
  };
  CHECK(fetch(0) == real_png);
  CHECK(fetch(1) == builtin_s);
  CHECK(fetch(2) == builtin_s);
  CHECK(fetch(3) == builtin_s);
}

TEST_CASE("host capabilities come from the encode probe only", "[nvhttp][caps]") {
  encode::EncodeProbe probe;
  probe.software = {{"x264", "H.264", true, ""}, {"x265", "HEVC", false, ""}, {"svt-av1", "AV1", false, ""}};
  probe.render_nodes = {{"/dev/dri/renderD128", "Intel iHD", ""}};  // vendor alone proves no codec
  auto caps = host_capabilities(probe);
  CHECK(proto::server_codec_mode_support(caps) == proto::kScmH264);
  CHECK(codec_support(caps).mask() == proto::kScmH264);
  probe.software[1].compiled_in = true;
  caps = host_capabilities(probe);
  CHECK(codec_support(caps).mask() == (proto::kScmH264 | proto::kScmHevc));
  probe.software[2].compiled_in = true;
  CHECK(codec_support(host_capabilities(probe)).mask() == (proto::kScmH264 | proto::kScmHevc | proto::kScmAv1Main8));
  // the /serverinfo form and the DESCRIBE form agree for every combination of flags
  for (unsigned bits = 0; bits < (1u << 9); ++bits) {
    proto::HostCapabilities c;
    c.hevc = bits & 1;
    c.hevc_main10 = bits & 2;
    c.av1 = bits & 4;
    c.av1_main10 = bits & 8;
    c.h264_444 = bits & 16;
    c.hevc_444 = bits & 32;
    c.hevc_444_10 = bits & 64;
    c.av1_444 = bits & 128;
    c.av1_444_10 = bits & 256;
    CHECK(codec_support(c).mask() == proto::server_codec_mode_support(c));
  }
}
