// The nvhttp control plane (http-pairing.md §1–§8): the request handlers behind the HTTP
// (port P) and HTTPS (port P−5) HttpServers. Sockets stay in net/: this class takes an
// HttpRequest and answers through its Responder, so tests drive it without sockets.
//
//   HTTP   /serverinfo (PairStatus 0), /pair phases 1–4 (PairingService), /unpair
//   HTTPS  every request first: the client certificate must equal, byte for byte, a
//          certificate in the ClientStore (checked per request, so an unpair through the
//          running server's store takes effect at once); else the XML 401 (§1).
//          /serverinfo (PairStatus 1), /pair phrase=pairchallenge (phase 5), /applist,
//          /appasset, /launch, /resume, /cancel
//   both   unknown path → 404 XML; a query that does not parse → 400 XML, nothing changes.
// Every XML answer goes out with HTTP 200; the result is in status_code (§1).
//
// App ids (§3): positive 31-bit, stable across restarts and independent of the list order:
// the first 4 bytes of SHA-256(app name), big-endian, masked to 31 bits (0 → 1). A
// collision with an earlier app in the list moves to the next free id (names are unique, so
// this is deterministic for a given list; docs/pairing-flow.md).
//
// Thread rules: io thread only. Ownership: borrows the store, pairing service, sessions and
// app controller (all outlive it); copies the identity's public parts and the app list.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lightwell/net/http_server.hpp"
#include "lightwell/proto/nvhttp_xml.hpp"
#include "lightwell/proto/query.hpp"
#include "lightwell/proto/sdp_describe.hpp"
#include "lightwell/server/app_controller.hpp"
#include "lightwell/server/config.hpp"
#include "lightwell/server/log.hpp"
#include "lightwell/server/pairing_service.hpp"
#include "lightwell/server/state_store.hpp"
#include "lightwell/server/stream_sessions.hpp"

namespace lightwell::server {

struct AppSlot {
  std::uint32_t id = 0;  // 1..INT32_MAX
  App app;
};

// The id rule above for one name, before collision handling.
std::uint32_t app_id_for_name(std::string_view name);
// Ids for a whole catalogue (all_apps order), collisions resolved.
std::vector<AppSlot> assign_app_ids(const std::vector<App>& apps);

// The built-in box art: a small PNG generated at compile time (no file, no third-party art).
std::span<const std::uint8_t> default_box_art_png();

struct NvhttpOptions {
  std::string hostname;             // <hostname>
  Ports ports;                      // HttpsPort, ExternalPort, the RTSP port in sessionUrl0
  proto::HostCapabilities caps;     // ServerCodecModeSupport (host_caps.hpp)
  std::size_t max_box_art_bytes = 4 * 1024 * 1024;  // larger image files are not served
  std::chrono::seconds last_seen_persist_interval{60};
};

class NvhttpService {
 public:
  NvhttpService(std::string host_uniqueid, std::vector<App> apps, NvhttpOptions options, ClientStore& store,
                PairingService& pairing, StreamSessions& sessions, AppController& apps_controller, Log log,
                ServiceClock clock = ServiceClock::system(), RandomFill random = system_random());

  void handle_http(const net::HttpRequest& request, net::Responder respond);
  void handle_https(const net::HttpRequest& request, net::Responder respond);

  const std::vector<AppSlot>& apps() const noexcept { return apps_; }
  // Replaces the catalogue (the web page saved an app): the next /applist, /appasset and
  // /launch see it. A running app keeps running; ids follow the rule above, so unchanged
  // names keep their ids.
  void set_apps(const std::vector<App>& apps) { apps_ = assign_app_ids(apps); }

 private:
  struct Caller {  // the verified HTTPS client
    std::string id;
    std::string name;
    std::vector<std::uint8_t> cert_der;
  };

  StreamSession new_session(std::uint32_t app_id, const std::string& app_name, const proto::LaunchRequest& parsed,
                            const net::HttpRequest& request, const Caller& caller) const;
  net::HttpResponse serverinfo(const net::HttpRequest& request, proto::Channel channel) const;
  net::HttpResponse applist() const;
  net::HttpResponse appasset(const proto::Query& query) const;
  net::HttpResponse launch(const net::HttpRequest& request, const proto::Query& query, const Caller& caller);
  net::HttpResponse resume(const net::HttpRequest& request, const proto::Query& query, const Caller& caller);
  net::HttpResponse cancel();
  net::HttpResponse pair_over_https(const proto::Query& query) const;

  const AppSlot* find_app(std::uint32_t id) const;
  std::uint32_t running_app_id() const;
  SessionSecrets fresh_secrets() const;
  void note_seen(const std::string& client_id);

  std::string host_uniqueid_;
  std::vector<AppSlot> apps_;
  NvhttpOptions options_;
  ClientStore& store_;
  PairingService& pairing_;
  StreamSessions& sessions_;
  AppController& controller_;
  Log log_;
  ServiceClock clock_;
  RandomFill random_;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> last_persisted_;
};

}  // namespace lightwell::server
