// The web page's static files (server/web/*), embedded at build time by
// server/embed_web_assets.cmake: served at "/<name>" by the web service (web_service.hpp).
// Immutable data with static storage duration; any thread.
#pragma once

#include <span>
#include <string_view>

namespace lightwell::server {

struct WebAsset {
  std::string_view name;          // file name, e.g. "login.html"
  std::string_view content_type;  // from the extension, e.g. "text/html; charset=utf-8"
  std::span<const unsigned char> bytes;
};

// Every embedded file, sorted by name.
std::span<const WebAsset> web_assets();
// The file with this name, nullptr when none.
const WebAsset* find_web_asset(std::string_view name);

}  // namespace lightwell::server
