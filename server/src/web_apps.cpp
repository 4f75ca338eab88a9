// apps.json and the merged catalogue (web_apps.hpp).
#include "lightwell/server/web_apps.hpp"

#include <algorithm>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "state_json.hpp"

namespace lightwell::server {
namespace json = boost::json;

namespace {

AppCommand shell(const std::string& text) {
  if (text.empty()) return {};
  return AppCommand{{"/bin/sh", "-c", text}};
}

bool has_control(const std::string& s, bool allow_tab) {
  return std::any_of(s.begin(), s.end(), [allow_tab](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && !(allow_tab && c == '\t')) || u == 0x7F;
  });
}

std::string check_command(const std::string& field, const std::string& text) {
  if (text.size() > 4096) return field + ": at most 4096 characters";
  if (has_control(text, true)) return field + ": must be one line without control characters";
  return {};
}

}  // namespace

App to_app(const WebApp& web, const std::filesystem::path& state_dir) {
  App app;
  app.name = web.name;
  app.cmd = shell(web.cmd);
  app.working_dir = web.working_dir;
  for (const auto& [run, undo] : web.prep) app.prep.push_back(PrepCommand{shell(run), shell(undo)});
  for (const auto& d : web.detached) app.detached.push_back(shell(d));
  if (web.has_image) app.image = state_dir / "app-images" / (web.key + ".png");
  return app;
}

std::string check_web_app(const WebApp& app) {
  if (app.name.empty()) return "name: must not be empty";
  if (app.name.size() > 100) return "name: at most 100 characters";
  if (has_control(app.name, false)) return "name: must not contain control characters";
  if (auto e = check_command("cmd", app.cmd); !e.empty()) return e;
  if (!app.working_dir.empty()) {
    if (app.working_dir.front() != '/') return "working_dir: must be an absolute path or empty";
    if (auto e = check_command("working_dir", app.working_dir); !e.empty()) return e;
  }
  if (app.prep.size() > 16) return "prep: at most 16 entries";
  for (const auto& [run, undo] : app.prep) {
    if (run.empty() && undo.empty()) return "prep: an entry needs \"do\" or \"undo\"";
    if (auto e = check_command("prep", run); !e.empty()) return e;
    if (auto e = check_command("prep", undo); !e.empty()) return e;
  }
  if (app.detached.size() > 16) return "detached: at most 16 entries";
  for (const auto& d : app.detached) {
    if (d.empty()) return "detached: an entry must not be empty";
    if (auto e = check_command("detached", d); !e.empty()) return e;
  }
  return {};
}

WebAppStore::WebAppStore(std::filesystem::path state_dir, AppsOptions config_apps)
    : state_dir_(std::move(state_dir)), config_(std::move(config_apps)) {
  const auto file = apps_file(state_dir_);
  const std::optional<std::string> text = state_json::read(file);
  if (!text) return;
  const json::object root = state_json::parse_object(file, *text);
  state_json::check_format_version(file, root);
  const json::value* list = root.if_contains("apps");
  if (list == nullptr || !list->is_array()) state_json::corrupt(file, "\"apps\" is missing or not an array");
  for (const json::value& v : list->as_array()) {
    const std::string where = fmt::format("apps[{}]: ", web_.size());
    if (!v.is_object()) state_json::corrupt(file, where + "not an object");
    const json::object& o = v.as_object();
    WebApp app;
    app.key = state_json::get_string(file, o, "key", where);
    if (app.key.size() != 16 || !std::all_of(app.key.begin(), app.key.end(), [](char c) {
          return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        })) {
      state_json::corrupt(file, where + "\"key\" is not 16 hex digits");
    }
    app.name = state_json::get_string(file, o, "name", where);
    app.cmd = state_json::get_string(file, o, "cmd", where);
    app.working_dir = state_json::get_string(file, o, "working_dir", where);
    const json::value* prep = o.if_contains("prep");
    if (prep == nullptr || !prep->is_array()) state_json::corrupt(file, where + "\"prep\" is not an array");
    for (const json::value& p : prep->as_array()) {
      if (!p.is_object()) state_json::corrupt(file, where + "prep entry not an object");
      app.prep.emplace_back(state_json::get_string(file, p.as_object(), "do", where),
                            state_json::get_string(file, p.as_object(), "undo", where));
    }
    const json::value* detached = o.if_contains("detached");
    if (detached == nullptr || !detached->is_array()) state_json::corrupt(file, where + "\"detached\" is not an array");
    for (const json::value& d : detached->as_array()) {
      if (!d.is_string()) state_json::corrupt(file, where + "detached entry not a string");
      app.detached.emplace_back(d.as_string());
    }
    const json::value* image = o.if_contains("has_image");
    app.has_image = image != nullptr && image->is_bool() && image->as_bool();
    if (auto problem = check_web_app(app); !problem.empty()) state_json::corrupt(file, where + problem);
    web_.push_back(std::move(app));
  }
}

std::vector<App> WebAppStore::apps() const {
  std::vector<App> out = all_apps(config_);
  for (const auto& w : web_) {
    // A config app added later with the same name wins; the web one is hidden, not lost.
    if (std::none_of(out.begin(), out.end(), [&](const App& a) { return a.name == w.name; })) {
      out.push_back(to_app(w, state_dir_));
    }
  }
  return out;
}

std::vector<CatalogueEntry> WebAppStore::catalogue() const {
  const std::vector<App> list = apps();
  const std::vector<AppSlot> slots = assign_app_ids(list);
  const std::size_t fixed = all_apps(config_).size();
  std::vector<CatalogueEntry> out;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    CatalogueEntry e;
    e.slot = slots[i];
    if (i < fixed) {
      e.source = (config_.desktop && i == 0) ? AppSource::builtin : AppSource::config;
    } else {
      e.source = AppSource::web;
      for (const auto& w : web_) {
        if (w.name == slots[i].app.name) e.web = &w;
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

const CatalogueEntry* WebAppStore::find(std::uint32_t id, std::vector<CatalogueEntry>& scratch) const {
  scratch = catalogue();
  for (const auto& e : scratch) {
    if (e.slot.id == id) return &e;
  }
  return nullptr;
}

std::string WebAppStore::name_taken(const std::string& name, const std::string& except_key) const {
  for (const auto& a : all_apps(config_)) {
    if (a.name == name) return "name: an app named \"" + name + "\" already exists";
  }
  for (const auto& w : web_) {
    if (w.name == name && w.key != except_key) return "name: an app named \"" + name + "\" already exists";
  }
  return {};
}

std::string WebAppStore::add(WebApp app, std::string key) {
  if (auto taken = name_taken(app.name, {}); !taken.empty()) return taken;
  app.key = std::move(key);
  app.has_image = false;
  web_.push_back(std::move(app));
  save();
  return {};
}

std::string WebAppStore::replace(std::string key, WebApp app) {
  if (auto taken = name_taken(app.name, key); !taken.empty()) return taken;
  for (auto& w : web_) {
    if (w.key == key) {
      app.key = key;
      app.has_image = w.has_image;
      w = std::move(app);
    }
  }
  save();
  return {};
}

void WebAppStore::remove(std::string key) {
  std::erase_if(web_, [&](const WebApp& w) { return w.key == key; });
  save();
  std::error_code ec;
  std::filesystem::remove(image_path(key), ec);
}

void WebAppStore::set_has_image(std::string key) {
  for (auto& w : web_) {
    if (w.key == key) w.has_image = true;
  }
  save();
}

std::filesystem::path WebAppStore::image_path(const std::string& key) const {
  return state_dir_ / "app-images" / (key + ".png");
}

void WebAppStore::save() const {
  json::array list;
  for (const auto& w : web_) {
    json::array prep;
    for (const auto& [run, undo] : w.prep) prep.push_back(json::object{{"do", run}, {"undo", undo}});
    json::array detached;
    for (const auto& d : w.detached) detached.emplace_back(d);
    list.push_back(json::object{{"key", w.key},
                                {"name", w.name},
                                {"cmd", w.cmd},
                                {"working_dir", w.working_dir},
                                {"prep", std::move(prep)},
                                {"detached", std::move(detached)},
                                {"has_image", w.has_image}});
  }
  state_json::write(apps_file(state_dir_), json::object{{"format_version", kStateFormatVersion}, {"apps", std::move(list)}});
}

}  // namespace lightwell::server
