// Apps added through the web page: <state dir>/apps.json (0600, atomic write), offered to
// Moonlight after the built-in Desktop and the config-file apps (docs/web.md "Apps").
//
// {"format_version": 1, "apps": [{"key": "<16 hex>", "name": "...", "cmd": "...",
//   "working_dir": "...", "prep": [{"do": "...", "undo": "..."}], "detached": ["..."],
//   "has_image": false}]}
//
// A command typed in the page is one line of text run by /bin/sh -c (like a config app with
// shell = true, docs/apps.md): the page has no argv editor, and the person saving it has
// proved the administrator password again (it is root-equivalent either way).
// Box art of app <key> lives in <state dir>/app-images/<key>.png.
//
// Thread rules: io thread only. Ownership: owns the list; copies the config apps.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lightwell/server/config.hpp"
#include "lightwell/server/nvhttp_service.hpp"

namespace lightwell::server {

struct WebApp {
  std::string key;  // random, stable across renames: names the image file
  std::string name;
  std::string cmd;          // shell command line; empty: stream the desktop
  std::string working_dir;  // absolute or empty
  std::vector<std::pair<std::string, std::string>> prep;  // (do, undo)
  std::vector<std::string> detached;
  bool has_image = false;
};

enum class AppSource { builtin, config, web };

struct CatalogueEntry {
  AppSlot slot;
  AppSource source = AppSource::config;
  const WebApp* web = nullptr;  // for source web; valid until the next change
};

inline std::filesystem::path apps_file(const std::filesystem::path& state_dir) { return state_dir / "apps.json"; }

// The App a WebApp runs as (commands through /bin/sh -c).
App to_app(const WebApp& web, const std::filesystem::path& state_dir);
// "" when the app is acceptable, else "<field>: <why>" (the 400 message).
std::string check_web_app(const WebApp& app);

class WebAppStore {
 public:
  // Loads apps.json (absent → no web apps); throws StartupError when corrupt (untouched).
  WebAppStore(std::filesystem::path state_dir, AppsOptions config_apps);

  // Desktop (if enabled), config apps, web apps, with their nvhttp ids.
  std::vector<CatalogueEntry> catalogue() const;
  std::vector<App> apps() const;  // the same, as NvhttpService::set_apps wants it
  const CatalogueEntry* find(std::uint32_t id, std::vector<CatalogueEntry>& scratch) const;

  // Each returns "" on success or the conflict ("name: ... already exists") and persists.
  // Keys are taken by value: callers often pass a key that lives in the list being changed.
  std::string add(WebApp app, std::string key);
  std::string replace(std::string key, WebApp app);
  void remove(std::string key);
  void set_has_image(std::string key);
  std::filesystem::path image_path(const std::string& key) const;
  const std::filesystem::path& state_dir() const noexcept { return state_dir_; }

 private:
  std::string name_taken(const std::string& name, const std::string& except_key) const;
  void save() const;

  std::filesystem::path state_dir_;
  AppsOptions config_;
  std::vector<WebApp> web_;
};

}  // namespace lightwell::server
