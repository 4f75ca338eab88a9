// /applist, /appasset and the app id rule (nvhttp_service.hpp; http-pairing.md §3–§4).
#include <fstream>
#include <system_error>

#include <fmt/format.h>

#include "lightwell/proto/crypto/hash.hpp"
#include "lightwell/server/nvhttp_service.hpp"

namespace lightwell::server {

namespace {

constexpr std::uint32_t kMaxAppId = 0x7FFFFFFF;  // clients keep ids in a signed int (§3)
constexpr std::array<std::uint8_t, 8> kPngSignature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

net::HttpResponse xml(std::string body) { return net::HttpResponse{200, "application/xml", std::move(body)}; }

net::HttpResponse png(std::string body) { return net::HttpResponse{200, "image/png", std::move(body)}; }

bool has_png_signature(const std::string& bytes) {
  if (bytes.size() < kPngSignature.size()) return false;
  for (std::size_t i = 0; i < kPngSignature.size(); ++i) {
    if (static_cast<std::uint8_t>(bytes[i]) != kPngSignature[i]) return false;
  }
  return true;
}

// The app's image file, if it is a PNG no larger than max_bytes; reasons go to why.
std::optional<std::string> read_box_art(const std::filesystem::path& file, std::size_t max_bytes, std::string& why) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) {
    why = ec.message();
    return std::nullopt;
  }
  if (size > max_bytes) {
    why = fmt::format("{} bytes, more than the {} byte limit", size, max_bytes);
    return std::nullopt;
  }
  std::ifstream in(file, std::ios::binary);
  std::string bytes(static_cast<std::size_t>(size), '\0');
  // Read at most max_bytes even if the file grew since file_size.
  if (!in || !in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) {
    why = "cannot read it";
    return std::nullopt;
  }
  if (!has_png_signature(bytes)) {
    why = "not a PNG file";
    return std::nullopt;
  }
  return bytes;
}

}  // namespace

std::uint32_t app_id_for_name(std::string_view name) {
  const auto digest = proto::crypto::sha256(
      {proto::Bytes(reinterpret_cast<const std::uint8_t*>(name.data()), name.size())});
  const std::uint32_t id = ((std::uint32_t{digest[0]} << 24) | (std::uint32_t{digest[1]} << 16) |
                            (std::uint32_t{digest[2]} << 8) | digest[3]) &
                           kMaxAppId;
  return id == 0 ? 1 : id;
}

std::vector<AppSlot> assign_app_ids(const std::vector<App>& apps) {
  std::vector<AppSlot> out;
  out.reserve(apps.size());
  for (const auto& app : apps) {
    std::uint32_t id = app_id_for_name(app.name);
    auto taken = [&](std::uint32_t candidate) {
      for (const auto& slot : out) {
        if (slot.id == candidate) return true;
      }
      return false;
    };
    while (taken(id)) id = id == kMaxAppId ? 1 : id + 1;
    out.push_back(AppSlot{id, app});
  }
  return out;
}

net::HttpResponse NvhttpService::applist() const {
  std::vector<proto::AppEntry> entries;
  entries.reserve(apps_.size());
  // IsHdrSupported follows the probe: HDR needs a 10-bit codec we can encode.
  const bool hdr = (options_.caps.hevc && options_.caps.hevc_main10) || (options_.caps.av1 && options_.caps.av1_main10);
  for (const auto& slot : apps_) entries.push_back(proto::AppEntry{slot.id, slot.app.name, hdr});
  auto body = proto::build_applist(entries);
  if (!body) return xml(proto::build_error(500, "App list unavailable"));  // ids are valid by construction
  return xml(std::move(*body));
}

net::HttpResponse NvhttpService::appasset(const proto::Query& query) const {
  auto id = query.integer("appid", 1, kMaxAppId);
  if (!id) return xml(proto::build_error(400, id.error().message));
  const AppSlot* slot = find_app(static_cast<std::uint32_t>(*id));
  if (slot == nullptr) return xml(proto::build_error(404, "No such app"));
  if (!slot->app.image.empty()) {
    std::string why;
    if (auto bytes = read_box_art(slot->app.image, options_.max_box_art_bytes, why)) return png(std::move(*bytes));
    log_.warn("app \"{}\": image {} not served ({}); sending the built-in box art", slot->app.name,
              slot->app.image.string(), why);
  }
  const auto art = default_box_art_png();
  return png(std::string(reinterpret_cast<const char*>(art.data()), art.size()));
}

}  // namespace lightwell::server
