// /api/pairing and /api/clients (web_service.hpp; WEB-API.md "Pairing", "Clients").
#include <fmt/format.h>

#include "lightwell/proto/crypto/pairing.hpp"
#include "web_internal.hpp"

namespace lightwell::server {
namespace json = boost::json;

namespace {

json::object client_json(const PairedClient& c) {
  return json::object{{"id", c.id},
                      {"name", c.name},
                      {"first_seen_unix_s", c.first_seen_unix_s},
                      {"last_seen_unix_s", c.last_seen_unix_s}};
}

std::string check_client_name(const std::string& name) {
  if (name.size() > 100) return "name: at most 100 characters";
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return "name: must not contain control characters";
  }
  return {};
}

}  // namespace

std::string WebService::pairing_json() const {
  json::value pending = nullptr;
  if (auto p = deps_.pairing.pending()) {
    auto peer = p->peer;
    if (peer.is_v6() && peer.to_v6().is_v4_mapped()) peer = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, peer.to_v6());
    pending = json::object{{"client_address", peer.to_string()},
                           {"unique_id", p->unique_id},
                           {"seconds_left", p->seconds_left},
                           {"pin_entered", p->pin_entered}};
  }
  return json::serialize(json::object{{"pending", pending}, {"locked_s", deps_.pairing.lockout_remaining_s()}});
}

void WebService::pairing_routes(Ctx& ctx) {
  if (ctx.path == "/api/pairing" && ctx.req.method == "GET") return ctx.done(web::json_reply(200, pairing_json()));
  if (ctx.path != "/api/pairing/pin" || ctx.req.method != "POST") return ctx.done(web::error_reply(404, "no such API"));
  auto body = web::json_body(ctx.req, ctx.done);
  if (!body) return;
  auto pin = web::string_field(*body, "pin", ctx.done);
  if (!pin) return;
  auto name = web::string_field(*body, "name", ctx.done);
  if (!name) return;
  if (!proto::crypto::is_valid_pin(*pin)) return ctx.done(web::error_reply(400, "pin: must be exactly 4 digits"));
  if (auto problem = check_client_name(*name); !problem.empty()) return ctx.done(web::error_reply(400, problem));
  log_.info("PIN entered on the web page by \"{}\" from {}", ctx.session->user, ctx.req.peer_address.to_string());
  // The same path as `lightwell pair`: PairingService answers at once (no attempt, bad PIN,
  // locked) or once phases 2–4 finish, at most pin_outcome_wait later.
  deps_.pairing.enter_pin(*pin, *name, [done = ctx.done](ControlReply reply) {
    done(web::json_reply(200, json::object{{"ok", reply.ok}, {"message", reply.message}}));
  });
}

void WebService::client_routes(Ctx& ctx) {
  const bool get = ctx.req.method == "GET";
  if (ctx.path == "/api/clients") {
    if (!get) return ctx.done(web::error_reply(405, "GET only"));
    json::array list;
    for (const auto& c : deps_.clients.clients()) list.push_back(client_json(c));
    return ctx.done(web::json_reply(200, json::object{{"clients", std::move(list)}}));
  }
  const std::string id(web::segment_after(ctx.path, "/api/clients/"));
  const std::string action = ctx.path.substr(std::min(ctx.path.size(), std::string("/api/clients/").size() + id.size()));
  if (get || id.empty() || (action != "/rename" && action != "/unpair")) {
    return ctx.done(web::error_reply(404, "no such API"));
  }
  const PairedClient* found = nullptr;
  for (const auto& c : deps_.clients.clients()) {
    if (c.id == id) found = &c;
  }
  if (found == nullptr) return ctx.done(web::error_reply(404, "no paired client with this id"));
  if (action == "/unpair") {
    const std::string name = found->name;
    deps_.clients.remove(id);  // the store every HTTPS request checks: refused from now on
    log_.info("client {} (\"{}\") unpaired on the web page by \"{}\"", id, name, ctx.session->user);
    return ctx.done(web::no_content());
  }
  auto body = web::json_body(ctx.req, ctx.done);
  if (!body) return;
  auto name = web::string_field(*body, "name", ctx.done);
  if (!name) return;
  if (name->empty()) return ctx.done(web::error_reply(400, "name: must not be empty"));
  if (auto problem = check_client_name(*name); !problem.empty()) return ctx.done(web::error_reply(400, problem));
  deps_.clients.rename(id, *name);
  log_.info("client {} renamed to \"{}\" on the web page", id, *name);
  for (const auto& c : deps_.clients.clients()) {
    if (c.id == id) return ctx.done(web::json_reply(200, client_json(c)));
  }
  ctx.done(web::error_reply(404, "no paired client with this id"));
}

}  // namespace lightwell::server
