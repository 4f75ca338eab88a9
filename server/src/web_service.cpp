// WebService: the gate (sessions, CSRF, Origin), login/logout, static files, dispatch
// (web_service.hpp). The routes are in web_routes_*.cpp.
#include "lightwell/server/web_service.hpp"

#include <fmt/format.h>

#include "lightwell/server/web_assets.hpp"
#include "web_internal.hpp"

namespace lightwell::server {
namespace json = boost::json;

namespace web {

std::optional<json::object> json_body(const net::WebRequest& req, const WebDone& done) {
  const auto type = req.header("content-type");
  if (!type || type->substr(0, 16) != "application/json") {
    done(error_reply(415, "the body must be JSON (Content-Type: application/json)"));
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec || !v.is_object()) {
    done(error_reply(400, "the body is not a JSON object"));
    return std::nullopt;
  }
  return std::move(v.as_object());
}

std::optional<std::string> string_field(const json::object& o, std::string_view key, const WebDone& done) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) {
    done(error_reply(400, fmt::format("{}: must be a string", key)));
    return std::nullopt;
  }
  return std::string(v->as_string());
}

std::string_view segment_after(std::string_view path, std::string_view prefix) {
  if (path.substr(0, prefix.size()) != prefix) return {};
  path.remove_prefix(prefix.size());
  return path.substr(0, path.find('/'));
}

}  // namespace web

namespace {

constexpr std::string_view kCookie = "lw_session";
constexpr std::string_view kPublicAssets[] = {"login.html", "login.js", "style.css", "favicon.svg"};

bool is_public_asset(std::string_view name) {
  for (auto p : kPublicAssets) {
    if (p == name) return true;
  }
  return false;
}

}  // namespace

const WebAsset* find_web_asset(std::string_view name) {
  for (const auto& a : web_assets()) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

net::HeaderList WebService::security_headers() {
  // CSP: only our own scripts/styles/connections, no inline code, no framing by anyone
  // (clickjacking), no <base> or foreign form targets. X-Frame-Options for browsers without
  // frame-ancestors. nosniff: a JSON or PNG answer is never run as script. no-referrer: the
  // page's URLs never leak. HSTS: the browser keeps to HTTPS. no-store: nothing of the
  // admin page stays in caches.
  return {{"Content-Security-Policy",
           "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
           "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
          {"X-Frame-Options", "DENY"},
          {"X-Content-Type-Options", "nosniff"},
          {"Referrer-Policy", "no-referrer"},
          {"Strict-Transport-Security", "max-age=31536000"},
          {"Cache-Control", "no-store"}};
}

WebService::WebService(boost::asio::io_context& io, WebServiceDeps deps, Log log, WebServiceOptions options,
                       ServiceClock clock, RandomFill random)
    : io_(io),
      deps_(std::move(deps)),
      log_(std::move(log)),
      options_(options),
      clock_(clock),
      random_(random),
      credentials_(deps_.state_dir, options_.scrypt),
      sessions_(clock, random, options_.sessions),
      limiter_(clock, options_.login_limit),
      timer_(io) {}

WebService::~WebService() { stop(); }

void WebService::stop() {
  stopped_ = true;
  timer_.cancel();
  for (auto& s : streams_) s.close();
  streams_.clear();
}

void WebService::handle(const net::WebRequest& request, net::WebReply reply) {
  if (request.method == "GET" && request.path() == "/api/events") {
    // The gate first, through the common path; only a passing request opens the stream.
    handle(request, [this, reply](net::WebResponse r) {
      if (r.status == 200 && r.content_type == "text/event-stream") {
        open_events(reply);
      } else {
        reply.respond(std::move(r));
      }
    });
    return;
  }
  handle(request, [reply](net::WebResponse r) { reply.respond(std::move(r)); });
}

void WebService::handle(const net::WebRequest& request, const WebDone& done) {
  Ctx ctx{request, done, std::string(request.path()), nullptr};
  try {
    route(ctx);
  } catch (const std::exception& e) {
    log_.error("{} {}: internal error: {}", request.method, ctx.path.substr(0, 64), e.what());
    done(web::error_reply(500, "internal error (see the server log)"));
  }
}

void WebService::route(Ctx& ctx) {
  const auto& req = ctx.req;
  const bool get = req.method == "GET";
  const std::string& path = ctx.path;
  if (!get && req.method != "POST") return ctx.done(web::error_reply(405, "only GET and POST are used"));

  // Public: the login page's files and the three auth endpoints.
  if (get && path.size() > 1 && is_public_asset(std::string_view(path).substr(1))) {
    return serve_asset(ctx, std::string_view(path).substr(1));
  }
  if (path == "/api/auth") {
    if (!get) return ctx.done(web::error_reply(405, "GET only"));
    return ctx.done(web::json_reply(200, auth_json(req)));
  }
  if (path == "/api/login") {
    if (get) return ctx.done(web::error_reply(405, "POST only"));
    return login(ctx);
  }

  if (auto cookie = req.header("cookie")) {
    if (auto id = cookie_value(*cookie, kCookie)) ctx.session = sessions_.find(*id);
  }
  const bool api = path.rfind("/api/", 0) == 0;
  if (ctx.session == nullptr) {
    if (!api && get) {
      net::WebResponse r;
      r.status = 303;
      r.content_type = "text/plain";
      r.headers.emplace_back("Location", "/login.html");
      return ctx.done(std::move(r));
    }
    return ctx.done(web::error_reply(401, "login required"));
  }
  if (!get) {
    // CSRF: a forged cross-site request carries the cookie (unless SameSite stops it) but
    // can neither read the token nor set a matching Origin. Both are required.
    const auto token = req.header("x-csrf-token");
    if (!token || !tokens_equal(*token, ctx.session->csrf_token)) {
      log_.warn("refused {} {} from {}: missing or wrong CSRF token", req.method, path, req.peer_address.to_string());
      return ctx.done(web::error_reply(403, "missing or wrong CSRF token; reload the page"));
    }
    if (auto problem = origin_problem(req); !problem.empty()) {
      log_.warn("refused {} {} from {}: {}", req.method, path, req.peer_address.to_string(), problem);
      return ctx.done(web::error_reply(403, problem));
    }
  }

  if (path == "/api/logout") return get ? ctx.done(web::error_reply(405, "POST only")) : logout(ctx);
  if (path == "/api/session") {
    return ctx.done(web::json_reply(200, json::object{{"user", ctx.session->user},
                                                      {"csrf_token", ctx.session->csrf_token},
                                                      {"expires_unix_s", ctx.session->expires_unix_s}}));
  }
  if (path.rfind("/api/pairing", 0) == 0) return pairing_routes(ctx);
  if (path.rfind("/api/clients", 0) == 0) return client_routes(ctx);
  if (path.rfind("/api/apps", 0) == 0) return app_routes(ctx);
  if (path == "/api/stream" || path == "/api/status" || path == "/api/events") return status_routes(ctx);
  if (api) return ctx.done(web::error_reply(404, "no such API"));
  if (!get) return ctx.done(web::error_reply(405, "GET only"));
  if (path == "/") return serve_asset(ctx, "index.html");
  return serve_asset(ctx, std::string_view(path).substr(1));
}

void WebService::serve_asset(Ctx& ctx, std::string_view name) {
  const WebAsset* asset = find_web_asset(name);
  if (asset == nullptr) return ctx.done(web::error_reply(404, "not found"));
  net::WebResponse r;
  r.content_type = std::string(asset->content_type);
  r.body.assign(reinterpret_cast<const char*>(asset->bytes.data()), asset->bytes.size());
  ctx.done(std::move(r));
}

std::string WebService::auth_json(const net::WebRequest& request) {
  const WebSession* session = nullptr;
  if (auto cookie = request.header("cookie")) {
    if (auto id = cookie_value(*cookie, kCookie)) session = sessions_.find(*id);
  }
  bool set = false;
  try {
    set = credentials_.password_set();
  } catch (const std::exception& e) {
    log_.error("web login impossible: {}", e.what());
  }
  return json::serialize(json::object{{"password_set", set},
                                      {"logged_in", session != nullptr},
                                      {"user", session ? json::value(session->user) : json::value(nullptr)}});
}

void WebService::login(Ctx& ctx) {
  const auto& req = ctx.req;
  if (auto problem = origin_problem(req); !problem.empty()) {
    log_.warn("refused a login from {}: {}", req.peer_address.to_string(), problem);
    return ctx.done(web::error_reply(403, problem));
  }
  if (auto wait = limiter_.wait_s(req.peer_address)) {
    auto r = web::error_reply(429, fmt::format("too many failed logins; try again in {} s", *wait));
    r.headers.emplace_back("Retry-After", std::to_string(*wait));
    return ctx.done(std::move(r));
  }
  auto body = web::json_body(req, ctx.done);
  if (!body) return;
  auto user = web::string_field(*body, "user", ctx.done);
  if (!user) return;
  auto password = web::string_field(*body, "password", ctx.done);
  if (!password) return;
  if (user->empty()) *user = std::string(kDefaultAdminUser);
  bool ok = false;
  try {
    ok = credentials_.verify(*user, *password);
  } catch (const std::exception& e) {
    log_.error("web login impossible: {}", e.what());
    return ctx.done(web::error_reply(503, "the server cannot read its credentials; see the server log"));
  }
  if (!ok) {
    limiter_.failed(req.peer_address);
    log_.warn("failed web login for user \"{}\" from {}", user->substr(0, 64), req.peer_address.to_string());
    return ctx.done(web::error_reply(401, "wrong user name or password"));
  }
  limiter_.succeeded(req.peer_address);
  const WebSession& s = sessions_.create(*user);
  log_.info("web login: user \"{}\" from {}", s.user, req.peer_address.to_string());
  auto r = web::json_reply(200, json::object{{"csrf_token", s.csrf_token}});
  r.headers.emplace_back("Set-Cookie", fmt::format("{}={}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={}", kCookie,
                                                   s.id, options_.sessions.absolute_timeout.count()));
  ctx.done(std::move(r));
}

void WebService::logout(Ctx& ctx) {
  log_.info("web logout: user \"{}\" from {}", ctx.session->user, ctx.req.peer_address.to_string());
  sessions_.destroy(ctx.session->id);
  ctx.session = nullptr;
  auto r = web::no_content();
  r.headers.emplace_back("Set-Cookie", fmt::format("{}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0", kCookie));
  ctx.done(std::move(r));
}

bool WebService::reauth(Ctx& ctx, const std::string& password) {
  if (auto wait = limiter_.wait_s(ctx.req.peer_address)) {
    auto r = web::error_reply(429, fmt::format("too many wrong passwords; try again in {} s", *wait));
    r.headers.emplace_back("Retry-After", std::to_string(*wait));
    ctx.done(std::move(r));
    return false;
  }
  if (!password.empty() && credentials_.verify(ctx.session->user, password)) return true;
  if (!password.empty()) limiter_.failed(ctx.req.peer_address);
  log_.warn("refused an app change by \"{}\" from {}: password missing or wrong", ctx.session->user,
            ctx.req.peer_address.to_string());
  ctx.done(web::error_reply(403, "password required"));
  return false;
}

}  // namespace lightwell::server
