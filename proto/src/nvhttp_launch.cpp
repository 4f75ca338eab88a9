#include "lightwell/proto/nvhttp_launch.hpp"

#include <bit>
#include <limits>

#include "lightwell/proto/nvhttp_xml.hpp"

namespace lightwell::proto {

namespace {

constexpr std::int64_t kMaxAppId = std::numeric_limits<std::int32_t>::max();
constexpr std::uint32_t kMaxDimension = 16384;
constexpr std::uint32_t kMaxFps = 1000;
constexpr std::size_t kMaxClientNameBytes = 128;
constexpr std::size_t kMaxSurroundParamsBytes = 64;

// Re-labels an error so the reply names the launch field that failed.
tl::unexpected<Error> relabel(const Error& e, std::string_view context) {
  return fail(e.code, std::string(context) + ": " + e.message);
}

bool printable_ascii(std::string_view s) noexcept {
  for (char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

}  // namespace

std::array<std::uint8_t, 16> LaunchRequest::ri_iv() const noexcept {
  const auto id = static_cast<std::uint32_t>(rikey_id);
  return {static_cast<std::uint8_t>(id >> 24), static_cast<std::uint8_t>(id >> 16),
          static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
}

Result<DisplayModeRequest> parse_display_mode(std::string_view text) {
  std::array<std::uint32_t, 3> parts{};
  std::size_t start = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::size_t x = text.find('x', start);
    const bool last = i + 1 == parts.size();
    if (last != (x == std::string_view::npos)) return fail(Errc::malformed, "mode must be WIDTHxHEIGHTxFPS");
    const std::string_view field = text.substr(start, last ? std::string_view::npos : x - start);
    auto n = parse_decimal(field, 0, i == 2 ? kMaxFps : kMaxDimension);
    if (!n) return relabel(n.error(), i == 0 ? "mode width" : i == 1 ? "mode height" : "mode fps");
    parts[i] = static_cast<std::uint32_t>(*n);
    start = x + 1;
  }
  if ((parts[0] == 0) != (parts[1] == 0)) return fail(Errc::out_of_range, "mode has only one zero dimension");
  return DisplayModeRequest{parts[0], parts[1], parts[2]};
}

Result<SurroundAudioInfo> decode_surround_audio_info(std::uint32_t raw) {
  SurroundAudioInfo info;
  info.channel_count = static_cast<std::uint16_t>(raw & 0xFFFF);
  info.channel_mask = static_cast<std::uint16_t>(raw >> 16);
  // moonlight-common-c knows stereo, 5.1 and 7.1; 1..8 leaves room for mono/quad layouts.
  if (info.channel_count < 1 || info.channel_count > 8) {
    return fail(Errc::out_of_range, "surroundAudioInfo channel count outside 1..8");
  }
  if (std::popcount(info.channel_mask) != info.channel_count) {
    return fail(Errc::out_of_range, "surroundAudioInfo channel mask does not match the channel count");
  }
  return info;
}

Result<LaunchRequest> parse_launch_request(const Query& query, LaunchVerb verb) {
  LaunchRequest req;
  const bool launch = verb == LaunchVerb::launch;

  if (launch || query.has("appid")) {
    auto id = query.integer("appid", launch ? 1 : 0, kMaxAppId);
    if (!id) return tl::unexpected(id.error());
    req.app_id = static_cast<std::uint32_t>(*id);
  }
  if (auto mode = query.find("mode")) {
    auto parsed = parse_display_mode(*mode);
    if (!parsed) return relabel(parsed.error(), "parameter 'mode'");
    req.mode = *parsed;
  }
  auto additional = query.flag_or("additionalStates", true);
  if (!additional) return tl::unexpected(additional.error());
  req.additional_states = *additional;
  auto sops = query.flag_or("sops", false);
  if (!sops) return tl::unexpected(sops.error());
  req.sops = *sops;

  auto rikey = query.hex_array<16>("rikey");
  if (!rikey) return tl::unexpected(rikey.error());
  req.rikey = *rikey;
  // Clients format an int32 with %d; the same 32 bits printed unsigned are accepted as well.
  auto rikeyid = query.integer("rikeyid", std::numeric_limits<std::int32_t>::min(),
                               std::numeric_limits<std::uint32_t>::max());
  if (!rikeyid) return tl::unexpected(rikeyid.error());
  req.rikey_id = static_cast<std::int32_t>(static_cast<std::uint32_t>(*rikeyid));

  auto local_audio = launch ? query.flag("localAudioPlayMode") : query.flag_or("localAudioPlayMode", false);
  if (!local_audio) return tl::unexpected(local_audio.error());
  req.local_audio_play_mode = *local_audio;

  auto surround = query.integer_or("surroundAudioInfo", kDefaultSurroundAudioInfo, 0,
                                   std::numeric_limits<std::uint32_t>::max());
  if (!surround) return tl::unexpected(surround.error());
  auto surround_info = decode_surround_audio_info(static_cast<std::uint32_t>(*surround));
  if (!surround_info) return relabel(surround_info.error(), "parameter 'surroundAudioInfo'");
  req.surround_audio = *surround_info;

  auto controllers = query.integer_or("remoteControllersBitmap", 0, 0, 0xFFFF);
  if (!controllers) return tl::unexpected(controllers.error());
  req.remote_controllers_bitmap = static_cast<std::uint16_t>(*controllers);
  auto gcmap = query.integer_or("gcmap", 0, 0, 0xFFFF);
  if (!gcmap) return tl::unexpected(gcmap.error());
  req.gcmap = static_cast<std::uint16_t>(*gcmap);
  auto persist = query.flag_or("gcpersist", false);
  if (!persist) return tl::unexpected(persist.error());
  req.gc_persist = *persist;
  auto corever = query.integer_or("corever", 0, 0, 255);
  if (!corever) return tl::unexpected(corever.error());
  req.core_version = static_cast<std::uint32_t>(*corever);
  auto hdr = query.flag_or("hdrMode", false);
  if (!hdr) return tl::unexpected(hdr.error());
  req.hdr_mode = *hdr;
  auto continuous = query.flag_or("continuousAudio", false);
  if (!continuous) return tl::unexpected(continuous.error());
  req.continuous_audio = *continuous;

  if (query.has("clientName")) {
    auto name = query.require("clientName", kMaxClientNameBytes);
    if (!name) return tl::unexpected(name.error());
    if (!is_valid_utf8(*name)) return fail(Errc::malformed, "parameter 'clientName' is not UTF-8");
    req.client_name = std::string(*name);
  }
  if (query.has("surroundParams")) {
    auto params = query.require("surroundParams", kMaxSurroundParamsBytes);
    if (!params) return tl::unexpected(params.error());
    if (!printable_ascii(*params)) return fail(Errc::malformed, "parameter 'surroundParams' is not printable ASCII");
    req.surround_params = std::string(*params);
  }
  return req;
}

}  // namespace lightwell::proto
