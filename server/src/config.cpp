#include "lightwell/server/config.hpp"

#include <cctype>

namespace lightwell::server {

App desktop_app() {
  App app;
  app.name = "Desktop";
  return app;
}

std::vector<App> all_apps(const AppsOptions& apps) {
  std::vector<App> out;
  out.reserve(apps.list.size() + 1);
  if (apps.desktop) out.push_back(desktop_app());
  out.insert(out.end(), apps.list.begin(), apps.list.end());
  return out;
}

std::string_view to_string(AudioSourceKind k) noexcept {
  return k == AudioSourceKind::test_tone ? "test-tone" : "pipewire";
}

std::string_view to_string(EncoderPreference e) noexcept {
  switch (e) {
    case EncoderPreference::automatic: return "auto";
    case EncoderPreference::vaapi: return "vaapi";
    case EncoderPreference::qsv: return "qsv";
    case EncoderPreference::software: return "software";
  }
  return "auto";
}

std::string_view to_string(CaptureKind k) noexcept {
  switch (k) {
    case CaptureKind::automatic: return "auto";
    case CaptureKind::kms: return "kms";
    case CaptureKind::test_pattern: return "test-pattern";
  }
  return "auto";
}

std::string mdns_instance_name(std::string_view server_name) {
  // DNS labels are at most 63 octets (RFC 1035 §2.3.4); protocol/README.md "Discovery".
  std::string name(server_name.substr(0, 63));
  for (char& c : name) {
    if (c == ' ') c = '-';
  }
  std::size_t keep = 0;
  while (keep < name.size() &&
         (std::isalnum(static_cast<unsigned char>(name[keep])) != 0 || name[keep] == '-')) {
    ++keep;
  }
  name.resize(keep);
  return name.empty() ? std::string("Lightwell") : name;
}

}  // namespace lightwell::server
