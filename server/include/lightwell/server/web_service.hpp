// The web admin page's request handler (docs/web.md; the API contract is WEB-API.md): static
// files, login/logout, the session + CSRF + Origin gate, and the routes for pairing, clients,
// apps, the live stream and status. Sockets stay in net/ (web_server.hpp): handle() takes a
// WebRequest and answers through a callback, so tests drive it without TLS.
//
// Gate, in this order, for every request:
//   public assets (/login.html, /login.js, /style.css, /favicon.svg) and GET /api/auth;
//   POST /api/login: Origin must match, login rate limit per source address;
//   everything else needs a live session (cookie lw_session): pages → 303 /login.html,
//   API → 401; and every method other than GET needs X-CSRF-Token = the session's token AND
//   Origin = "https://" + Host → else 403 and nothing runs.
// App create/edit/delete additionally need the password again (logged, without it).
//
// Thread rules: io thread only. Ownership: borrows everything in WebServiceDeps (all outlive
// the service); owns the sessions, the limiter and the open event streams.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "lightwell/net/web_server.hpp"
#include "lightwell/server/log.hpp"
#include "lightwell/server/pairing_service.hpp"
#include "lightwell/server/state_store.hpp"
#include "lightwell/server/stream_controller.hpp"
#include "lightwell/server/web_apps.hpp"
#include "lightwell/server/web_credentials.hpp"
#include "lightwell/server/web_sessions.hpp"

namespace lightwell::server {

struct WebServiceDeps {
  std::filesystem::path state_dir;
  ClientStore& clients;
  PairingService& pairing;
  WebAppStore& apps;
  std::function<void(const std::vector<App>&)> on_apps_changed;  // NvhttpService::set_apps
  std::function<StreamStatus()> stream_status;                  // StreamController::status
  std::function<std::string()> probe_report;                    // cached by the service
  std::function<std::vector<std::string>()> log_lines;          // LogHub::recent_lines
};

struct WebServiceOptions {
  SessionOptions sessions;
  LoginLimitOptions login_limit;
  ScryptParams scrypt;  // for new hashes only (tests lower N)
  std::chrono::milliseconds event_interval{500};
  std::chrono::seconds latency_window{10};  // host latency p50/p99 over this
  std::size_t max_event_streams = 8;
};

using WebDone = std::function<void(net::WebResponse)>;

class WebService {
 public:
  WebService(boost::asio::io_context& io, WebServiceDeps deps, Log log, WebServiceOptions options = {},
             ServiceClock clock = ServiceClock::system(), RandomFill random = system_random());
  ~WebService();
  WebService(const WebService&) = delete;
  WebService& operator=(const WebService&) = delete;

  // The net::WebHandler.
  void handle(const net::WebRequest& request, net::WebReply reply);
  // Everything but the event stream, answering through done (once; at once or, for a PIN,
  // within a few seconds).
  void handle(const net::WebRequest& request, const WebDone& done);
  // Closes the event streams and stops the timer (shutdown).
  void stop();

  // The headers every response carries (WebServerOptions::common_headers).
  static net::HeaderList security_headers();

 private:
  struct Ctx;
  void route(Ctx& ctx);
  void login(Ctx& ctx);
  void logout(Ctx& ctx);
  void serve_asset(Ctx& ctx, std::string_view name);
  void pairing_routes(Ctx& ctx);
  void client_routes(Ctx& ctx);
  void app_routes(Ctx& ctx);
  void app_save(Ctx& ctx, std::optional<std::uint32_t> id);
  void app_image(Ctx& ctx, std::uint32_t id);
  void status_routes(Ctx& ctx);
  bool reauth(Ctx& ctx, const std::string& password);

  std::string auth_json(const net::WebRequest& request);
  std::string pairing_json() const;
  std::string stream_json();
  std::string app_json(const CatalogueEntry& entry) const;
  void open_events(net::WebReply reply);
  void tick();
  void apps_changed();

  boost::asio::io_context& io_;
  WebServiceDeps deps_;
  Log log_;
  WebServiceOptions options_;
  ServiceClock clock_;
  RandomFill random_;
  CredentialStore credentials_;
  SessionTable sessions_;
  LoginLimiter limiter_;
  boost::asio::steady_timer timer_;
  bool ticking_ = false;
  bool stopped_ = false;
  std::vector<net::WebStream> streams_;
  std::string last_pairing_sent_;
  bool last_stream_active_ = false;
  std::chrono::steady_clock::time_point last_keepalive_{};
  std::deque<std::pair<std::chrono::steady_clock::time_point, double>> latency_ms_;
  std::string probe_cache_;
  std::chrono::steady_clock::time_point probe_time_{};
};

}  // namespace lightwell::server
