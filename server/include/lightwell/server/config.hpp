// Configuration: one aggregate of per-module option structs. Every member has its default as
// an initialiser, so `Config{}` is a valid configuration and `lightwell serve` runs without a
// file. Loaded once at start-up from TOML (config_file.hpp); every option is documented in
// docs/configuration.md and packaging/lightwell.example.toml.
// Thread rules: a loaded Config is immutable; share it by const reference.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "lightwell/server/log.hpp"

namespace lightwell::server {

inline constexpr std::uint16_t kDefaultBasePort = 47989;

// Every port derives from the base port P (protocol/README.md "Ports"; Sunshine's
// net::map_port offsets). Clients learn the non-HTTP ports from serverinfo, sessionUrl0 and
// the RTSP SETUP replies, so a non-default P works without client configuration.
struct Ports {
  std::uint16_t https = 0;    // TCP P-5   nvhttp HTTPS (paired clients, mutual TLS)
  std::uint16_t http = 0;     // TCP P     nvhttp HTTP (serverinfo, pairing), mDNS SRV port
  std::uint16_t web = 0;      // TCP P+1   web UI (HTTPS)
  std::uint16_t video = 0;    // UDP P+9   video RTP + video pings
  std::uint16_t control = 0;  // UDP P+10  ENet control stream
  std::uint16_t audio = 0;    // UDP P+11  audio RTP + audio pings
  std::uint16_t rtsp = 0;     // TCP P+21  RTSP session setup

  static constexpr int kLowestOffset = -5;
  static constexpr int kHighestOffset = 21;
  // Lowest and highest base port whose every derived port lies in 1..65535.
  static constexpr int kMinBase = 1 - kLowestOffset;        // 6
  static constexpr int kMaxBase = 65535 - kHighestOffset;   // 65514

  // Precondition: kMinBase <= base <= kMaxBase (the config loader enforces it).
  static constexpr Ports from_base(std::uint16_t base) noexcept {
    auto at = [base](int offset) { return static_cast<std::uint16_t>(base + offset); };
    return Ports{at(-5), at(0), at(1), at(9), at(10), at(11), at(21)};
  }
  friend bool operator==(const Ports&, const Ports&) = default;
};

struct ServerOptions {
  std::string name;                          // shown in Moonlight; empty: the host name
  std::uint16_t base_port = kDefaultBasePort;  // P, see Ports; kMinBase..kMaxBase
  std::filesystem::path state_dir;           // empty: the default rule (state_paths.hpp)
  LogLevel log_level = LogLevel::info;

  Ports ports() const noexcept { return Ports::from_base(base_port); }
};

struct NetworkOptions {
  // Addresses the TCP and UDP listeners bind to. Empty: every interface, IPv4 and IPv6.
  std::vector<std::string> bind_addresses;
  bool web_ui = true;  // serve the web UI (PIN entry, clients) on TCP P+1
};

enum class EncoderPreference { automatic, vaapi, qsv, software };

// What the video stream shows (docs/capture-kms.md). automatic: the KMS framebuffer when a
// CRTC is lit and readable at start, else the test pattern (with a log line saying why).
enum class CaptureKind { automatic, kms, test_pattern };

struct VideoOptions {
  std::uint32_t max_width_px = 3840;    // 320..7680; larger client requests are refused
  std::uint32_t max_height_px = 2160;   // 200..4320
  std::uint32_t max_fps = 120;          // 10..240
  EncoderPreference encoder = EncoderPreference::automatic;
  std::uint32_t min_bitrate_kbps = 500;     // 100..max_bitrate_kbps; client asks are clamped
  std::uint32_t max_bitrate_kbps = 150000;  // min_bitrate_kbps..500000
  // Software HEVC / AV1 offered to clients (docs/video-encoding.md "What fits"): off by
  // default, because Moonlight picks HEVC (and newer clients AV1) over H.264 whenever the host
  // offers it, and here x265 does not keep up with any 60 fps mode on 2 cores (SVT-AV1 fits
  // 720p60 with one frame of latency). Hardware (Quick Sync) codecs are offered whatever these
  // say; H.264 is always offered. encoder = "software" offers no hardware codec.
  bool software_hevc = false;
  bool software_av1 = false;
  CaptureKind capture = CaptureKind::automatic;
  std::string card;       // DRM card node ("/dev/dri/card1"); empty: the first with a lit CRTC
  std::string connector;  // kernel connector name ("HDMI-A-1"); empty: the card's first lit CRTC
};

enum class AudioSourceKind { pipewire, test_tone };

struct AudioOptions {
  AudioSourceKind source = AudioSourceKind::pipewire;  // test_tone: per-channel tones, no PipeWire
  // PipeWire sink whose monitor is captured. Empty: the virtual sink (or, with virtual_sink =
  // false, the default sink).
  std::string sink;
  // With sink empty: create a "lightwell-sink" with the session's layout, make it the default
  // sink while a client streams, restore the previous default afterwards (issue 6).
  bool virtual_sink = true;
  std::uint32_t max_channels = 8;   // 2, 6 or 8 (stereo, 5.1, 7.1)
};

struct InputOptions {
  bool enabled = true;  // inject client input through uinput
};

// One command as the operator wrote it (docs/apps.md). It is executed with execvp(argv[0],
// argv): no shell, no word splitting, no expansion. A TOML string in an app with
// `shell = true` is stored as {"/bin/sh", "-c", text}, so the runner never decides about
// shells. The loader guarantees: argv is empty (no command) or argv[0] is non-empty, and no
// argument contains a NUL byte.
struct AppCommand {
  std::vector<std::string> argv;  // empty: no command

  bool empty() const noexcept { return argv.empty(); }
  friend bool operator==(const AppCommand&, const AppCommand&) = default;
};

struct PrepCommand {
  AppCommand run;   // TOML key "do": run before the app starts, must exit 0; may be empty
  AppCommand undo;  // run after the app ends or is stopped, in reverse order; may be empty (not both)
};

struct App {
  std::string name;                      // unique, non-empty, no control characters; shown in Moonlight
  AppCommand cmd;                           // main command; empty: stream the desktop until stopped
  std::filesystem::path working_dir;     // absolute; empty: the state directory
  std::vector<PrepCommand> prep;
  std::vector<AppCommand> detached;         // started and left running (launchers)
  std::filesystem::path image;           // PNG box art (absolute, *.png); empty: a built-in placeholder
};

struct AppsOptions {
  bool desktop = true;       // offer the built-in "Desktop" app first
  std::vector<App> list;     // [[apps.list]] entries, in file order
  std::uint32_t prep_timeout_s = 30;  // 1..3600: each prep "do"/"undo" must finish within this
  std::uint32_t stop_grace_s = 5;     // 1..600: SIGTERM to SIGKILL when an app is stopped
};

// The built-in app: streams the desktop, runs nothing.
App desktop_app();
// The catalogue as clients see it: Desktop (if enabled) followed by apps.list.
std::vector<App> all_apps(const AppsOptions& apps);

struct SecurityOptions {
  // Networks (CIDR) allowed to reach the web UI. Default: loopback and private ranges.
  std::vector<std::string> web_ui_allowed_networks = {
      "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12",
      "192.168.0.0/16", "169.254.0.0/16", "fc00::/7", "fe80::/10"};
};

struct Config {
  ServerOptions server;
  NetworkOptions network;
  VideoOptions video;
  AudioOptions audio;
  InputOptions input;
  AppsOptions apps;
  SecurityOptions security;
};

std::string_view to_string(EncoderPreference e) noexcept;  // "auto", "vaapi", "qsv", "software"
std::string_view to_string(AudioSourceKind k) noexcept;
std::string_view to_string(CaptureKind k) noexcept;        // "auto", "kms", "test-pattern"    // "pipewire", "test-tone"

// The mDNS instance name for a server name (protocol/README.md "Discovery"): at most 63
// characters, spaces become '-', cut at the first character that is not alphanumeric or '-';
// "Lightwell" when nothing is left.
std::string mdns_instance_name(std::string_view server_name);

}  // namespace lightwell::server
