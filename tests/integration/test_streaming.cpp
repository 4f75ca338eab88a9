// Issue 4 black-box: the real `lightwell serve`, our test client (tests/support/stream_client),
// the whole session over loopback — pair, launch, RTSP, ENet, pings, video and audio with FEC
// and encryption — and what arrives is decoded and compared with the test pattern and tones.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "integration_support.hpp"
#include "media_checks.hpp"
#include "stream_client.hpp"
#include "streaming_support.hpp"

namespace lightwell::test {
namespace {

void check_stream(const Streaming& s, StreamClient& sc, const std::string& describe, std::uint32_t channels,
                  bool high_quality_audio, std::chrono::steady_clock::time_point started) {
  INFO(stream_failure(s, sc));
  // At least 2 s of 720p60 video (120 frames) and the audio that came with it.
  REQUIRE(sc.wait_for_frames(130, 30s) >= 130);
  const auto frames = sc.take_video_frames();
  const auto audio_packets = sc.take_audio_packets();
  const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const StreamCounters counters = sc.counters();
  REQUIRE(frames.size() >= 130);
  // Never faster than real time (pacing on absolute deadlines): at most 60 frames and 200
  // audio packets per second since streaming started, with a little slack. (No lower bound:
  // a loaded machine may be slow, which is not what this test is about.)
  INFO("elapsed " << elapsed_s << " s, " << frames.size() << " frames, " << audio_packets.size() << " audio packets");
  CHECK(static_cast<double>(frames.size()) <= 60.0 * elapsed_s * 1.1 + 5);
  CHECK(static_cast<double>(audio_packets.size()) <= 200.0 * elapsed_s * 1.1 + 20);

  // Frame indices start at 1 and are consecutive (video.md §6); the first frame is an IDR.
  CHECK(frames.front().frame_index == 1);
  CHECK(frames.front().frame_type == 2);
  bool indices_consecutive = true;
  for (std::size_t i = 1; i < frames.size(); ++i) {
    indices_consecutive = indices_consecutive && frames[i].frame_index == frames[i - 1].frame_index + 1;
  }
  CHECK(indices_consecutive);
  CHECK(std::any_of(frames.begin(), frames.end(), [](const auto& f) { return f.host_latency_100us > 0; }));

  const VideoCheck video = check_video(frames, 1280, 720);
  INFO("decode error: " << video.first_error);
  CHECK(video.decoded == frames.size());
  CHECK(video.numbers.size() == frames.size());
  CHECK(consecutive(video.numbers));
  CHECK(video.min_psnr_db >= 35.0);
  CHECK(counters.video_frames_lost == 0);

  // Audio: 5 ms packets in order, each channel carrying its own tone.
  REQUIRE(audio_packets.size() >= 300);
  bool sequence_consecutive = true;
  for (std::size_t i = 1; i < audio_packets.size(); ++i) {
    sequence_consecutive = sequence_consecutive &&
                           audio_packets[i].sequence_number == static_cast<std::uint16_t>(audio_packets[i - 1].sequence_number + 1);
  }
  CHECK(sequence_consecutive);
  const auto layout = client_opus_layout(describe, static_cast<int>(channels), high_quality_audio);
  REQUIRE(layout);
  const AudioCheck audio_check = check_audio(audio_packets, *layout);
  INFO("audio: " << audio_check.error);
  CHECK(audio_check.error.empty());
  REQUIRE(audio_check.own_tone_margin_db.size() == channels);
  for (std::size_t c = 0; c < channels; ++c) {
    INFO("channel " << c);
    CHECK(audio_check.own_tone_margin_db[c] >= 20.0);
  }
}

// Every regular file under the state directory (identity.json, clients.json, ...) with its
// bytes; the control socket and other non-regular files are left out.
std::map<std::string, std::string> state_files(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    files[std::filesystem::relative(e.path(), dir).string()] = bytes.str();
  }
  return files;
}

}  // namespace

TEST_CASE("a paired client streams 720p60 H.264 and stereo audio, encrypted, recovering dropped packets with FEC",
          "[integration][streaming]") {
  Streaming s;
  StreamClientOptions o = s.start(false, 1);
  REQUIRE(o.session_url.rfind("rtspenc://", 0) == 0);
  o.video_encryption = true;
  o.drop_one_packet_per_fec_block = true;
  StreamClient sc(o);
  const HandshakeResult hs = sc.handshake();
  INFO(stream_failure(s, sc));
  CHECK(hs.statuses == std::vector<int>{200, 200, 200, 200, 200, 200, 200});
  CHECK(hs.ping_payload.size() == 16);
  // Touch and pen are injected (issue 7), so the host says so (input.md §0, §6).
  CHECK(hs.describe_body.find("a=x-ss-general.featureFlags:1\n") != std::string::npos);
  CHECK(hs.video_port == static_cast<std::uint16_t>(s.scenario.host().base_port() + 9));
  CHECK(hs.control_port == static_cast<std::uint16_t>(s.scenario.host().base_port() + 10));
  CHECK(hs.audio_port == static_cast<std::uint16_t>(s.scenario.host().base_port() + 11));
  const auto started = std::chrono::steady_clock::now();
  sc.start_streaming();
  check_stream(s, sc, hs.describe_body, 2, true, started);
  const StreamCounters counters = sc.counters();
  CHECK(counters.video_dropped_on_purpose > 0);
  CHECK(counters.video_fec_recoveries > 0);
  CHECK(counters.audio_dropped_on_purpose > 0);
  CHECK(counters.audio_fec_recoveries > 0);
  sc.disconnect();
  CHECK(server_log_has(s, "client disconnected", 5s));
}

TEST_CASE("plain RTSP, clear video and 5.1 audio stream too", "[integration][streaming]") {
  Streaming s;
  // surroundAudioInfo = (mask << 16) | channels: 5.1 = 0x3F, 6 (http-pairing.md, audio.md §2.3).
  StreamClientOptions o = s.start(false, 0, (0x3Fu << 16) | 6u);
  REQUIRE(o.session_url.rfind("rtsp://", 0) == 0);
  o.video_encryption = false;
  o.audio_encryption = false;
  o.audio_channels = 6;
  o.high_quality_audio = false;
  StreamClient sc(o);
  const HandshakeResult hs = sc.handshake();
  const auto started = std::chrono::steady_clock::now();
  sc.start_streaming();
  check_stream(s, sc, hs.describe_body, 6, false, started);
  sc.disconnect();
}

TEST_CASE("an IDR request mid-stream produces an IDR frame", "[integration][streaming]") {
  Streaming s;
  StreamClient sc(s.start(false, 1));
  sc.handshake();
  sc.start_streaming();
  INFO(stream_failure(s, sc));
  REQUIRE(sc.wait_for_frames(30, 20s) >= 30);
  auto before = sc.take_video_frames();
  REQUIRE(!before.empty());
  const std::uint32_t last_before = before.back().frame_index;
  sc.request_idr();
  REQUIRE(sc.wait_for_frames(30, 20s) >= 30);
  const auto after = sc.take_video_frames();
  const auto idr = std::find_if(after.begin(), after.end(), [&](const auto& f) {
    return f.frame_index > last_before && f.frame_type == 2;
  });
  REQUIRE(idr != after.end());
  // video.md §10.2: the client recognises an IDR by the SPS at the start of the frame.
  REQUIRE(idr->bitstream.size() > 5);
  const bool sps_first = (idr->bitstream[2] == 1 && (idr->bitstream[3] & 0x1F) == 7) ||
                         (idr->bitstream[3] == 1 && (idr->bitstream[4] & 0x1F) == 7);
  CHECK(sps_first);
  // The rest of the stream after the first IDR is P frames (IDR only on request).
  CHECK(std::count_if(before.begin(), before.end(), [](const auto& f) { return f.frame_type == 2; }) == 1);
  sc.disconnect();
}

TEST_CASE("after a disconnect the app keeps running and /resume streams again", "[integration][streaming]") {
  Streaming s;
  {
    StreamClient sc(s.start(false, 1));
    sc.handshake();
    sc.start_streaming();
    INFO(stream_failure(s, sc));
    REQUIRE(sc.wait_for_frames(10, 20s) >= 10);
    sc.disconnect();
  }
  REQUIRE(server_log_has(s, "client disconnected", 5s));
  CHECK(field(s.client->serverinfo_https(), "currentgame") == std::to_string(s.desktop));
  StreamClient again(s.start(true, 1));
  again.handshake();
  again.start_streaming();
  INFO(stream_failure(s, again));
  REQUIRE(again.wait_for_frames(10, 20s) >= 10);
  const auto frames = again.take_video_frames();
  CHECK(frames.front().frame_index == 1);
  CHECK(frames.front().frame_type == 2);
  again.disconnect();
}

TEST_CASE("a vanished client is cleaned up within 10 s and the next one streams", "[integration][streaming]") {
  Streaming s;
  {
    StreamClient sc(s.start(false, 1));
    sc.handshake();
    sc.start_streaming();
    INFO(stream_failure(s, sc));
    REQUIRE(sc.wait_for_frames(10, 20s) >= 10);
    sc.vanish();
  }
  const auto vanished_at = std::chrono::steady_clock::now();
  REQUIRE(server_log_has(s, "client vanished", 12s));
  CHECK(std::chrono::steady_clock::now() - vanished_at < 10s);
  StreamClient next(s.start(true, 1));
  next.handshake();
  next.start_streaming();
  INFO(stream_failure(s, next));
  REQUIRE(next.wait_for_frames(10, 20s) >= 10);
  next.disconnect();
}

TEST_CASE("/cancel and server shutdown send the graceful termination to a streaming client; state survives SIGTERM",
          "[integration][streaming]") {
  Streaming s;
  {
    StreamClient sc(s.start(false, 1));
    sc.handshake();
    sc.start_streaming();
    INFO(stream_failure(s, sc));
    REQUIRE(sc.wait_for_frames(5, 20s) >= 5);
    REQUIRE(s.client->cancel().ok());
    const auto code = sc.wait_for_termination(5s);
    REQUIRE(code);
    CHECK(*code == 0x80030023u);  // control.md §5 NVST_DISCONN_SERVER_TERMINATED_CLOSED
  }
  // SIGTERM mid-stream (issue 9: the session gets the termination message, state is flushed,
  // exit 0 within 5 s), and the state on disk is exactly what it was while streaming. (The
  // snapshot is taken after the last HTTP request: those may legitimately update last_seen.)
  std::map<std::string, std::string> state_before;
  {
    StreamClient sc(s.start(false, 1));
    sc.handshake();
    sc.start_streaming();
    INFO(stream_failure(s, sc));
    REQUIRE(sc.wait_for_frames(5, 20s) >= 5);
    state_before = state_files(s.scenario.host().state_dir());
    REQUIRE(state_before.count("identity.json") == 1);
    REQUIRE(state_before.count("clients.json") == 1);
    REQUIRE(s.scenario.host().stop(5s) == 0);
    const auto code = sc.wait_for_termination(5s);
    REQUIRE(code);
    CHECK(*code == 0x80030023u);
  }
  CHECK(state_files(s.scenario.host().state_dir()) == state_before);
  // After a restart the same client is still paired (same pinned certificate) and streams.
  s.scenario.host().start();
  const XmlReply info = s.client->serverinfo_https();
  REQUIRE(info.ok());
  CHECK(info.text("PairStatus") == "1");
  StreamClient again(s.start(false, 1));
  again.handshake();
  again.start_streaming();
  INFO(stream_failure(s, again));
  CHECK(again.wait_for_frames(5, 20s) >= 5);
  again.disconnect();
}

}  // namespace lightwell::test
