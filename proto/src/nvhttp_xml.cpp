#include "lightwell/proto/nvhttp_xml.hpp"

#include <limits>

#include "lightwell/proto/hex.hpp"

namespace lightwell::proto {

namespace {

constexpr std::string_view kXmlDeclaration = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence at s[i] and its code point, or 0 if malformed.
std::size_t utf8_sequence(std::string_view s, std::size_t i, std::uint32_t& cp) noexcept {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  if (c < 0x80) {
    cp = c;
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0Fu;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07u;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3Fu);
  }
  const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// XML 1.0 Char production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
bool xml_char(std::uint32_t cp) noexcept {
  if (cp < 0x20) return cp == 0x9 || cp == 0xA || cp == 0xD;
  return cp != 0xFFFE && cp != 0xFFFF;
}

// Appends <name>escaped text</name>.
void element(std::string& out, std::string_view name, std::string_view text) {
  out += '<';
  out += name;
  out += '>';
  out += xml_escape(text);
  out += "</";
  out += name;
  out += '>';
}

void element(std::string& out, std::string_view name, std::int64_t value) {
  element(out, name, std::to_string(value));
}

std::string open_root(int status_code, std::optional<std::string_view> status_message,
                      std::optional<std::string_view> query_path) {
  std::string out(kXmlDeclaration);
  out += "<root status_code=\"" + std::to_string(status_code) + "\"";
  if (status_message) out += " status_message=\"" + xml_escape(*status_message) + "\"";
  if (query_path) out += " query=\"" + xml_escape(*query_path) + "\"";
  out += '>';
  return out;
}

std::string ok_root(std::string_view inner) {
  std::string out = open_root(200, std::nullopt, std::nullopt);
  out += inner;
  out += "</root>";
  return out;
}

std::string format_mac(const std::array<std::uint8_t, 6>& mac) {
  std::string out = to_hex(std::span<const std::uint8_t>(mac.data(), 1));
  for (std::size_t i = 1; i < mac.size(); ++i) {
    out += ':';
    out += to_hex(std::span<const std::uint8_t>(mac.data() + i, 1));
  }
  return out;
}

}  // namespace

bool is_valid_utf8(std::string_view text) noexcept {
  std::uint32_t cp = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = utf8_sequence(text, i, cp);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t cp = 0;
    const std::size_t len = utf8_sequence(text, i, cp);
    if (len == 0 || !xml_char(cp)) {
      out += kReplacement;
      i += len == 0 ? 1 : len;
      continue;
    }
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.append(text.substr(i, len)); break;
    }
    i += len;
  }
  return out;
}

std::string build_status_reply(int status_code, std::string_view status_message,
                               std::optional<std::string_view> query_path, std::string_view inner_xml) {
  std::string out = open_root(status_code, status_message, query_path);
  out += inner_xml;
  out += "</root>";
  return out;
}

std::uint32_t CodecSupport::mask() const noexcept {
  std::uint32_t m = 0x00000001;  // SCM_H264, always
  if (hevc) m |= 0x00000100;
  if (hevc_main10) m |= 0x00000200;
  if (av1_main8) m |= 0x00010000;
  if (av1_main10) m |= 0x00020000;
  if (h264_high8_444) m |= 0x00040000;
  if (hevc_rext8_444) m |= 0x00080000;
  if (hevc_rext10_444) m |= 0x00100000;
  if (av1_high8_444) m |= 0x00200000;
  if (av1_high10_444) m |= 0x00400000;
  return m;
}

std::string build_serverinfo(const ServerInfo& info, Channel channel) {
  const bool https = channel == Channel::https;
  const bool paired = https && info.client_verified;
  std::string body;
  element(body, "hostname", info.hostname);
  element(body, "appversion", kAppVersion);
  element(body, "GfeVersion", kGfeVersion);
  element(body, "uniqueid", info.unique_id);
  element(body, "HttpsPort", info.https_port);
  element(body, "ExternalPort", info.http_port);
  element(body, "MaxLumaPixelsHEVC", info.codecs.hevc ? kMaxLumaPixelsHevc : 0);
  // The real MAC only to a verified client; clients ignore the all-zero value (§2).
  element(body, "mac", format_mac(paired ? info.mac : std::array<std::uint8_t, 6>{}));
  element(body, "LocalIP", info.local_ip);
  if (info.external_ip) element(body, "ExternalIP", *info.external_ip);
  element(body, "ServerCodecModeSupport", info.codecs.mask());
  element(body, "PairStatus", paired ? 1 : 0);
  element(body, "currentgame", info.current_game);
  // Clients test endsWith("_SERVER_BUSY") and contains("MJOLNIR"): the latter must never
  // match, or they apply NVIDIA-only workarounds.
  element(body, "state", info.current_game != 0 ? "SUNSHINE_SERVER_BUSY" : "SUNSHINE_SERVER_FREE");
  return ok_root(body);
}

Result<std::string> build_applist(std::span<const AppEntry> apps) {
  std::string body;
  for (const auto& app : apps) {
    if (app.id == 0 || app.id > static_cast<std::uint32_t>(std::numeric_limits<std::int32_t>::max())) {
      return fail(Errc::out_of_range, "app id must be in 1..2147483647");
    }
    body += "<App>";
    element(body, "IsHdrSupported", app.hdr_supported ? 1 : 0);
    element(body, "AppTitle", app.title);
    element(body, "ID", app.id);
    body += "</App>";
  }
  return ok_root(body);
}

std::string build_pair_plaincert(std::string_view host_cert_pem) {
  const std::span<const std::uint8_t> pem(reinterpret_cast<const std::uint8_t*>(host_cert_pem.data()),
                                          host_cert_pem.size());
  return ok_root("<paired>1</paired><plaincert>" + to_hex(pem, true) + "</plaincert>");
}

std::string build_pair_busy() { return ok_root("<paired>1</paired>"); }

std::string build_pair_challenge_response(std::span<const std::uint8_t> challenge_response) {
  return ok_root("<paired>1</paired><challengeresponse>" + to_hex(challenge_response, true) +
                 "</challengeresponse>");
}

std::string build_pair_secret(std::span<const std::uint8_t> pairing_secret) {
  return ok_root("<paired>1</paired><pairingsecret>" + to_hex(pairing_secret, true) + "</pairingsecret>");
}

std::string build_pair_result(bool paired) { return ok_root(paired ? "<paired>1</paired>" : "<paired>0</paired>"); }

std::string build_pair_error(int status_code, std::string_view message) {
  return build_status_reply(status_code, message, std::nullopt, "<paired>0</paired>");
}

std::string build_unpair() { return ok_root(""); }

std::string build_cancel(bool cancelled) { return ok_root(cancelled ? "<cancel>1</cancel>" : "<cancel>0</cancel>"); }

std::string format_session_url(const SessionUrl& url) {
  std::string_view host = url.host_address;
  constexpr std::string_view kMapped = "::ffff:";
  if (host.size() > kMapped.size() && host.substr(0, kMapped.size()) == kMapped &&
      host.find(':', kMapped.size()) == std::string_view::npos && host.find('.') != std::string_view::npos) {
    host.remove_prefix(kMapped.size());
  }
  std::string out = url.encrypted ? "rtspenc://" : "rtsp://";
  const bool ipv6 = host.find(':') != std::string_view::npos;
  if (ipv6) out += '[';
  for (char c : host) {
    if (c == '%') {
      out += "%25";
    } else {
      out += c;
    }
  }
  if (ipv6) out += ']';
  out += ':';
  out += std::to_string(url.rtsp_port);
  return out;
}

std::string build_launch_success(LaunchReplyVerb verb, const SessionUrl& url) {
  std::string body;
  element(body, "sessionUrl0", format_session_url(url));
  body += verb == LaunchReplyVerb::launch ? "<gamesession>1</gamesession>" : "<resume>1</resume>";
  return ok_root(body);
}

std::string build_launch_error(LaunchError error, LaunchReplyVerb verb) {
  constexpr std::string_view kResume0 = "<resume>0</resume>";
  constexpr std::string_view kGame0 = "<gamesession>0</gamesession>";
  const std::string_view by_verb = verb == LaunchReplyVerb::launch ? kGame0 : kResume0;
  switch (error) {
    case LaunchError::missing_launch_parameter:
      return build_status_reply(400, "Missing a required launch parameter", std::nullopt, kResume0);
    case LaunchError::app_already_running:
      return build_status_reply(400, "An app is already running on this host", std::nullopt, kResume0);
    case LaunchError::video_init_failed:
      return build_status_reply(
          503, "Failed to initialize video capture/encoding. Is a display connected and turned on?", std::nullopt,
          by_verb);
    case LaunchError::encryption_required:
      return build_status_reply(403, "Encryption is mandatory for this host but unsupported by the client",
                                std::nullopt, kGame0);
    case LaunchError::unknown_app:
      return build_status_reply(404, "Failed to start the specified application", std::nullopt, kGame0);
    case LaunchError::app_start_failed:
      return build_status_reply(-1, "Failed to start the specified application", std::nullopt, kGame0);
    case LaunchError::no_app_to_resume:
      return build_status_reply(503, "No running app to resume", std::nullopt, kResume0);
    case LaunchError::missing_resume_parameter:
      return build_status_reply(400, "Missing a required resume parameter", std::nullopt, kResume0);
  }
  return build_status_reply(500, "Internal error", std::nullopt, by_verb);
}

std::string build_unauthorized(std::string_view request_path) {
  return build_status_reply(401, "The client is not authorized. Certificate verification failed.", request_path);
}

std::string build_error(int status_code, std::string_view message) {
  return build_status_reply(status_code, message);
}

}  // namespace lightwell::proto
