// The test client's RTSP and control bytes against what the real client put on the wire
// (tests/data/wire/: announce_example.sdp, announce_request_headers.txt, rtsp_encrypted.txt,
// control_encrypted.txt, udp_ping.txt).
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "lightwell/proto/control_messages.hpp"
#include "lightwell/proto/crypto/control_cipher.hpp"
#include "lightwell/proto/crypto/rtsp_cipher.hpp"
#include "lightwell/proto/ping.hpp"
#include "lightwell/proto/rtsp_encrypted.hpp"
#include "lightwell/proto/sdp_announce.hpp"
#include "lightwell/proto/sdp_describe.hpp"
#include "lightwell/proto/stream_params.hpp"
#include "stream_client_rtsp.hpp"
#include "vector_file.hpp"

using namespace lightwell;
namespace rc = lightwell::test::rtsp_client;

namespace {

// Values of `key=` lines of a wire capture file, in file order (these files use [section]
// lines, which the record reader does not know).
std::vector<std::string> values(const std::string& file, const std::string& key) {
  std::istringstream in(test::read_text(file));
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + "=", 0) == 0) out.push_back(test::first_token(line.substr(key.size() + 1)));
  }
  return out;
}

// The configuration of the captures (tests/data/README.md, wire/): 1920x1080@60, 20 Mbps,
// stereo, HEVC, ENCFLG_ALL, local, rtspenc.
test::StreamClientOptions captured_options() {
  test::StreamClientOptions o;
  o.host = "127.0.0.1";
  o.rtsp_port = 48010;
  o.session_url = "rtspenc://127.0.0.1:48010";
  o.width_px = 1920;
  o.height_px = 1080;
  o.fps = 60;
  o.bitrate_kbps = 20000;
  o.packet_size_bytes = 1392;
  o.video_encryption = true;
  o.audio_encryption = true;
  o.audio_channels = 2;
  o.high_quality_audio = true;
  o.supports_hevc = true;
  return o;
}

std::string sunshine_like_describe(bool hevc) {
  proto::HostCapabilities caps;
  caps.hevc = hevc;
  caps.encryption_supported = proto::kEncControlV2 | proto::kEncVideo | proto::kEncAudio;
  caps.encryption_requested = proto::kEncControlV2;
  return proto::build_describe_sdp(caps).value();
}

}  // namespace

TEST_CASE("ANNOUNCE body is byte-identical to the captured one for the same configuration") {
  const auto o = captured_options();
  const auto d = rc::parse_describe(sunshine_like_describe(true), 2);
  const auto n = rc::negotiate(o, d);
  CHECK(n.encryption_enabled == 7);
  CHECK(n.packet_size_bytes == 1360);
  CHECK(n.bit_stream_format == 1);
  const std::string body = rc::build_announce_sdp(o, n, 47998);
  CHECK(body == test::read_text("wire/announce_example.sdp"));
  // And our own host-side parser reads it back (proto/sdp_announce.hpp).
  const auto params = proto::parse_announce_sdp(body);
  REQUIRE(params);
  CHECK(params->encryption_enabled == 7);
}

TEST_CASE("ANNOUNCE request headers match the capture (CSeq 6, Session, Content-type/-length)") {
  const auto o = captured_options();
  const auto n = rc::negotiate(o, rc::parse_describe(sunshine_like_describe(true), 2));
  const auto t = rc::request_target(o);
  auto request = rc::announce_request(t, 6, "DEADBEEFCAFE", rc::build_announce_sdp(o, n, 47998));
  const std::string text = proto::serialize_rtsp_request(request).value();
  const std::string headers = test::read_text("wire/announce_request_headers.txt");
  REQUIRE(text.size() == headers.size() + 1497);
  CHECK(text.substr(0, headers.size()) == headers);
}

TEST_CASE("Sealed OPTIONS with seq 1 equals the captured encrypted request; the host reply opens") {
  const auto key = test::key16(test::unhex(values("wire/rtsp_encrypted.txt", "key").at(0)));
  const auto headers = values("wire/rtsp_encrypted.txt", "header");
  const auto ciphertexts = values("wire/rtsp_encrypted.txt", "ciphertext");
  const auto plaintexts = values("wire/rtsp_encrypted.txt", "plaintext_hex");
  REQUIRE(!headers.empty());
  auto o = captured_options();
  const auto t = rc::request_target(o);
  CHECK(t.target == "rtspenc://127.0.0.1:48010");
  CHECK(t.host == "127.0.0.1");
  const std::string text = proto::serialize_rtsp_request(rc::options_request(t, 1)).value();
  CHECK(test::hex(std::vector<std::uint8_t>(text.begin(), text.end())) == plaintexts.at(0));
  auto cipher = proto::crypto::RtspCipher::create(key, proto::crypto::RtspRole::client).value();
  const auto sealed = cipher.seal(1, text).value();
  CHECK(test::hex(sealed) == headers.at(0) + ciphertexts.at(0));

  const auto reply = test::unhex(values("wire/rtsp_encrypted.txt", "wire").at(0));
  auto frame = proto::parse_encrypted_rtsp_message(reply).value();
  const auto opened = cipher.open(frame).value();
  CHECK(opened == "RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n");
  auto parsed = proto::parse_rtsp_response(opened, true).value();
  REQUIRE(parsed.message);
  CHECK(parsed.message->status_code == 200);
}

TEST_CASE("Request target: sessionUrl0 for high quality, else rtsp://0.0.0.0 with Host 0.0.0.0") {
  auto o = captured_options();
  o.bitrate_kbps = 10000;  // < 15000 kbps: the GFE low-quality hack (rtsp.md §2)
  auto t = rc::request_target(o);
  CHECK(t.target == "rtsp://0.0.0.0:48010");
  CHECK(t.host == "0.0.0.0");
  const std::string text = proto::serialize_rtsp_request(rc::options_request(t, 1)).value();
  CHECK(text == "OPTIONS rtsp://0.0.0.0:48010 RTSP/1.0\r\nCSeq: 1\r\nX-GS-ClientVersion: 14\r\nHost: 0.0.0.0\r\n\r\n");
  o.bitrate_kbps = 20000;
  o.high_quality_audio = false;
  CHECK(rc::request_target(o).host == "0.0.0.0");
  o.high_quality_audio = true;
  o.session_url = "rtsp://[fe80::1]:48010";
  t = rc::request_target(o);
  CHECK(t.target == "rtsp://[fe80::1]:48010");
  CHECK(t.host == "[fe80::1]");
}

TEST_CASE("Handshake requests carry the client's headers in the client's order") {
  const rc::RequestTarget t{"rtsp://127.0.0.1:48010", "127.0.0.1"};
  auto text = [](const proto::RtspRequest& r) { return proto::serialize_rtsp_request(r).value(); };
  CHECK(text(rc::describe_request(t, 2)) ==
        "DESCRIBE rtsp://127.0.0.1:48010 RTSP/1.0\r\nCSeq: 2\r\nX-GS-ClientVersion: 14\r\nHost: 127.0.0.1\r\n"
        "Accept: application/sdp\r\nIf-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\n");
  CHECK(text(rc::setup_request(t, 3, "audio/0/0", "")) ==
        "SETUP streamid=audio/0/0 RTSP/1.0\r\nCSeq: 3\r\nX-GS-ClientVersion: 14\r\nHost: 127.0.0.1\r\n"
        "Transport: unicast;X-GS-ClientPort=50000-50001\r\nIf-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\n");
  CHECK(text(rc::setup_request(t, 5, "control/13/0", "DEADBEEFCAFE")) ==
        "SETUP streamid=control/13/0 RTSP/1.0\r\nCSeq: 5\r\nX-GS-ClientVersion: 14\r\nHost: 127.0.0.1\r\n"
        "Session: DEADBEEFCAFE\r\nTransport: unicast;X-GS-ClientPort=50000-50001\r\n"
        "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\n");
  CHECK(text(rc::play_request(t, 7, "DEADBEEFCAFE")) ==
        "PLAY / RTSP/1.0\r\nCSeq: 7\r\nX-GS-ClientVersion: 14\r\nHost: 127.0.0.1\r\nSession: DEADBEEFCAFE\r\n\r\n");
}

TEST_CASE("encryptionEnabled and codec follow the DESCRIBE masks and the options (rtsp.md 4.4)") {
  auto o = captured_options();
  // Host supports CONTROL_V2 | AUDIO only (Sunshine "never" mode): no video encryption even
  // though the client opted in; packet size keeps its 32 bytes.
  auto d = rc::parse_describe("a=x-ss-general.encryptionSupported:5\na=x-ss-general.encryptionRequested:1\n", 2);
  CHECK(d.has_encryption_supported);
  auto n = rc::negotiate(o, d);
  CHECK(n.encryption_enabled == 5);
  CHECK_FALSE(n.video_encrypted);
  CHECK(n.packet_size_bytes == 1392);
  CHECK(n.bit_stream_format == 0);  // no HEVC marker -> H.264
  // Host requests VIDEO|AUDIO (mandatory): enabled even when the client did not opt in.
  o.video_encryption = o.audio_encryption = false;
  d = rc::parse_describe("a=x-ss-general.encryptionSupported:0x7\na=x-ss-general.encryptionRequested:7\n", 2);
  n = rc::negotiate(o, d);
  CHECK(n.encryption_enabled == 7);
  CHECK(n.audio_encrypted);
  // Opted out and not requested: only CONTROL_V2; nvFeatureFlags without 0x20.
  d = rc::parse_describe("a=x-ss-general.encryptionSupported:7\na=x-ss-general.encryptionRequested:1\n", 2);
  n = rc::negotiate(o, d);
  CHECK(n.encryption_enabled == 1);
  CHECK_FALSE(n.audio_encrypted);
  const auto body = rc::build_announce_sdp(o, n, 47998);
  CHECK(body.find("a=x-nv-general.featureFlags:135 \r\n") != std::string::npos);
  CHECK(body.find("a=x-ss-general.encryptionEnabled:1 \r\n") != std::string::npos);
  // AV1 wins when both sides can; HEVC only with the marker and client support.
  o.supports_av1 = true;
  d = rc::parse_describe("sprop-parameter-sets=AAAAAU\na=rtpmap:98 AV1/90000\n", 2);
  n = rc::negotiate(o, d);
  CHECK(n.bit_stream_format == 2);
  CHECK(rc::build_announce_sdp(o, n, 1).find("x-nv-clientSupportHevc") == std::string::npos);
  o.supports_av1 = false;
  o.supports_hevc = false;
  CHECK(rc::negotiate(o, d).bit_stream_format == 0);
}

TEST_CASE("Surround: AudioQuality 1 only with a second surround-params line and >= 15 Mbps") {
  auto o = captured_options();
  o.audio_channels = 6;
  const std::string describe = sunshine_like_describe(false);
  const auto d = rc::parse_describe(describe, 6);
  CHECK(d.surround_lines_for_channels == 2);
  auto n = rc::negotiate(o, d);
  CHECK(n.high_quality_surround);
  const auto body = rc::build_announce_sdp(o, n, 47998);
  CHECK(body.find("a=x-nv-audio.surround.numChannels:6 \r\na=x-nv-audio.surround.channelMask:63 \r\n"
                  "a=x-nv-audio.surround.enable:1 \r\na=x-nv-audio.surround.AudioQuality:1 \r\n") !=
        std::string::npos);
  o.bitrate_kbps = 10000;
  CHECK_FALSE(rc::negotiate(o, d).high_quality_surround);
}

TEST_CASE("Control start A / start B sealed by the client equal the captured packets") {
  const auto key = test::key16(test::unhex(values("wire/control_encrypted.txt", "key").at(0)));
  const auto wires = values("wire/control_encrypted.txt", "wire");
  auto sealer = proto::crypto::ControlSealer::create(key, proto::ControlDirection::client_to_host, 0).value();
  std::array<std::uint8_t, 64> plain{}, packet{};
  const std::array<std::uint8_t, 2> start_a{0, 0};
  const std::array<std::uint8_t, 1> start_b{0};
  auto n = proto::write_control_frame(plain, 0x0302, start_a).value();
  auto size = sealer.seal(proto::Bytes(plain.data(), n), packet).value();
  CHECK(test::hex({packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(size)}) == wires.at(0));
  n = proto::write_control_frame(plain, 0x0307, start_b).value();
  size = sealer.seal(proto::Bytes(plain.data(), n), packet).value();
  CHECK(test::hex({packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(size)}) == wires.at(1));
}

TEST_CASE("The first UDP ping equals the captured one") {
  const auto payload = proto::parse_ping_payload("0123456789ABCDEF").value();
  const auto ping = proto::build_udp_ping(payload, 1);
  CHECK(test::hex({ping.begin(), ping.end()}) == values("wire/udp_ping.txt", "audio_ping_1").at(0));
}
