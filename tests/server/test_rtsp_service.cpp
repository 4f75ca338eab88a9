// The host side of the RTSP handshake (shared/protocol/rtsp.md §2–§6), driven through
// RtspService::handle() with messages built from the captured client bytes in tests/data/wire
// (launch_ri.txt, rtsp_encrypted.txt, announce_request_headers.txt, announce_example.sdp) and
// opened with the client's half of the cipher, as moonlight-common-c would.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "lightwell/proto/crypto/rtsp_cipher.hpp"
#include "lightwell/proto/nvhttp_launch.hpp"
#include "lightwell/proto/rtsp_encrypted.hpp"
#include "lightwell/proto/rtsp_replies.hpp"
#include "lightwell/server/rtsp_service.hpp"
#include "vector_file.hpp"

using namespace lightwell;
using namespace lightwell::server;
using proto::crypto::RtspCipher;
using proto::crypto::RtspRole;

namespace {

std::string value_of(const test::Record& r, const std::string& key) {
  const std::string v = r.get(key);
  return v.substr(0, v.find_first_of(" \t#"));
}

// The captured /launch query (corever=1 → rtspenc, rikey f826e35b…).
proto::LaunchRequest captured_launch() {
  for (const auto& r : test::read_records("wire/launch_ri.txt")) {
    if (!r.find("launch_query")) continue;
    auto query = proto::Query::parse(value_of(r, "launch_query"));
    REQUIRE(query);
    auto launch = proto::parse_launch_request(*query, proto::LaunchVerb::launch);
    REQUIRE(launch);
    REQUIRE(launch->core_version == 1);
    return *launch;
  }
  FAIL("no launch_query in launch_ri.txt");
  return {};
}

struct CapturedOptions {
  std::vector<std::uint8_t> frame;       // client → host: header ‖ ciphertext
  std::vector<std::uint8_t> host_reply;  // host → client wire bytes, seq 1
};
CapturedOptions captured_options() {
  CapturedOptions c;
  for (const auto& r : test::read_records("wire/rtsp_encrypted.txt")) {
    if (r.find("ciphertext")) {
      c.frame = r.hex("header");
      const auto ct = r.hex("ciphertext");
      c.frame.insert(c.frame.end(), ct.begin(), ct.end());
    }
    if (r.find("wire")) c.host_reply = r.hex("wire");
  }
  REQUIRE(!c.frame.empty());
  REQUIRE(!c.host_reply.empty());
  return c;
}

std::string captured_sdp() { return test::read_text("wire/announce_example.sdp"); }

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// The client's requests (rtsp.md §4 table), serialized as serializeRtspMessage writes them.
std::string request_text(const std::string& method, const std::string& target, std::uint32_t cseq,
                         std::optional<std::string> sdp = std::nullopt) {
  auto req = proto::rtsp_client_request(method, target, cseq, "127.0.0.1");
  if (method == "SETUP" && target.find("audio") == std::string::npos) req.headers.add("Session", "DEADBEEFCAFE");
  if (method == "SETUP") {
    req.headers.add("Transport", "unicast;X-GS-ClientPort=50000-50001");
    req.headers.add("If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT");
  }
  if (method == "DESCRIBE") {
    req.headers.add("Accept", "application/sdp");
    req.headers.add("If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT");
  }
  if (method == "ANNOUNCE" || method == "PLAY") req.headers.add("Session", "DEADBEEFCAFE");
  if (sdp) proto::rtsp_attach_sdp(req, *sdp);
  auto text = proto::serialize_rtsp_request(req);
  REQUIRE(text);
  return *text;
}

struct StartCall {
  std::uint32_t session_id = 0;
  proto::StreamParams params;
  AnnounceContext context;
};

struct Fixture {
  std::ostringstream log_text;
  LogHub hub = LogHub::to_stream(log_text, LogLevel::debug);
  StreamSessions sessions;
  proto::HostCapabilities caps;
  Ports ports = Ports::from_base(kDefaultBasePort);
  VideoOptions limits;
  std::vector<StartCall> starts;
  int start_status = 200;
  std::unique_ptr<RtspService> service;
  std::uint32_t client_sequence = 0;  // the client's process-wide counter (rtsp.md §3)

  Fixture() { caps.hevc = true; }  // the captured ANNOUNCE negotiated HEVC

  const StreamSession& launch(std::uint32_t corever = 1) {
    StreamSession s;
    s.app_id = 1;
    s.app_name = "Desktop";
    s.request = captured_launch();
    s.request.core_version = corever;
    s.peer_address = boost::asio::ip::make_address("127.0.0.1");
    s.local_address = s.peer_address;
    SessionSecrets secrets;
    secrets.ping_payload_bytes = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
    secrets.connect_data = 3735928559u;
    return sessions.launch(std::move(s), secrets);
  }

  RtspService& svc() {
    if (!service) {
      service = std::make_unique<RtspService>(
          sessions, caps, ports, limits,
          [this](const StreamSession& s, const proto::StreamParams& p, const AnnounceContext& c) {
            starts.push_back({s.id, p, c});
            return start_status;
          },
          hub.get("rtsp"));
    }
    return *service;
  }

  static net::RtspMessage message(net::RtspFraming framing, std::vector<std::uint8_t> bytes) {
    net::RtspMessage m;
    m.framing = framing;
    m.bytes = std::move(bytes);
    m.peer_address = boost::asio::ip::make_address("127.0.0.1");
    m.peer_port = 40000;
    m.local_address = boost::asio::ip::make_address("127.0.0.1");
    return m;
  }
  std::vector<std::uint8_t> send_plain(const std::string& text) {
    return svc().handle(message(net::RtspFraming::plaintext, {text.begin(), text.end()}));
  }
  std::vector<std::uint8_t> send_sealed(const std::string& text) {
    auto cipher = RtspCipher::create(captured_launch().rikey, RtspRole::client);
    REQUIRE(cipher);
    auto frame = cipher->seal(++client_sequence, text);
    REQUIRE(frame);
    return svc().handle(message(net::RtspFraming::encrypted, std::move(*frame)));
  }

  // The client's view of a reply (rtsp.md §2, §3): opened with the client cipher, whose
  // header must carry `expected_sequence`, then parsed to EOF.
  static proto::RtspResponse open(const std::vector<std::uint8_t>& wire, std::uint32_t expected_sequence) {
    auto frame = proto::parse_encrypted_rtsp_message(wire);
    REQUIRE(frame);
    CHECK(frame->sequence == expected_sequence);
    auto cipher = RtspCipher::create(captured_launch().rikey, RtspRole::client);
    REQUIRE(cipher);
    auto text = cipher->open(*frame);
    REQUIRE(text);
    return parse(*text);
  }
  static proto::RtspResponse parse(std::string_view text) {
    auto r = proto::parse_rtsp_response(text, /*at_eof=*/true);
    REQUIRE(r);
    REQUIRE(r->message);
    return *r->message;
  }
  static proto::RtspResponse parse(const std::vector<std::uint8_t>& bytes) {
    REQUIRE(!bytes.empty());
    REQUIRE_FALSE(proto::starts_encrypted_rtsp(bytes));
    return parse(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  // One ANNOUNCE with `sdp` as body, sealed; returns the opened reply.
  proto::RtspResponse announce(const std::string& sdp, std::uint32_t reply_sequence = 1) {
    return open(send_sealed(request_text("ANNOUNCE", "streamid=control/13/0", 6, sdp)), reply_sequence);
  }
  std::string log() const { return log_text.str(); }
};

std::string header(const proto::RtspResponse& r, std::string_view name) {
  return std::string(r.headers.find(name).value_or("<absent>"));
}

}  // namespace

TEST_CASE("rtsp service: the captured encrypted OPTIONS gets the captured host reply, byte for byte",
          "[rtsp_service]") {
  Fixture f;
  f.launch();
  const auto captured = captured_options();
  const auto reply = f.svc().handle(Fixture::message(net::RtspFraming::encrypted, captured.frame));
  // Host sequence 1, "RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n", sealed with the rikey (rtsp.md §3).
  CHECK(test::hex(reply) == test::hex(captured.host_reply));
  const auto opened = Fixture::open(reply, 1);
  CHECK(opened.status_code == 200);
  CHECK(header(opened, "CSeq") == "1");
  CHECK_THAT(f.log(), Catch::Contains("OPTIONS rtspenc://127.0.0.1:48010 (CSeq 1)"));
}

TEST_CASE("rtsp service: the full encrypted handshake in order", "[rtsp_service]") {
  Fixture f;
  const auto& session = f.launch();
  const std::uint32_t session_id = session.id;
  const std::string target = "rtspenc://127.0.0.1:48010";

  // 1 OPTIONS
  auto r = Fixture::open(f.send_sealed(request_text("OPTIONS", target, 1)), 1);
  CHECK(r.status_code == 200);
  CHECK(header(r, "CSeq") == "1");

  // 2 DESCRIBE: the capability text for caps (HEVC, stereo + surround table).
  r = Fixture::open(f.send_sealed(request_text("DESCRIBE", target, 2)), 2);
  CHECK(r.status_code == 200);
  CHECK(header(r, "CSeq") == "2");
  CHECK(r.body == proto::build_describe_sdp(f.caps).value());
  CHECK_THAT(r.body, Catch::Contains("sprop-parameter-sets=AAAAAU"));

  // 3–5 SETUP: session's ping payload and connect data, the configured ports (P+11/P+9/P+10).
  r = Fixture::open(f.send_sealed(request_text("SETUP", "streamid=audio/0/0", 3)), 3);
  CHECK(r.status_code == 200);
  CHECK(header(r, "CSeq") == "3");
  CHECK(header(r, "Session") == "DEADBEEFCAFE;timeout = 90");
  CHECK(header(r, "Transport") == "server_port=48000");
  CHECK(header(r, "X-SS-Ping-Payload") == "0123456789ABCDEF");
  CHECK(header(r, "X-SS-Connect-Data") == "<absent>");
  r = Fixture::open(f.send_sealed(request_text("SETUP", "streamid=video/0/0", 4)), 4);
  CHECK(header(r, "Transport") == "server_port=47998");
  CHECK(header(r, "X-SS-Ping-Payload") == "0123456789ABCDEF");
  r = Fixture::open(f.send_sealed(request_text("SETUP", "streamid=control/13/0", 5)), 5);
  CHECK(header(r, "CSeq") == "5");
  CHECK(header(r, "Transport") == "server_port=47999");
  CHECK(header(r, "X-SS-Connect-Data") == "3735928559");
  CHECK(header(r, "X-SS-Ping-Payload") == "<absent>");

  // 6 ANNOUNCE: exactly the captured request bytes.
  const std::string announce =
      test::read_text("wire/announce_request_headers.txt") + captured_sdp();
  CHECK(request_text("ANNOUNCE", "streamid=control/13/0", 6, captured_sdp()) == announce);
  r = Fixture::open(f.send_sealed(announce), 6);
  CHECK(r.status_code == 200);
  CHECK(header(r, "CSeq") == "6");
  REQUIRE(f.starts.size() == 1);
  const StartCall& call = f.starts[0];
  CHECK(call.session_id == session_id);
  const proto::StreamParams& p = call.params;
  CHECK(p.width_px == 1920);
  CHECK(p.height_px == 1080);
  CHECK(p.fps == 60);
  CHECK(p.client_refresh_rate_x100 == 6000);
  CHECK(p.packet_size_bytes == 1360);
  CHECK(p.max_bitrate_kbps == 16000);
  CHECK(p.configured_bitrate_kbps == 20000);
  CHECK(p.codec == proto::VideoCodec::hevc);
  CHECK(p.dynamic_range == proto::DynamicRange::sdr_8bit);
  CHECK(p.chroma == proto::ChromaSampling::yuv420);
  CHECK(p.color_space == proto::ColorSpace::rec709);
  CHECK(p.color_range == proto::ColorRange::limited);
  CHECK(p.slices_per_frame == 1);
  CHECK(p.max_reference_frames == 1);
  CHECK(p.min_required_fec_packets == 2);
  CHECK(p.audio_channels == 2);
  CHECK(p.audio_channel_mask == 3);
  CHECK_FALSE(p.audio_high_quality_surround);
  CHECK(p.audio_packet_duration_ms == 5);
  CHECK(p.encryption_enabled == 7);
  CHECK(p.nv_feature_flags == 167);
  CHECK(p.ml_feature_flags == 3);
  CHECK(p.control_protocol == 13);
  CHECK(p.client_version == 14);
  CHECK(call.context.host_header == "127.0.0.1");  // stereo high quality (rtsp.md §2)
  CHECK(call.context.peer_address.to_string() == "127.0.0.1");
  CHECK(call.context.local_address.to_string() == "127.0.0.1");

  // 7 PLAY
  r = Fixture::open(f.send_sealed(request_text("PLAY", "/", 7)), 7);
  CHECK(r.status_code == 200);
  CHECK(header(r, "CSeq") == "7");
  CHECK(f.starts.size() == 1);

  // Logged with the session id; the key never appears (rtsp_service.hpp policy).
  const std::string log = f.log();
  CHECK_THAT(log, Catch::Contains("session=" + std::to_string(session_id)));
  CHECK_THAT(log, Catch::Contains("ANNOUNCE from 127.0.0.1:40000: HEVC 1920x1080@60"));
  CHECK_THAT(log, !Catch::Contains("f826e35b") && !Catch::Contains("F826E35B"));
}

TEST_CASE("rtsp service: the reply sequence belongs to the launch session", "[rtsp_service]") {
  Fixture f;
  f.launch();
  Fixture::open(f.send_sealed(request_text("OPTIONS", "rtsp://0.0.0.0:48010", 1)), 1);
  Fixture::open(f.send_sealed(request_text("OPTIONS", "rtsp://0.0.0.0:48010", 2)), 2);
  // A bad request still consumes a sealed reply.
  Fixture::open(f.send_sealed("garbage\r\n\r\n"), 3);
  f.launch();  // a new /launch: new session id, counter starts again at 1
  Fixture::open(f.send_sealed(request_text("OPTIONS", "rtsp://0.0.0.0:48010", 1)), 1);
}

TEST_CASE("rtsp service: DESCRIBE carries exactly the markers of the capabilities", "[rtsp_service]") {
  Fixture f;
  SECTION("H.264 only, default encryption masks") {
    f.caps = proto::HostCapabilities{};
    f.launch();
    const auto r = Fixture::open(f.send_sealed(request_text("DESCRIBE", "rtsp://0.0.0.0:48010", 2)), 1);
    CHECK(r.status_code == 200);
    CHECK_THAT(r.body, !Catch::Contains("sprop-parameter-sets"));
    CHECK_THAT(r.body, !Catch::Contains("AV1/90000"));
    CHECK_THAT(r.body, !Catch::Contains("refPicInvalidation"));
    CHECK_THAT(r.body, Catch::Contains("a=x-ss-general.encryptionSupported:7\n"));
    CHECK_THAT(r.body, Catch::Contains("a=x-ss-general.encryptionRequested:1\n"));
    // audio.md §2.5 table: stereo, 5.1 and 7.1, normal then high quality (our 7.1 string).
    CHECK_THAT(r.body, Catch::Contains("a=fmtp:97 surround-params=21101\n"));
    CHECK_THAT(r.body, Catch::Contains("a=fmtp:97 surround-params=642012453\n"));
    CHECK_THAT(r.body, Catch::Contains("a=fmtp:97 surround-params=660012345\n"));
    CHECK_THAT(r.body, Catch::Contains("a=fmtp:97 surround-params=85301245673\n"));
    CHECK_THAT(r.body, Catch::Contains("a=fmtp:97 surround-params=88001234567\n"));
  }
  SECTION("HEVC, AV1, RFI, mandatory encryption, stereo only") {
    f.caps.av1 = true;
    f.caps.reference_frame_invalidation = true;
    const auto masks = proto::encryption_masks_for(proto::EncryptionMode::mandatory);
    f.caps.encryption_supported = masks.supported;
    f.caps.encryption_requested = masks.requested;
    const std::array<proto::SurroundLayout, 1> stereo{proto::kDefaultSurroundLayouts[0]};
    f.caps.surround_layouts = stereo;
    f.launch();
    const auto r = Fixture::open(f.send_sealed(request_text("DESCRIBE", "rtsp://0.0.0.0:48010", 2)), 1);
    CHECK_THAT(r.body, Catch::Contains("sprop-parameter-sets=AAAAAU\n"));
    CHECK_THAT(r.body, Catch::Contains("a=rtpmap:98 AV1/90000\n"));
    CHECK_THAT(r.body, Catch::Contains("a=x-nv-video[0].refPicInvalidation:1\n"));
    CHECK_THAT(r.body, Catch::Contains("a=x-ss-general.encryptionRequested:7\n"));
    CHECK_THAT(r.body, Catch::Contains("a=fmtp:97 surround-params=21101\n"));
    CHECK_THAT(r.body, !Catch::Contains("surround-params=6"));
    CHECK_THAT(r.body, !Catch::Contains("surround-params=8"));
  }
  SECTION("inconsistent capabilities are not advertised: 500") {
    f.caps.hevc = false;
    f.caps.hevc_main10 = true;
    f.launch();
    const auto r = Fixture::open(f.send_sealed(request_text("DESCRIBE", "rtsp://0.0.0.0:48010", 2)), 1);
    CHECK(r.status_code == 500);
    CHECK(r.body.empty());
  }
}

TEST_CASE("rtsp service: a plaintext session speaks plaintext", "[rtsp_service]") {
  Fixture f;
  f.launch(/*corever=*/0);
  auto r = Fixture::parse(f.send_plain(request_text("OPTIONS", "rtsp://127.0.0.1:48010", 1)));
  CHECK(r.status_code == 200);
  r = Fixture::parse(f.send_plain(request_text("SETUP", "streamid=audio/0/0", 3)));
  CHECK(header(r, "X-SS-Ping-Payload") == "0123456789ABCDEF");
  r = Fixture::parse(f.send_plain(request_text("ANNOUNCE", "streamid=control/13/0", 6, captured_sdp())));
  CHECK(r.status_code == 200);
  CHECK(f.starts.size() == 1);
  SECTION("an encrypted frame on it is refused with a plaintext 400") {
    r = Fixture::parse(f.send_sealed(request_text("OPTIONS", "rtsp://127.0.0.1:48010", 1)));
    CHECK(r.status_code == 400);
    CHECK(header(r, "CSeq") == "0");
    CHECK_THAT(f.log(), Catch::Contains("plaintext session"));
  }
}

TEST_CASE("rtsp service: refusals (rtsp.md §6)", "[rtsp_service]") {
  Fixture f;
  const std::string sdp = captured_sdp();

  SECTION("no pending session: closed without a reply") {
    CHECK(f.send_sealed(request_text("OPTIONS", "rtsp://0.0.0.0:48010", 1)).empty());
    CHECK(f.send_plain(request_text("OPTIONS", "rtsp://0.0.0.0:48010", 1)).empty());
    CHECK(f.svc().handle_framing_error(Fixture::message(net::RtspFraming::plaintext, {}), {}).empty());
    CHECK_THAT(f.log(), Catch::Contains("without a pending launch session"));
    return;
  }
  f.launch();

  SECTION("plaintext on an rtspenc session: plaintext 400 echoing CSeq") {
    const auto r = Fixture::parse(f.send_plain(request_text("OPTIONS", "rtsp://0.0.0.0:48010", 3)));
    CHECK(r.status_code == 400);
    CHECK(r.reason == "BAD REQUEST");
    CHECK(header(r, "CSeq") == "3");
    CHECK_THAT(f.log(), Catch::Contains("plaintext RTSP request from 127.0.0.1:40000 on an encrypted"));
  }
  SECTION("a bad tag: sealed 400 with CSeq 0") {
    auto frame = captured_options().frame;
    frame[8] ^= 0x01;  // first tag byte
    const auto r = Fixture::open(f.svc().handle(Fixture::message(net::RtspFraming::encrypted, frame)), 1);
    CHECK(r.status_code == 400);
    CHECK(header(r, "CSeq") == "0");
    CHECK_THAT(f.log(), Catch::Contains("failed authentication"));
  }
  SECTION("a frame whose length lies: sealed 400") {
    auto frame = captured_options().frame;
    frame.push_back(0);
    CHECK(Fixture::open(f.svc().handle(Fixture::message(net::RtspFraming::encrypted, frame)), 1).status_code == 400);
  }
  SECTION("malformed or missing CSeq inside a good frame: 400 with CSeq 0") {
    for (const std::string text : {"OPTIONS rtsp://x RTSP/1.0\r\nCSeq: abc\r\n\r\n",
                                   "OPTIONS rtsp://x RTSP/1.0\r\nHost: x\r\n\r\n", "OPTIONS rtsp://x HTTP/1.1\r\nCSeq: 4\r\n\r\n",
                                   "ANNOUNCE x RTSP/1.0\r\nCSeq: 6\r\nContent-length: 9\r\n\r\nshort",
                                   "OPTIONS rtsp://x RTSP/1.0\r\nCSeq: 4\r\n\r\ntrailing"}) {
      CAPTURE(text);
      const auto r = Fixture::open(f.send_sealed(text), f.client_sequence);
      CHECK(r.status_code == 400);
      CHECK(header(r, "CSeq") == "0");
    }
  }
  SECTION("unknown method: 404 with its CSeq") {
    const auto r = Fixture::open(f.send_sealed("GET_PARAMETER rtsp://x RTSP/1.0\r\nCSeq: 9\r\n\r\n"), 1);
    CHECK(r.status_code == 404);
    CHECK(header(r, "CSeq") == "9");
  }
  SECTION("SETUP of an unknown stream: 404") {
    const auto r = Fixture::open(f.send_sealed(request_text("SETUP", "streamid=subtitles/0/0", 3)), 1);
    CHECK(r.status_code == 404);
    CHECK(r.reason == "NOT FOUND");
    CHECK(header(r, "CSeq") == "3");
    CHECK(header(r, "X-SS-Ping-Payload") == "<absent>");
  }
  SECTION("framing errors: sealed 400 for an encrypted partial, plaintext otherwise") {
    const net::RtspFramingError error{net::RtspFramingErrorKind::too_large, "request larger than 65536 bytes"};
    auto r = Fixture::open(f.svc().handle_framing_error(
                               Fixture::message(net::RtspFraming::encrypted, {0x80, 0x01, 0, 0}), error),
                           1);
    CHECK(r.status_code == 400);
    r = Fixture::parse(f.svc().handle_framing_error(
        Fixture::message(net::RtspFraming::plaintext, {'O', 'P'}), error));
    CHECK(r.status_code == 400);
    CHECK_THAT(f.log(), Catch::Contains("request larger than 65536 bytes"));
  }
  CHECK(f.starts.empty());
}

TEST_CASE("rtsp service: ANNOUNCE refusals never start a stream", "[rtsp_service]") {
  Fixture f;
  const std::string sdp = captured_sdp();
  int expected = 400;
  std::string must_log;
  proto::RtspResponse r;
  SECTION("codec not offered (HEVC requested, host has H.264 only)") {
    f.caps.hevc = false;
    f.launch();
    r = f.announce(sdp);
    must_log = "refused (400)";
  }
  SECTION("width above video.max_width_px") {
    f.limits.max_width_px = 1280;
    f.launch();
    r = f.announce(sdp);
    must_log = "width 1920 px above this host's maximum 1280 px";
  }
  SECTION("height above video.max_height_px") {
    f.limits.max_height_px = 720;
    f.launch();
    r = f.announce(sdp);
    must_log = "height 1080 px above this host's maximum 720 px";
  }
  SECTION("fps above video.max_fps") {
    f.limits.max_fps = 30;
    f.launch();
    r = f.announce(sdp);
    must_log = "60 fps above this host's maximum 30 fps";
  }
  SECTION("legacy control stream (useReliableUdp 1)") {
    f.launch();
    r = f.announce(replaced(sdp, "a=x-nv-general.useReliableUdp:13 ", "a=x-nv-general.useReliableUdp:1 "));
    must_log = "useReliableUdp is 1";
  }
  SECTION("a required attribute missing") {
    f.launch();
    r = f.announce(replaced(sdp, "a=x-nv-video[0].clientViewportWd:1920 \r\n", ""));
    must_log = "clientViewportWd";
  }
  SECTION("mandatory encryption not met: 403") {
    const auto masks = proto::encryption_masks_for(proto::EncryptionMode::mandatory);
    f.caps.encryption_supported = masks.supported;
    f.caps.encryption_requested = masks.requested;
    f.launch();
    r = f.announce(replaced(replaced(sdp, "encryptionEnabled:7 ", "encryptionEnabled:1 "),
                            "a=x-nv-general.featureFlags:167 ", "a=x-nv-general.featureFlags:135 "));
    expected = 403;
    must_log = "refused (403)";
  }
  SECTION("the stream could not start: the starter's 500") {
    f.start_status = 500;
    f.launch();
    r = f.announce(sdp);
    expected = 500;
    must_log = "did not start: 500";
    CHECK(f.starts.size() == 1);
    f.starts.clear();
  }
  SECTION("a starter answering nonsense becomes 500") {
    f.start_status = 42;
    f.launch();
    r = f.announce(sdp);
    expected = 500;
    must_log = "starter returned 42";
    f.starts.clear();
  }
  CHECK(r.status_code == expected);
  CHECK(header(r, "CSeq") == "6");
  CHECK(f.starts.empty());
  CHECK_THAT(f.log(), Catch::Contains(must_log));
  CHECK_THAT(f.log(), Catch::Contains("session=1"));
}
