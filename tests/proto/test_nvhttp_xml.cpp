// nvhttp XML replies, golden strings against the forms shown in http-pairing.md §1–§8.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "lightwell/proto/nvhttp_xml.hpp"

using namespace lightwell::proto;

namespace {

constexpr std::string_view kDecl = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

std::string doc(std::string_view rest) { return std::string(kDecl) + std::string(rest); }

ServerInfo example_info() {
  ServerInfo info;
  info.hostname = "MYHOST";
  info.unique_id = "0f6c3a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6";
  info.mac = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
  info.local_ip = "192.168.1.10";
  info.codecs.hevc = true;
  info.codecs.hevc_main10 = true;
  info.client_verified = true;
  return info;
}

}  // namespace

TEST_CASE("serverinfo over HTTPS to a paired client matches the §2 example") {
  // §2 example (Sunshine, HTTPS, paired client), with the SCM 769 = H264|HEVC|HEVC_MAIN10.
  CHECK(build_serverinfo(example_info(), Channel::https) ==
        doc("<root status_code=\"200\"><hostname>MYHOST</hostname><appversion>7.1.431.-1</appversion>"
            "<GfeVersion>3.23.0.74</GfeVersion><uniqueid>0f6c3a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6</uniqueid>"
            "<HttpsPort>47984</HttpsPort><ExternalPort>47989</ExternalPort>"
            "<MaxLumaPixelsHEVC>1869449984</MaxLumaPixelsHEVC><mac>aa:bb:cc:dd:ee:ff</mac>"
            "<LocalIP>192.168.1.10</LocalIP><ServerCodecModeSupport>769</ServerCodecModeSupport>"
            "<PairStatus>1</PairStatus><currentgame>0</currentgame><state>SUNSHINE_SERVER_FREE</state></root>"));
}

TEST_CASE("serverinfo over HTTP never reports pairing or the MAC") {
  auto info = example_info();
  info.current_game = 881448767;
  info.codecs = CodecSupport{};
  info.https_port = 40000;
  info.http_port = 40005;
  info.external_ip = "203.0.113.7";
  CHECK(build_serverinfo(info, Channel::http) ==
        doc("<root status_code=\"200\"><hostname>MYHOST</hostname><appversion>7.1.431.-1</appversion>"
            "<GfeVersion>3.23.0.74</GfeVersion><uniqueid>0f6c3a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6</uniqueid>"
            "<HttpsPort>40000</HttpsPort><ExternalPort>40005</ExternalPort>"
            "<MaxLumaPixelsHEVC>0</MaxLumaPixelsHEVC><mac>00:00:00:00:00:00</mac>"
            "<LocalIP>192.168.1.10</LocalIP><ExternalIP>203.0.113.7</ExternalIP>"
            "<ServerCodecModeSupport>1</ServerCodecModeSupport>"
            "<PairStatus>0</PairStatus><currentgame>881448767</currentgame><state>SUNSHINE_SERVER_BUSY</state></root>"));
  // HTTPS with an unverified client is the same as HTTP for PairStatus/mac.
  info.client_verified = false;
  const auto https = build_serverinfo(info, Channel::https);
  CHECK(https.find("<PairStatus>0</PairStatus>") != std::string::npos);
  CHECK(https.find("<mac>00:00:00:00:00:00</mac>") != std::string::npos);
}

TEST_CASE("serverinfo: state, codec bits, escaping, never MJOLNIR") {
  CodecSupport all;
  all.hevc = all.hevc_main10 = all.av1_main8 = all.av1_main10 = all.h264_high8_444 = all.hevc_rext8_444 =
      all.hevc_rext10_444 = all.av1_high8_444 = all.av1_high10_444 = true;
  CHECK(all.mask() == 0x007F0301u);
  CHECK(CodecSupport{}.mask() == 0x1u);  // H.264 always (0 is refused by clients)
  CodecSupport av1;
  av1.av1_main8 = true;
  CHECK(av1.mask() == 0x10001u);

  auto info = example_info();
  info.hostname = "Tom's <PC> & \"Co\"";
  info.local_ip = "<x>";
  const auto xml = build_serverinfo(info, Channel::https);
  CHECK(xml.find("<hostname>Tom&apos;s &lt;PC&gt; &amp; &quot;Co&quot;</hostname>") != std::string::npos);
  CHECK(xml.find("<LocalIP>&lt;x&gt;</LocalIP>") != std::string::npos);

  for (std::uint32_t game : {0u, 1u, 881448767u}) {
    info.current_game = game;
    info.hostname = "MYHOST";
    for (auto channel : {Channel::http, Channel::https}) {
      const auto s = build_serverinfo(info, channel);
      CHECK(s.find("MJOLNIR") == std::string::npos);
      const bool busy = s.find("<state>SUNSHINE_SERVER_BUSY</state>") != std::string::npos;
      const bool free = s.find("<state>SUNSHINE_SERVER_FREE</state>") != std::string::npos;
      CHECK(busy == (game != 0));
      CHECK(free == (game == 0));
    }
  }
}

TEST_CASE("xml_escape: metacharacters, invalid UTF-8 and XML-illegal controls") {
  CHECK(xml_escape("<&\"'>") == "&lt;&amp;&quot;&apos;&gt;");
  CHECK(xml_escape("plain ascii 123") == "plain ascii 123");
  CHECK(xml_escape("caf\xC3\xA9 \xF0\x9F\x8E\xAE") == "caf\xC3\xA9 \xF0\x9F\x8E\xAE");  // kept as is
  CHECK(xml_escape("a\tb\nc\rd") == "a\tb\nc\rd");
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(xml_escape(std::string_view("a\0b", 3)) == "a" + fffd + "b");
  CHECK(xml_escape("\x01\x1F") == fffd + fffd);
  CHECK(xml_escape("\xFF") == fffd);                       // never a UTF-8 byte
  CHECK(xml_escape("\xC3") == fffd);                       // truncated sequence
  CHECK(xml_escape("\xC0\xBC") == fffd + fffd);            // overlong '<' must not survive
  CHECK(xml_escape("\xED\xA0\x80") == fffd + fffd + fffd);  // surrogate
  CHECK(xml_escape("\xEF\xBF\xBE") == fffd);               // U+FFFE is not an XML Char
  CHECK(is_valid_utf8("caf\xC3\xA9"));
  CHECK_FALSE(is_valid_utf8("\xC0\xBC"));
}

TEST_CASE("applist matches §3 and escapes titles") {
  const std::vector<AppEntry> apps = {{881448767, "Desktop", true}, {12345, "Tom & Jerry's <\"Game\">", false}};
  auto xml = build_applist(apps);
  REQUIRE(xml);
  CHECK(*xml == doc("<root status_code=\"200\">"
                    "<App><IsHdrSupported>1</IsHdrSupported><AppTitle>Desktop</AppTitle><ID>881448767</ID></App>"
                    "<App><IsHdrSupported>0</IsHdrSupported>"
                    "<AppTitle>Tom &amp; Jerry&apos;s &lt;&quot;Game&quot;&gt;</AppTitle><ID>12345</ID></App>"
                    "</root>"));
  CHECK(build_applist({}).value() == doc("<root status_code=\"200\"></root>"));
  const std::vector<AppEntry> zero = {{0, "Zero", false}};
  CHECK(build_applist(zero).error().code == Errc::out_of_range);
  const std::vector<AppEntry> too_big = {{0x80000000u, "Big", false}};
  CHECK_FALSE(build_applist(too_big));
  const std::vector<AppEntry> max = {{0x7FFFFFFFu, "", false}};
  CHECK(build_applist(max).value().find("<AppTitle></AppTitle><ID>2147483647</ID>") != std::string::npos);
}

TEST_CASE("pair replies (§5)") {
  CHECK(build_pair_plaincert("-----BEGIN") == doc("<root status_code=\"200\"><paired>1</paired>"
                                                  "<plaincert>2D2D2D2D2D424547494E</plaincert></root>"));
  CHECK(build_pair_busy() == doc("<root status_code=\"200\"><paired>1</paired></root>"));
  const std::vector<std::uint8_t> bytes = {0xed, 0x99, 0x0a};
  CHECK(build_pair_challenge_response(bytes) ==
        doc("<root status_code=\"200\"><paired>1</paired><challengeresponse>ED990A</challengeresponse></root>"));
  CHECK(build_pair_secret(bytes) ==
        doc("<root status_code=\"200\"><paired>1</paired><pairingsecret>ED990A</pairingsecret></root>"));
  CHECK(build_pair_result(true) == doc("<root status_code=\"200\"><paired>1</paired></root>"));
  CHECK(build_pair_result(false) == doc("<root status_code=\"200\"><paired>0</paired></root>"));
  CHECK(build_pair_error(400, "Out of order call to clientchallenge") ==
        doc("<root status_code=\"400\" status_message=\"Out of order call to clientchallenge\">"
            "<paired>0</paired></root>"));
  CHECK(build_pair_error(404, "Invalid pairing request") ==
        doc("<root status_code=\"404\" status_message=\"Invalid pairing request\"><paired>0</paired></root>"));
}

TEST_CASE("unpair and cancel (§6, §8)") {
  CHECK(build_unpair() == doc("<root status_code=\"200\"></root>"));
  CHECK(build_cancel(true) == doc("<root status_code=\"200\"><cancel>1</cancel></root>"));
  CHECK(build_cancel(false) == doc("<root status_code=\"200\"><cancel>0</cancel></root>"));
}

TEST_CASE("launch and resume replies (§7)") {
  SessionUrl url{"192.168.1.10", 48010, true};
  CHECK(build_launch_success(LaunchReplyVerb::launch, url) ==
        doc("<root status_code=\"200\"><sessionUrl0>rtspenc://192.168.1.10:48010</sessionUrl0>"
            "<gamesession>1</gamesession></root>"));
  CHECK(build_launch_success(LaunchReplyVerb::resume, url) ==
        doc("<root status_code=\"200\"><sessionUrl0>rtspenc://192.168.1.10:48010</sessionUrl0>"
            "<resume>1</resume></root>"));
  // The mock host's reply in tests/data/wire/launch_ri.txt (client sent corever=1).
  CHECK(format_session_url({"127.0.0.1", 48010, true}) == "rtspenc://127.0.0.1:48010");
  CHECK(format_session_url({"10.0.0.2", 40031, false}) == "rtsp://10.0.0.2:40031");
  CHECK(format_session_url({"::ffff:192.168.1.10", 48010, true}) == "rtspenc://192.168.1.10:48010");
  CHECK(format_session_url({"fd00::1", 48010, true}) == "rtspenc://[fd00::1]:48010");
  CHECK(format_session_url({"::ffff:fd00:1", 48010, true}) == "rtspenc://[::ffff:fd00:1]:48010");
  CHECK(format_session_url({"fe80::1%eth0", 48010, false}) == "rtsp://[fe80::1%25eth0]:48010");
}

TEST_CASE("launch errors follow the §7 table") {
  using V = LaunchReplyVerb;
  CHECK(build_launch_error(LaunchError::missing_launch_parameter, V::launch) ==
        doc("<root status_code=\"400\" status_message=\"Missing a required launch parameter\">"
            "<resume>0</resume></root>"));
  CHECK(build_launch_error(LaunchError::app_already_running, V::launch) ==
        doc("<root status_code=\"400\" status_message=\"An app is already running on this host\">"
            "<resume>0</resume></root>"));
  CHECK(build_launch_error(LaunchError::video_init_failed, V::launch) ==
        doc("<root status_code=\"503\" status_message=\"Failed to initialize video capture/encoding. Is a display "
            "connected and turned on?\"><gamesession>0</gamesession></root>"));
  CHECK(build_launch_error(LaunchError::video_init_failed, V::resume).find("<resume>0</resume>") !=
        std::string::npos);
  CHECK(build_launch_error(LaunchError::encryption_required, V::launch) ==
        doc("<root status_code=\"403\" status_message=\"Encryption is mandatory for this host but unsupported by "
            "the client\"><gamesession>0</gamesession></root>"));
  CHECK(build_launch_error(LaunchError::unknown_app, V::launch) ==
        doc("<root status_code=\"404\" status_message=\"Failed to start the specified application\">"
            "<gamesession>0</gamesession></root>"));
  CHECK(build_launch_error(LaunchError::app_start_failed, V::launch) ==
        doc("<root status_code=\"-1\" status_message=\"Failed to start the specified application\">"
            "<gamesession>0</gamesession></root>"));
  CHECK(build_launch_error(LaunchError::no_app_to_resume, V::resume) ==
        doc("<root status_code=\"503\" status_message=\"No running app to resume\"><resume>0</resume></root>"));
  CHECK(build_launch_error(LaunchError::missing_resume_parameter, V::resume) ==
        doc("<root status_code=\"400\" status_message=\"Missing a required resume parameter\">"
            "<resume>0</resume></root>"));
}

TEST_CASE("error forms (§1)") {
  CHECK(build_unauthorized("/applist") ==
        doc("<root status_code=\"401\" status_message=\"The client is not authorized. Certificate verification "
            "failed.\" query=\"/applist\"></root>"));
  CHECK(build_unauthorized("/a\"<b>") ==
        doc("<root status_code=\"401\" status_message=\"The client is not authorized. Certificate verification "
            "failed.\" query=\"/a&quot;&lt;b&gt;\"></root>"));
  CHECK(build_error(404, "Not Found") == doc("<root status_code=\"404\" status_message=\"Not Found\"></root>"));
  CHECK(build_error(400, "parameter 'x' & \"y\"") ==
        doc("<root status_code=\"400\" status_message=\"parameter &apos;x&apos; &amp; &quot;y&quot;\"></root>"));
}
