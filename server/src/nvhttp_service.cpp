// nvhttp request dispatch, HTTPS authorisation and /serverinfo (nvhttp_service.hpp).
// Apps and box art: nvhttp_service_apps.cpp; launch/resume/cancel: nvhttp_service_launch.cpp.
#include "lightwell/server/nvhttp_service.hpp"

#include <fmt/format.h>

#include "lightwell/proto/nvhttp_pair.hpp"
#include "lightwell/server/host_caps.hpp"

namespace lightwell::server {
namespace asio = boost::asio;

namespace {

net::HttpResponse xml(std::string body) { return net::HttpResponse{200, "application/xml", std::move(body)}; }

struct Target {
  std::string_view path;
  std::string_view query;
};

// "/path?query#fragment" → path and raw query (Query::parse decodes it).
Target split_target(std::string_view target) {
  if (const auto hash = target.find('#'); hash != std::string_view::npos) target = target.substr(0, hash);
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

// §2 LocalIP: the IPv4 address the client reached; IPv6 → 127.0.0.1, which clients ignore.
std::string local_ipv4(const asio::ip::address& local) {
  if (local.is_v4()) return local.to_string();
  if (local.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, local.to_v6()).to_string();
  return "127.0.0.1";
}

}  // namespace

NvhttpService::NvhttpService(std::string host_uniqueid, std::vector<App> apps, NvhttpOptions options,
                             ClientStore& store, PairingService& pairing, StreamSessions& sessions,
                             AppController& apps_controller, Log log, ServiceClock clock, RandomFill random)
    : host_uniqueid_(std::move(host_uniqueid)),
      apps_(assign_app_ids(apps)),
      options_(std::move(options)),
      store_(store),
      pairing_(pairing),
      sessions_(sessions),
      controller_(apps_controller),
      log_(std::move(log)),
      clock_(std::move(clock)),
      random_(std::move(random)) {}

void NvhttpService::handle_http(const net::HttpRequest& request, net::Responder respond) {
  const Target t = split_target(request.target);
  const bool known = t.path == "/serverinfo" || t.path == "/pair" || t.path == "/unpair";
  if (!known) {
    log_.debug("HTTP {} from {}: unknown path", std::string(t.path), request.peer_address.to_string());
    return respond(xml(proto::build_error(404, "Not Found")));
  }
  auto query = proto::Query::parse(t.query);
  if (!query) return respond(xml(proto::build_error(400, "Bad query string: " + query.error().message)));
  if (t.path == "/serverinfo") return respond(serverinfo(request, proto::Channel::http));
  if (t.path == "/pair") return pairing_.handle_pair(*query, request.peer_address, std::move(respond));
  // /unpair (§6): only ever cancels a pending attempt; a paired certificate is never removed on
  // an unauthenticated HTTP request.
  if (auto uid = query->unique_id(); uid && pairing_.cancel(*uid, request.peer_address)) {
    log_.info("{} cancelled its pairing attempt (/unpair)", request.peer_address.to_string());
  }
  respond(xml(proto::build_unpair()));
}

void NvhttpService::handle_https(const net::HttpRequest& request, net::Responder respond) {
  const Target t = split_target(request.target);
  // Authorisation first, for every path: nothing about the host beyond the 401 is revealed
  // to an unpaired certificate.
  const PairedClient* client =
      request.client_cert_der ? store_.find_by_certificate_der(*request.client_cert_der) : nullptr;
  if (client == nullptr) {
    // debug: clients that pinned us before an unpair poll serverinfo every few seconds.
    log_.debug("HTTPS {} from {}: certificate not paired, answered 401", std::string(t.path),
              request.peer_address.to_string());
    return respond(xml(proto::build_unauthorized(t.path)));
  }
  const Caller caller{client->id, client->name, *request.client_cert_der};
  note_seen(caller.id);

  auto query = proto::Query::parse(t.query);
  const bool known = t.path == "/serverinfo" || t.path == "/pair" || t.path == "/applist" ||
                     t.path == "/appasset" || t.path == "/launch" || t.path == "/resume" || t.path == "/cancel";
  if (!known) return respond(xml(proto::build_error(404, "Not Found")));
  if (!query) return respond(xml(proto::build_error(400, "Bad query string: " + query.error().message)));
  if (t.path == "/serverinfo") return respond(serverinfo(request, proto::Channel::https));
  if (t.path == "/pair") return respond(pair_over_https(*query));
  if (t.path == "/applist") return respond(applist());
  if (t.path == "/appasset") return respond(appasset(*query));
  if (t.path == "/launch") return respond(launch(request, *query, caller));
  if (t.path == "/resume") return respond(resume(request, *query, caller));
  respond(cancel());
}

net::HttpResponse NvhttpService::serverinfo(const net::HttpRequest& request, proto::Channel channel) const {
  proto::ServerInfo info;
  info.hostname = options_.hostname;
  info.unique_id = host_uniqueid_;
  info.https_port = options_.ports.https;
  info.http_port = options_.ports.http;
  info.local_ip = local_ipv4(request.local_address);
  info.codecs = codec_support(options_.caps);
  info.current_game = running_app_id();
  // Only reached over HTTPS after the certificate matched a paired one.
  info.client_verified = channel == proto::Channel::https;
  return xml(proto::build_serverinfo(info, channel));
}

net::HttpResponse NvhttpService::pair_over_https(const proto::Query& query) const {
  auto req = proto::parse_pair_request(query);
  if (!req) {
    const bool unknown = req.error().code == proto::Errc::unsupported;
    return xml(proto::build_pair_error(unknown ? 404 : 400, unknown ? "Invalid pairing request" : req.error().message));
  }
  // Phase 5 (§5.6): the TLS layer plus our certificate check already proved the pairing.
  if (req->phase == proto::PairPhase::pair_challenge) return xml(proto::build_pair_result(true));
  return xml(proto::build_pair_error(400, "Pairing phases 1-4 must be sent over HTTP"));
}

void NvhttpService::note_seen(const std::string& client_id) {
  const auto now = clock_.steady();
  auto it = last_persisted_.find(client_id);
  if (it != last_persisted_.end() && now - it->second < options_.last_seen_persist_interval) return;
  last_persisted_[client_id] = now;
  try {
    store_.touch(client_id, clock_.unix_s());
  } catch (const std::exception& e) {
    log_.warn("cannot record last_seen for client {}: {}", client_id, e.what());
  }
}

std::uint32_t NvhttpService::running_app_id() const {
  const auto running = controller_.running_app();
  if (!running) return 0;
  for (const auto& slot : apps_) {
    if (slot.app.name == *running) return slot.id;
  }
  return app_id_for_name(*running);  // not in the catalogue (cannot happen): still non-zero
}

const AppSlot* NvhttpService::find_app(std::uint32_t id) const {
  for (const auto& slot : apps_) {
    if (slot.id == id) return &slot;
  }
  return nullptr;
}

SessionSecrets NvhttpService::fresh_secrets() const {
  SessionSecrets s;
  random_(s.ping_payload_bytes);
  std::array<std::uint8_t, 4> connect{};
  random_(connect);
  s.connect_data = (std::uint32_t{connect[0]} << 24) | (std::uint32_t{connect[1]} << 16) |
                   (std::uint32_t{connect[2]} << 8) | connect[3];
  return s;
}

}  // namespace lightwell::server
