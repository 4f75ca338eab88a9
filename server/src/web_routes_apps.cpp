// /api/apps (web_service.hpp; WEB-API.md "Apps"). Saving commands is root-equivalent: create,
// edit and delete need the password again and are logged (never the password).
#include <charconv>
#include <fstream>

#include <fmt/format.h>

#include "lightwell/proto/hex.hpp"
#include "lightwell/server/atomic_file.hpp"
#include "web_internal.hpp"

namespace lightwell::server {
namespace json = boost::json;

namespace {

std::string join(const AppCommand& c) {
  // Web apps are stored as /bin/sh -c TEXT: show TEXT. Config apps: argv joined for reading.
  if (c.argv.size() == 3 && c.argv[0] == "/bin/sh" && c.argv[1] == "-c") return c.argv[2];
  std::string out;
  for (const auto& a : c.argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

std::optional<std::uint32_t> parse_id(std::string_view text) {
  std::uint32_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return id;
}

// PNG: the 8-byte signature, then the IHDR chunk (length 13) with width and height 1..16384
// (PNG spec §5.2, §11.2.2).
bool valid_png(std::string_view b) {
  static constexpr unsigned char kHead[16] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
  if (b.size() < 33) return false;
  for (std::size_t i = 0; i < 16; ++i) {
    if (static_cast<unsigned char>(b[i]) != kHead[i]) return false;
  }
  auto be32 = [&](std::size_t at) {
    return (std::uint32_t{static_cast<unsigned char>(b[at])} << 24) | (std::uint32_t{static_cast<unsigned char>(b[at + 1])} << 16) |
           (std::uint32_t{static_cast<unsigned char>(b[at + 2])} << 8) | std::uint32_t{static_cast<unsigned char>(b[at + 3])};
  };
  const std::uint32_t w = be32(16);
  const std::uint32_t h = be32(20);
  return w >= 1 && h >= 1 && w <= 16384 && h <= 16384;
}

const char* source_name(AppSource s) {
  switch (s) {
    case AppSource::builtin: return "builtin";
    case AppSource::config: return "config";
    case AppSource::web: return "web";
  }
  return "config";
}

}  // namespace

std::string WebService::app_json(const CatalogueEntry& e) const {
  const App& a = e.slot.app;
  json::array prep;
  for (const auto& p : a.prep) prep.push_back(json::object{{"do", join(p.run)}, {"undo", join(p.undo)}});
  json::array detached;
  for (const auto& d : a.detached) detached.emplace_back(join(d));
  return json::serialize(json::object{{"id", e.slot.id},
                                      {"name", a.name},
                                      {"source", source_name(e.source)},
                                      {"editable", e.source == AppSource::web},
                                      {"cmd", join(a.cmd)},
                                      {"working_dir", a.working_dir.string()},
                                      {"prep", std::move(prep)},
                                      {"detached", std::move(detached)},
                                      {"has_image", !a.image.empty()}});
}

void WebService::apps_changed() {
  if (deps_.on_apps_changed) deps_.on_apps_changed(deps_.apps.apps());
}

void WebService::app_routes(Ctx& ctx) {
  const bool get = ctx.req.method == "GET";
  if (ctx.path == "/api/apps") {
    if (!get) return app_save(ctx, std::nullopt);
    std::string list = "{\"apps\":[";
    bool first = true;
    for (const auto& e : deps_.apps.catalogue()) {
      list += (first ? "" : ",") + app_json(e);
      first = false;
    }
    return ctx.done(web::json_reply(200, list + "]}"));
  }
  const std::string_view seg = web::segment_after(ctx.path, "/api/apps/");
  const auto id = parse_id(seg);
  const std::string action = ctx.path.substr(std::string("/api/apps/").size() + seg.size());
  if (!id) return ctx.done(web::error_reply(404, "no such app"));
  if (action == "/image") return app_image(ctx, *id);
  if (get || (!action.empty() && action != "/delete")) return ctx.done(web::error_reply(404, "no such API"));
  if (action.empty()) return app_save(ctx, id);

  std::vector<CatalogueEntry> scratch;
  const CatalogueEntry* e = deps_.apps.find(*id, scratch);
  if (e == nullptr) return ctx.done(web::error_reply(404, "no such app"));
  auto body = web::json_body(ctx.req, ctx.done);
  if (!body) return;
  auto password = web::string_field(*body, "password", ctx.done);
  if (!password) return;
  if (e->source != AppSource::web) return ctx.done(web::error_reply(409, "config-file and built-in apps are read-only"));
  if (!reauth(ctx, *password)) return;
  const std::string name = e->slot.app.name;
  deps_.apps.remove(e->web->key);
  log_.warn("app \"{}\" deleted on the web page by \"{}\" from {}", name, ctx.session->user, ctx.req.peer_address.to_string());
  apps_changed();
  ctx.done(web::no_content());
}

void WebService::app_save(Ctx& ctx, std::optional<std::uint32_t> id) {
  auto body = web::json_body(ctx.req, ctx.done);
  if (!body) return;
  WebApp app;
  for (auto [key, out] : {std::pair{"name", &app.name}, std::pair{"cmd", &app.cmd}, std::pair{"working_dir", &app.working_dir}}) {
    auto v = web::string_field(*body, key, ctx.done);
    if (!v) return;
    *out = std::move(*v);
  }
  auto password = web::string_field(*body, "password", ctx.done);
  if (!password) return;
  if (const json::value* prep = body->if_contains("prep"); prep != nullptr && !prep->is_null()) {
    if (!prep->is_array()) return ctx.done(web::error_reply(400, "prep: must be a list"));
    for (const auto& p : prep->as_array()) {
      if (!p.is_object()) return ctx.done(web::error_reply(400, "prep: entries must be objects"));
      auto run = web::string_field(p.as_object(), "do", ctx.done);
      if (!run) return;
      auto undo = web::string_field(p.as_object(), "undo", ctx.done);
      if (!undo) return;
      app.prep.emplace_back(std::move(*run), std::move(*undo));
    }
  }
  if (const json::value* det = body->if_contains("detached"); det != nullptr && !det->is_null()) {
    if (!det->is_array()) return ctx.done(web::error_reply(400, "detached: must be a list"));
    for (const auto& d : det->as_array()) {
      if (!d.is_string()) return ctx.done(web::error_reply(400, "detached: entries must be strings"));
      app.detached.emplace_back(d.as_string());
    }
  }
  std::vector<CatalogueEntry> scratch;
  const CatalogueEntry* existing = nullptr;
  if (id) {
    existing = deps_.apps.find(*id, scratch);
    if (existing == nullptr) return ctx.done(web::error_reply(404, "no such app"));
    if (existing->source != AppSource::web) return ctx.done(web::error_reply(409, "config-file and built-in apps are read-only"));
  }
  if (auto problem = check_web_app(app); !problem.empty()) return ctx.done(web::error_reply(400, problem));
  if (!reauth(ctx, *password)) return;
  std::string conflict;
  if (existing) {
    conflict = deps_.apps.replace(existing->web->key, app);
  } else {
    std::uint8_t key[8];
    random_(key);
    conflict = deps_.apps.add(app, proto::to_hex(key));
  }
  if (!conflict.empty()) return ctx.done(web::error_reply(409, conflict));
  // Logged in full (commands are what an auditor needs), never the password.
  log_.warn("app \"{}\" {} on the web page by \"{}\" from {}: cmd \"{}\", working_dir \"{}\", {} prep, {} detached", app.name,
            existing ? "changed" : "added", ctx.session->user, ctx.req.peer_address.to_string(), app.cmd,
            app.working_dir, app.prep.size(), app.detached.size());
  apps_changed();
  for (const auto& e : deps_.apps.catalogue()) {
    if (e.slot.app.name == app.name) return ctx.done(web::json_reply(existing ? 200 : 201, app_json(e)));
  }
  ctx.done(web::error_reply(500, "the app was saved but is not in the list"));
}

void WebService::app_image(Ctx& ctx, std::uint32_t id) {
  std::vector<CatalogueEntry> scratch;
  const CatalogueEntry* e = deps_.apps.find(id, scratch);
  if (e == nullptr) return ctx.done(web::error_reply(404, "no such app"));
  if (ctx.req.method == "GET") {
    net::WebResponse r;
    r.content_type = "image/png";
    std::optional<std::string> bytes;
    if (!e->slot.app.image.empty()) {
      try {
        bytes = read_file_if_exists(e->slot.app.image);
      } catch (const std::exception&) {
      }
    }
    if (bytes && bytes->size() <= 4 * 1024 * 1024) {
      r.body = std::move(*bytes);
    } else {
      const auto art = default_box_art_png();
      r.body.assign(reinterpret_cast<const char*>(art.data()), art.size());
    }
    return ctx.done(std::move(r));
  }
  if (e->source != AppSource::web) return ctx.done(web::error_reply(409, "config-file and built-in apps are read-only"));
  const auto type = ctx.req.header("content-type");
  if (!type || *type != "image/png") return ctx.done(web::error_reply(415, "box art must be a PNG (Content-Type: image/png)"));
  if (ctx.req.body.size() > 4 * 1024 * 1024) return ctx.done(web::error_reply(413, "box art must be at most 4 MiB"));
  if (!valid_png(ctx.req.body)) return ctx.done(web::error_reply(400, "the file is not a valid PNG"));
  const std::string key = e->web->key;
  std::error_code ec;
  std::filesystem::create_directories(deps_.state_dir / "app-images", ec);
  std::filesystem::permissions(deps_.state_dir / "app-images", std::filesystem::perms::owner_all, ec);
  write_file_atomic(deps_.apps.image_path(key), ctx.req.body, 0600);
  deps_.apps.set_has_image(key);
  log_.info("box art of \"{}\" replaced on the web page ({} bytes)", e->slot.app.name, ctx.req.body.size());
  apps_changed();
  ctx.done(web::no_content());
}

}  // namespace lightwell::server
