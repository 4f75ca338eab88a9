// nvhttp XML replies (shared/protocol/http-pairing.md §1–§8). Every reply is
//   <?xml version="1.0" encoding="utf-8"?>\n<root status_code="N"[ status_message="…"]>…</root>
// and is sent with HTTP 200 whatever N is (§1: only the XML status_code drives clients).
// Element names and values follow the reference host; clients search children by tag name,
// but we keep its order anyway so captures compare line by line.
// Every string that comes from config or from a client is XML-escaped (& < > " ') and
// sanitised to well-formed UTF-8 without XML-illegal control characters, so a host name or
// app title can never break or inject into the document.
//
// Inputs are typed structs, outputs strings. Ownership: values. Thread rules: none (pure).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "lightwell/proto/result.hpp"

namespace lightwell::proto {

// --- text helpers ------------------------------------------------------------------------

// Escapes & < > " ' and replaces invalid UTF-8 sequences and characters XML 1.0 forbids
// (controls other than tab/LF/CR) with U+FFFD.
std::string xml_escape(std::string_view text);
bool is_valid_utf8(std::string_view text) noexcept;

// Generic reply: <root status_code="code" status_message="message"/> plus an optional
// query="path" attribute (the form of the certificate-failure answer) and raw inner XML that
// the caller has already built (it is not escaped again).
std::string build_status_reply(int status_code, std::string_view status_message,
                               std::optional<std::string_view> query_path = std::nullopt,
                               std::string_view inner_xml = {});

// --- /serverinfo (§2) --------------------------------------------------------------------

inline constexpr std::string_view kAppVersion = "7.1.431.-1";  // README glossary: appversion
inline constexpr std::string_view kGfeVersion = "3.23.0.74";
inline constexpr std::uint32_t kMaxLumaPixelsHevc = 1869449984;

// ServerCodecModeSupport bits (§2 table; moonlight-common-c SCM_*).
struct CodecSupport {
  // H.264 is always advertised (a mask of 0 makes LiStartConnection refuse the host).
  bool hevc = false;
  bool hevc_main10 = false;
  bool av1_main8 = false;
  bool av1_main10 = false;
  bool h264_high8_444 = false;
  bool hevc_rext8_444 = false;
  bool hevc_rext10_444 = false;
  bool av1_high8_444 = false;
  bool av1_high10_444 = false;
  std::uint32_t mask() const noexcept;
};

// Which listener answered: HTTP never reports pairing or the real MAC (§2).
enum class Channel { http, https };

struct ServerInfo {
  std::string hostname;          // display name (config)
  std::string unique_id;         // host's stable id (state file)
  std::uint16_t https_port = 47984;
  std::uint16_t http_port = 47989;  // sent as <ExternalPort>
  std::array<std::uint8_t, 6> mac{};  // sent only on HTTPS to a verified client
  std::string local_ip;          // IPv4 of the receiving socket; "127.0.0.1" for IPv6 (§2)
  std::optional<std::string> external_ip;  // only if configured
  CodecSupport codecs;
  std::uint32_t current_game = 0;  // running app id, 0 = none; nonzero -> state BUSY
  // True only when the request came over HTTPS with a verified paired certificate; the
  // builder additionally forces 0 on Channel::http.
  bool client_verified = false;
};

std::string build_serverinfo(const ServerInfo& info, Channel channel);

// --- /applist (§3) -----------------------------------------------------------------------

struct AppEntry {
  std::uint32_t id = 0;  // 1..INT32_MAX (clients drop 0 and store ids in int)
  std::string title;
  bool hdr_supported = false;
};

// Fails (out_of_range) if any id is 0 or above INT32_MAX: the whole list is refused rather
// than silently dropping an app.
Result<std::string> build_applist(std::span<const AppEntry> apps);

// --- /pair replies (§5) ------------------------------------------------------------------

// Phase 1: <paired>1</paired><plaincert>HEX(host certificate PEM)</plaincert>.
std::string build_pair_plaincert(std::string_view host_cert_pem);
// Phase 1 while another pairing is in flight: <paired>1</paired> without plaincert; clients
// report "pairing already in progress" (§5.2).
std::string build_pair_busy();
// Phase 2: <paired>1</paired><challengeresponse>HEX</challengeresponse> (48 bytes).
std::string build_pair_challenge_response(std::span<const std::uint8_t> challenge_response);
// Phase 3: <paired>1</paired><pairingsecret>HEX</pairingsecret> (16 + signature bytes).
std::string build_pair_secret(std::span<const std::uint8_t> pairing_secret);
// Phase 4 outcome (status 200 either way) and phase 5 (`pairchallenge`, paired=1).
std::string build_pair_result(bool paired);
// Protocol failure: status_code 400 (or 404 for an unknown phrase), the message, paired=0.
std::string build_pair_error(int status_code, std::string_view message);

// --- /unpair (§6), /cancel (§8) ----------------------------------------------------------

std::string build_unpair();  // <root status_code="200"></root>
std::string build_cancel(bool cancelled);

// --- /launch, /resume (§7) ---------------------------------------------------------------

enum class LaunchReplyVerb { launch, resume };

struct SessionUrl {
  std::string host_address;  // local address of the socket that took the HTTPS request
  std::uint16_t rtsp_port = 48010;
  bool encrypted = true;     // client sent corever >= 1 -> rtspenc://
};

// "rtspenc://192.168.1.10:48010"; an IPv6 address is bracketed, a v4-mapped one
// (::ffff:a.b.c.d) is written as plain IPv4, and a zone '%' is escaped as %25 (RFC 6874).
std::string format_session_url(const SessionUrl& url);
// <sessionUrl0>…</sessionUrl0><gamesession>1</gamesession> (launch) or <resume>1</resume>.
std::string build_launch_success(LaunchReplyVerb verb, const SessionUrl& url);

// The error rows of the §7 table, with the reference host's codes, messages and bodies.
enum class LaunchError {
  missing_launch_parameter,  // 400, body <resume>0</resume> (sic, as the reference host)
  app_already_running,       // 400, <resume>0</resume>
  video_init_failed,         // 503, <gamesession>0</gamesession> or <resume>0</resume>
  encryption_required,       // 403, <gamesession>0</gamesession>
  unknown_app,               // 404, <gamesession>0</gamesession>
  app_start_failed,          // -1,  <gamesession>0</gamesession>
  no_app_to_resume,          // 503, <resume>0</resume>
  missing_resume_parameter,  // 400, <resume>0</resume>
};
std::string build_launch_error(LaunchError error, LaunchReplyVerb verb);

// --- errors common to every endpoint (§1) ------------------------------------------------

// HTTPS request whose client certificate is not (or no longer) paired: status 401 with the
// reference host's message and query="<path>" (HTTP 200; Qt falls back to HTTP on this).
std::string build_unauthorized(std::string_view request_path);
// Unknown path or bad request: e.g. 404 "Not Found", 400 with the parser's message.
std::string build_error(int status_code, std::string_view message);

}  // namespace lightwell::proto
