// The web page against the known advisories of other GameStream hosts (issue 10): CSRF to
// command execution, foreign origins, clickjacking, password guessing, pages reachable
// without login, reach from outside the allowed networks. Black box: real `lightwell serve`,
// real TLS (tests/support/web_client.hpp).
#include <catch2/catch.hpp>

#include "web_support.hpp"

using namespace lightwell::test;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

struct Route {
  std::string target;
  std::string body;
  std::string content_type = "application/json";
};

// Every state-changing route of WEB-API.md, with a body that WOULD change state if accepted.
std::vector<Route> state_changing_routes(const std::string& client_id, const std::string& app_id) {
  const std::string pw = kWebPassword;
  return {
      {"/api/logout", "{}"},
      {"/api/pairing/pin", R"({"pin":"1234","name":"x"})"},
      {"/api/clients/" + client_id + "/rename", R"({"name":"renamed by an attacker"})"},
      {"/api/clients/" + client_id + "/unpair", "{}"},
      {"/api/apps", R"({"name":"Evil","cmd":"touch /tmp/pwned","password":")" + pw + "\"}"},
      {"/api/apps/" + app_id, R"({"name":"Evil","cmd":"touch /tmp/pwned","password":")" + pw + "\"}"},
      {"/api/apps/" + app_id + "/delete", R"({"password":")" + pw + "\"}"},
      {"/api/apps/" + app_id + "/image", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\x08\x06\0\0\0\0\0\0\0", 33),
       "image/png"},
  };
}

// A host with a paired client and a web app, logged in.
struct Armed {
  WebHost h;
  GameStreamClient* client = nullptr;
  std::string client_id;
  std::string app_id;

  Armed() {
    h.login();
    client = &h.pair_through_web("victim");
    client_id = json_string(h.web.get("/api/clients").body, "id").value_or("");
    REQUIRE(client_id.size() == 16);
    const WebResult app = h.web.post("/api/apps", h.app_body("Game", "true", kWebPassword));
    REQUIRE(app.status == 201);
    app_id = app.body.substr(app.body.find("\"id\":") + 5, app.body.find(',') - app.body.find("\"id\":") - 5);
  }

  WebResult send(const Route& r, const std::vector<std::pair<std::string, std::string>>& headers) {
    WebCall call;
    call.method = "POST";
    call.target = r.target;
    call.headers = headers;
    call.body = r.body;
    call.content_type = r.content_type;
    return h.web.raw(call, std::chrono::seconds(30));
  }

  void check_nothing_changed(const std::map<std::string, std::string>& before) {
    CHECK(state_snapshot(h.host().state_dir()) == before);  // byte for byte
    CHECK(h.web.get("/api/session").status == 200);        // not logged out
    CHECK(client->serverinfo_https().text("PairStatus") == "1");  // still paired
    CHECK(contains(h.web.get("/api/apps").body, "\"name\":\"Game\""));
    CHECK_FALSE(contains(h.web.get("/api/apps").body, "Evil"));
  }
};

void check_security_headers(const WebResult& r, const std::string& what) {
  INFO(what << ":\n" << r.describe());
  REQUIRE(r.status != 0);
  const std::string csp = r.header("content-security-policy").value_or("");
  CHECK(contains(csp, "frame-ancestors 'none'"));
  CHECK(contains(csp, "default-src 'self'"));
  CHECK(contains(csp, "script-src 'self'"));
  CHECK_FALSE(contains(csp, "unsafe-inline"));
  CHECK(r.header("x-frame-options") == "DENY");
  CHECK(r.header("x-content-type-options") == "nosniff");
  CHECK(r.header("referrer-policy") == "no-referrer");
  CHECK(contains(r.header("strict-transport-security").value_or(""), "max-age="));
}

}  // namespace

TEST_CASE("advisory: no page or API is reachable without login except the login page", "[integration][web][advisory]") {
  WebHost h;
  h.set_password();
  // Pages: 303 to the login page. API: 401 {"error":"login required"}.
  for (const char* page : {"/", "/index.html", "/app.js", "/pair.js", "/ui.js", "/http.js", "/anything"}) {
    const WebResult r = h.web.get(page);
    INFO(page << "\n" << r.describe());
    CHECK(r.status == 303);
    CHECK(r.header("location") == "/login.html");
    CHECK_FALSE(contains(r.body, "<html"));
  }
  for (const char* api : {"/api/session", "/api/pairing", "/api/clients", "/api/apps", "/api/apps/1/image", "/api/stream",
                          "/api/events", "/api/status", "/api/nonexistent"}) {
    const WebResult r = h.web.get(api);
    INFO(api << "\n" << r.describe());
    CHECK(r.status == 401);
    CHECK(r.body == R"({"error":"login required"})");
  }
  for (const char* api : {"/api/logout", "/api/pairing/pin", "/api/clients/0011223344556677/rename",
                          "/api/clients/0011223344556677/unpair", "/api/apps", "/api/apps/1", "/api/apps/1/delete",
                          "/api/apps/1/image"}) {
    const WebResult r = h.web.post(api, R"({"pin":"1234","name":"x","password":"correct horse battery"})");
    INFO(api << "\n" << r.describe());
    CHECK(r.status == 401);
  }
  // A made-up cookie is no session.
  h.web.set_session("lw_session=" + std::string(64, 'a'), std::string(64, 'b'));
  CHECK(h.web.get("/api/clients").status == 401);
  // Public: the login page's files (never a redirect or 401) and the auth endpoints.
  for (const auto& [asset, type] : {std::pair{"/login.html", "text/html"}, std::pair{"/login.js", "text/javascript"},
                                     std::pair{"/style.css", "text/css"}, std::pair{"/favicon.svg", "image/svg+xml"}}) {
    const WebResult r = h.web.get(asset);
    INFO(asset << "\n" << r.describe());
    CHECK(r.status == 200);
    CHECK(r.header("content-type").value_or("").rfind(type, 0) == 0);
    CHECK_FALSE(r.body.empty());
  }
  CHECK(h.web.get("/api/auth").status == 200);
}

TEST_CASE("advisory: web request without CSRF token is refused", "[integration][web][advisory]") {
  Armed a;
  const auto before = state_snapshot(a.h.host().state_dir());
  for (const Route& r : state_changing_routes(a.client_id, a.app_id)) {
    const auto origin = std::pair<std::string, std::string>{"Origin", a.h.web.origin()};
    const auto cookie = std::pair<std::string, std::string>{"Cookie", a.h.web.cookie()};
    WebResult res = a.send(r, {cookie, origin});
    INFO(r.target << " without token\n" << res.describe());
    CHECK(res.status == 403);
    res = a.send(r, {cookie, origin, {"X-CSRF-Token", std::string(64, '0')}});
    INFO(r.target << " with a wrong token\n" << res.describe());
    CHECK(res.status == 403);
    res = a.send(r, {cookie, origin, {"X-CSRF-Token", ""}});
    CHECK(res.status == 403);
  }
  a.check_nothing_changed(before);
}

TEST_CASE("advisory: web request from a foreign origin is refused", "[integration][web][advisory]") {
  Armed a;
  const auto before = state_snapshot(a.h.host().state_dir());
  const auto cookie = std::pair<std::string, std::string>{"Cookie", a.h.web.cookie()};
  const auto token = std::pair<std::string, std::string>{"X-CSRF-Token", a.h.web.csrf()};
  for (const Route& r : state_changing_routes(a.client_id, a.app_id)) {
    WebResult res = a.send(r, {cookie, token});
    INFO(r.target << " without Origin\n" << res.describe());
    CHECK(res.status == 403);
    for (const std::string& foreign :
         {std::string("https://evil.example"), std::string("null"), "http://" + a.h.web.host_header(),
          a.h.web.origin() + ".evil.example", std::string("https://127.0.0.1")}) {
      res = a.send(r, {cookie, token, {"Origin", foreign}});
      INFO(r.target << " from " << foreign << "\n" << res.describe());
      CHECK(res.status == 403);
    }
  }
  a.check_nothing_changed(before);
  // Login too: a foreign page cannot log a browser in (login CSRF).
  WebCall login;
  login.method = "POST";
  login.target = "/api/login";
  login.headers = {{"Origin", "https://evil.example"}};
  login.content_type = "application/json";
  login.body = R"({"user":"admin","password":"correct horse battery"})";
  const WebResult res = a.h.web.raw(login, std::chrono::seconds(30));
  CHECK(res.status == 403);
  CHECK_FALSE(res.header("set-cookie"));
}

TEST_CASE("advisory: page framing is refused", "[integration][web][advisory]") {
  WebHost h;
  h.set_password();
  // Every kind of answer: public asset or its 404, redirect, 401, login failure, 403, 404,
  // then logged in: API JSON, pages, images, 400, 405.
  check_security_headers(h.web.get("/login.html"), "login page");
  check_security_headers(h.web.get("/"), "redirect");
  check_security_headers(h.web.get("/api/clients"), "401");
  check_security_headers(h.web.get("/api/auth"), "auth");
  check_security_headers(h.web.login("admin", "wrong password"), "failed login");
  WebCall foreign;
  foreign.method = "POST";
  foreign.target = "/api/login";
  foreign.headers = {{"Origin", "https://evil.example"}};
  check_security_headers(h.web.raw(foreign), "403");
  REQUIRE(h.web.login("admin", kWebPassword).status == 200);
  check_security_headers(h.web.get("/api/clients"), "API");
  check_security_headers(h.web.get("/"), "index page");
  check_security_headers(h.web.get("/no-such-file.js"), "404");
  check_security_headers(h.web.get("/api/apps/1/image"), "image");
  check_security_headers(h.web.post("/api/clients/x/rename", "not json"), "404 (unknown client)");
  check_security_headers(h.web.post("/api/pairing/pin", "not json"), "400");
  WebCall put;
  put.method = "PUT";
  put.target = "/api/apps";
  put.headers = {{"Cookie", h.web.cookie()}};
  check_security_headers(h.web.raw(put), "405");
  CHECK(h.web.get("/api/clients").header("cache-control") == "no-store");
}

TEST_CASE("advisory: wrong web passwords are rate limited with a growing Retry-After", "[integration][web][advisory]") {
  WebHost h;
  h.set_password();
  for (int i = 0; i < 3; ++i) CHECK(h.web.login("admin", "guess " + std::to_string(i)).status == 401);
  WebResult r = h.web.login("admin", "guess 3");
  INFO(r.describe());
  REQUIRE(r.status == 429);
  const int first = std::stoi(r.header("retry-after").value_or("0"));
  CHECK(first >= 1);
  // While waiting even the right password is not checked.
  CHECK(h.web.login("admin", kWebPassword).status == 429);
  std::this_thread::sleep_for(std::chrono::seconds(first) + std::chrono::milliseconds(300));
  CHECK(h.web.login("admin", "guess 4").status == 401);
  r = h.web.login("admin", "guess 5");
  REQUIRE(r.status == 429);
  const int second = std::stoi(r.header("retry-after").value_or("0"));
  CHECK(second > first);
  // Re-authentication for app changes counts against the same limit (no side door).
  CHECK(contains(h.host().log(), "failed web login"));
}

TEST_CASE("advisory: web peer outside the allowed networks is refused", "[integration][web][advisory]") {
  WebHost h(web_options("[security]\nweb_ui_allowed_networks = [\"10.0.0.0/8\"]\n"));
  h.set_password();
  // We connect from 127.0.0.1: the server closes before TLS, so no HTTP answer at all.
  const WebResult r = h.web.get("/login.html");
  INFO(r.describe());
  CHECK(r.status == 0);
  CHECK_FALSE(r.error.empty());
  CHECK(h.web.login("admin", kWebPassword).status == 0);
  REQUIRE(h.host().running());
}
