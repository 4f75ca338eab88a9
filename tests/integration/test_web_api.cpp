// The web admin page's API against the real `lightwell serve` over TLS (docs/web.md,
// WEB-API.md): login, pairing by PIN on the page, clients, apps reaching Moonlight's applist,
// box art, status, the CLI.
#include <catch2/catch.hpp>

#include <fstream>

#include "web_support.hpp"

using namespace lightwell::test;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

bool applist_has(GameStreamClient& c, const std::string& title) {
  for (const auto& app : parse_applist(c.applist())) {
    if (app.title == title) return true;
  }
  return false;
}

// A minimal valid PNG: signature, IHDR 1x1 (PNG spec §11.2.2), IDAT, IEND (CRCs included).
std::string tiny_png() {
  static const unsigned char bytes[] = {
      0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
      0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00,
      0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF,
      0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82};
  return std::string(reinterpret_cast<const char*>(bytes), sizeof bytes);
}

}  // namespace

TEST_CASE("web: without a password the page says so and no login works", "[integration][web]") {
  WebHost h;
  const WebResult auth = h.web.get("/api/auth");
  INFO(auth.describe());
  REQUIRE(auth.status == 200);
  CHECK(contains(auth.body, "\"password_set\":false"));
  CHECK(contains(auth.body, "\"logged_in\":false"));
  CHECK(h.web.login("admin", "anything-at-all").status == 401);
  const CliResult status = h.host().cli({"admin", "status"});
  CHECK(status.exit_code == 1);
  CHECK(contains(status.output, "lightwell admin set-password"));
}

TEST_CASE("web: login, session, logout and the cookie's attributes", "[integration][web]") {
  WebHost h;
  h.set_password();
  CHECK(h.host().cli({"admin", "status"}).exit_code == 0);
  CHECK(contains(h.web.get("/api/auth").body, "\"password_set\":true"));

  WebResult wrong = h.web.login("admin", "not the password");
  CHECK(wrong.status == 401);
  CHECK(contains(wrong.body, "wrong user name or password"));
  CHECK_FALSE(wrong.header("set-cookie"));
  CHECK(h.web.login("root", kWebPassword).status == 401);

  const WebResult ok = h.web.login("admin", kWebPassword);
  INFO(ok.describe());
  REQUIRE(ok.status == 200);
  const std::string cookie = ok.header("set-cookie").value_or("");
  CHECK(cookie.rfind("lw_session=", 0) == 0);
  CHECK(h.web.cookie().size() == std::string("lw_session=").size() + 64);  // 256 random bits, hex
  for (const char* attribute : {"; Path=/", "; Secure", "; HttpOnly", "; SameSite=Strict", "; Max-Age="}) {
    CHECK(contains(cookie, attribute));
  }
  CHECK(h.web.csrf().size() == 64);

  const WebResult session = h.web.get("/api/session");
  REQUIRE(session.status == 200);
  CHECK(json_string(session.body, "csrf_token") == h.web.csrf());
  CHECK(json_string(session.body, "user") == "admin");
  CHECK(contains(h.web.get("/api/auth").body, "\"logged_in\":true"));

  const WebResult out = h.web.post("/api/logout", "{}");
  CHECK(out.status == 204);
  CHECK(contains(out.header("set-cookie").value_or(""), "Max-Age=0"));
  CHECK(h.web.get("/api/session").status == 401);  // the old cookie is dead on the server
  // The password never reaches the log.
  CHECK_FALSE(contains(h.host().log(), kWebPassword));
}

TEST_CASE("web: pairing by PIN on the page; clients listed, renamed, unpaired (refused at once)",
          "[integration][web][pairing]") {
  WebHost h;
  h.login();
  GameStreamClient& c = h.pair_through_web("Living room TV");
  const WebResult list = h.web.get("/api/clients");
  INFO(list.describe());
  REQUIRE(list.status == 200);
  CHECK(contains(list.body, "\"name\":\"Living room TV\""));
  const auto id = json_string(list.body, "id");
  REQUIRE(id);
  CHECK(id->size() == 16);
  CHECK(c.serverinfo_https().text("PairStatus") == "1");
  CHECK(contains(h.web.get("/api/pairing").body, "\"pending\":null"));

  const WebResult renamed = h.web.post("/api/clients/" + *id + "/rename", R"({"name":"Bedroom"})");
  CHECK(renamed.status == 200);
  CHECK(contains(renamed.body, "\"name\":\"Bedroom\""));
  CHECK(contains(h.scenario.clients_list(), "Bedroom"));
  CHECK(h.web.post("/api/clients/0000000000000000/rename", R"({"name":"x"})").status == 404);
  CHECK(h.web.post("/api/clients/" + *id + "/rename", R"({"name":""})").status == 400);

  CHECK(h.web.post("/api/clients/" + *id + "/unpair", "{}").status == 204);
  // The client's next HTTPS request is refused (http-pairing.md §1: the XML 401).
  const XmlReply after = c.serverinfo_https();
  INFO(after.raw);
  CHECK(after.status_code != 200);
  CHECK(after.text("PairStatus") != "1");
  CHECK(contains(h.web.get("/api/clients").body, "\"clients\":[]"));
}

TEST_CASE("web: a wrong PIN on the page is reported, nothing stored", "[integration][web][pairing]") {
  WebHost h;
  h.login();
  GameStreamClient& c = h.scenario.client();
  PairOptions options;
  options.phase1_timeout = std::chrono::seconds(20);
  // Like embedded clients, go on to phase 4 after the hash mismatch, so the host learns the
  // outcome at once (Qt clients just stop; the page then says "PIN accepted" and the attempt
  // times out, as with `lightwell pair`).
  options.send_phase4_on_hash_mismatch = true;
  auto future = std::async(std::launch::async, [&c, options] { return c.pair("1111", PairingRandomness::random(), options); });
  std::string pending;
  for (int i = 0; i < 200 && !contains(pending, "client_address"); ++i) {
    pending = h.web.get("/api/pairing").body;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const WebResult pin = h.web.post("/api/pairing/pin", R"({"pin":"2222"})");
  INFO(pin.describe());
  CHECK(pin.status == 200);
  CHECK(contains(pin.body, "\"ok\":false"));
  CHECK(contains(pin.body, "wrong PIN"));
  CHECK_FALSE(future.get().paired);
  CHECK(contains(h.web.get("/api/clients").body, "\"clients\":[]"));
  CHECK(h.web.post("/api/pairing/pin", R"({"pin":"12a4"})").status == 400);
  const WebResult none = h.web.post("/api/pairing/pin", R"({"pin":"1234"})");
  CHECK(contains(none.body, "no pairing attempt pending"));
}

TEST_CASE("web: app edit needs the password again; saved apps reach Moonlight's applist at once",
          "[integration][web][apps]") {
  WebHost h;
  h.login();
  GameStreamClient& c = h.pair_through_web("tester");
  const auto apps_json = h.host().state_dir() / "apps.json";

  // No password, wrong password: 403, nothing saved, nothing offered.
  WebResult r = h.web.post("/api/apps", h.app_body("Retro", "retroarch", ""));
  CHECK(r.status == 403);
  CHECK(contains(r.body, "password required"));
  r = h.web.post("/api/apps", h.app_body("Retro", "retroarch", "wrong password"));
  CHECK(r.status == 403);
  CHECK_FALSE(std::filesystem::exists(apps_json));
  CHECK_FALSE(applist_has(c, "Retro"));
  CHECK(h.web.post("/api/apps", h.app_body("", "x", kWebPassword)).status == 400);
  r = h.web.post("/api/apps", R"({"name":"W","working_dir":"relative","password":")" + std::string(kWebPassword) + "\"}");
  CHECK(r.status == 400);
  CHECK(contains(r.body, "working_dir"));
  CHECK(h.web.post("/api/apps", h.app_body("Desktop", "x", kWebPassword)).status == 409);

  // With the password: saved (apps.json 0600) and in /applist without a restart.
  r = h.web.post("/api/apps", h.app_body("Retro", "retroarch --fullscreen", kWebPassword));
  INFO(r.describe());
  REQUIRE(r.status == 201);
  CHECK(contains(r.body, "\"source\":\"web\""));
  CHECK(contains(r.body, "\"editable\":true"));
  REQUIRE(std::filesystem::exists(apps_json));
  CHECK((std::filesystem::status(apps_json).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  CHECK(contains(state_snapshot(h.host().state_dir())["apps.json"], "retroarch --fullscreen"));
  CHECK(applist_has(c, "Retro"));
  const auto id = r.body.substr(r.body.find("\"id\":") + 5, r.body.find(',') - r.body.find("\"id\":") - 5);

  const std::string listed = h.web.get("/api/apps").body;
  CHECK(contains(listed, "\"name\":\"Desktop\",\"source\":\"builtin\",\"editable\":false"));

  // Edit, then delete: each needs the password, each is visible to Moonlight at once.
  CHECK(h.web.post("/api/apps/" + id, h.app_body("Retro 2", "retroarch", "")).status == 403);
  r = h.web.post("/api/apps/" + id, h.app_body("Retro 2", "retroarch", kWebPassword));
  INFO(r.describe());
  CHECK(r.status == 200);
  CHECK(applist_has(c, "Retro 2"));
  CHECK_FALSE(applist_has(c, "Retro"));
  const auto new_id = r.body.substr(r.body.find("\"id\":") + 5, r.body.find(',') - r.body.find("\"id\":") - 5);
  CHECK(h.web.post("/api/apps/" + new_id + "/delete", "{}").status == 403);
  CHECK(h.web.post("/api/apps/" + new_id + "/delete", R"({"password":")" + std::string(kWebPassword) + "\"}").status == 204);
  CHECK_FALSE(applist_has(c, "Retro 2"));
  CHECK_FALSE(contains(state_snapshot(h.host().state_dir())["apps.json"], "Retro"));

  // Logged (who, what), never the password.
  const std::string log = h.host().log();
  CHECK(contains(log, "app \"Retro\" added on the web page by \"admin\""));
  CHECK(contains(log, "retroarch --fullscreen"));
  CHECK_FALSE(contains(log, kWebPassword));
}

TEST_CASE("web: box art upload is type- and size-checked", "[integration][web][apps]") {
  WebHost h;
  h.login();
  WebResult r = h.web.post("/api/apps", h.app_body("Art", "", kWebPassword));
  REQUIRE(r.status == 201);
  const auto id = r.body.substr(r.body.find("\"id\":") + 5, r.body.find(',') - r.body.find("\"id\":") - 5);
  auto upload = [&](const std::string& bytes, const std::string& type) {
    WebCall call;
    call.method = "POST";
    call.target = "/api/apps/" + id + "/image";
    call.headers = {{"Cookie", h.web.cookie()}, {"X-CSRF-Token", h.web.csrf()}, {"Origin", h.web.origin()}};
    call.content_type = type;
    call.body = bytes;
    return h.web.raw(call, std::chrono::seconds(30));
  };
  CHECK(upload(tiny_png(), "image/jpeg").status == 415);
  CHECK(upload("GIF89a not a png at all, padded to be long enough", "image/png").status == 400);
  std::string broken = tiny_png();
  broken[12] = 'X';  // IHDR chunk type damaged
  CHECK(upload(broken, "image/png").status == 400);
  std::string huge = tiny_png() + std::string(4 * 1024 * 1024, '\0');
  const WebResult too_big = upload(huge, "image/png");
  CHECK((too_big.status == 413 || !too_big.error.empty()));  // refused before the body is read
  CHECK(upload(tiny_png(), "image/png").status == 204);
  const WebResult back = h.web.get("/api/apps/" + id + "/image");
  CHECK(back.status == 200);
  CHECK(back.header("content-type") == "image/png");
  CHECK(back.body == tiny_png());
  CHECK(contains(h.web.get("/api/apps").body, "\"has_image\":true"));
}

TEST_CASE("web: status shows version, the probe report and recent log lines", "[integration][web]") {
  WebHost h;
  h.login();
  const WebResult r = h.web.get("/api/status");
  INFO(r.describe());
  REQUIRE(r.status == 200);
  CHECK(contains(r.body, "\"version\":\"0.1.0\""));
  CHECK(contains(r.body, "capture:"));  // the text `lightwell probe` prints
  CHECK(contains(r.body, "encode:"));
  CHECK(contains(r.body, "web login: user"));  // our own login, from the log ring buffer
  CHECK(h.web.get("/api/stream").body == R"({"active":false})");
}

TEST_CASE("web: request bodies and headers are bounded; keep-alive connection survives", "[integration][web]") {
  WebHost h;
  h.login();
  const WebResult big = h.web.post("/api/clients/x/rename", "{\"name\":\"" + std::string(70 * 1024, 'a') + "\"}");
  CHECK((big.status == 413 || !big.error.empty()));
  WebCall call;
  call.target = "/api/auth";
  call.headers = {{"X-Filler", std::string(16 * 1024, 'b')}};
  const WebResult header_flood = h.web.raw(call);
  CHECK((header_flood.status == 431 || header_flood.status == 400 || !header_flood.error.empty()));
  CHECK(h.web.get("/api/auth").status == 200);  // the server is still fine
}

TEST_CASE("web: admin set-password refuses short passwords and never prints the password", "[integration][web][cli]") {
  WebHost h;
  const CliResult shorty = h.host().cli_with_input({"admin", "set-password"}, "short\n");
  CHECK(shorty.exit_code == 1);
  CHECK(contains(shorty.output, "at least 8"));
  CHECK_FALSE(std::filesystem::exists(h.host().state_dir() / "admin.json"));
  const CliResult ok = h.host().cli_with_input({"admin", "set-password", "--user", "ops"}, "a fine long password\n");
  INFO(ok.describe());
  CHECK(ok.exit_code == 0);
  CHECK_FALSE(contains(ok.output, "a fine long password"));
  const CliResult status = h.host().cli({"admin", "status"});
  CHECK(status.exit_code == 0);
  CHECK(contains(status.output, "\"ops\""));
  CHECK(contains(status.output, "N=32768 r=8 p=1"));
  CHECK(h.web.login("ops", "a fine long password").status == 200);  // picked up without a restart
}
