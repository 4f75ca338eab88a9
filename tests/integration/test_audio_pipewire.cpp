// Issue 6 black-box: the real `lightwell serve` captures a real headless PipeWire
// (tests/support/pipewire_fixture) while our test client streams. A WAV with the test tone of
// each channel (FL 600 Hz, FR 2400, …; audio/test_tone.hpp) is played into the DEFAULT sink
// with pw-play, the way any guest application plays sound; the client decodes the session's
// Opus with libopus and every channel must carry its own tone (audio.md §2.3 order).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "lightwell/audio/test_tone.hpp"
#include "media_checks.hpp"
#include "pipewire_fixture.hpp"
#include "stream_client.hpp"
#include "streaming_support.hpp"
#include "tone_wav.hpp"

namespace lightwell::test {
namespace {

const char* channel_map(std::uint32_t channels) {
  return channels == 2 ? "FL,FR" : channels == 6 ? "FL,FR,FC,LFE,RL,RR" : "FL,FR,FC,LFE,RL,RR,SL,SR";
}

// surroundAudioInfo = (channel mask << 16) | channels (http-pairing.md, audio.md §2.3).
std::uint32_t surround_audio_info(std::uint32_t channels) {
  const std::uint32_t mask = channels == 2 ? 0x3 : channels == 6 ? 0x3F : 0x63F;
  return (mask << 16) | channels;
}

LightwellOptions pipewire_server(const PipeWireFixture& pw) {
  LightwellOptions o;
  o.audio_source = "pipewire";
  o.environment = {"XDG_RUNTIME_DIR=" + pw.runtime_dir().string(), "PIPEWIRE_RUNTIME_DIR=" + pw.runtime_dir().string()};
  return o;
}

// Plays the tones into the default sink on a thread for `seconds`.
class TonePlayer {
 public:
  TonePlayer(const PipeWireFixture& pw, std::uint32_t channels, double seconds) {
    const auto wav = pw.runtime_dir() / ("session-tones-" + std::to_string(channels) + ".wav");
    write_tone_wav(wav, static_cast<std::uint16_t>(channels), seconds,
                   [](std::uint16_t c) { return audio::test_tone_frequency_hz(c); });
    thread_ = std::thread([&pw, channels, wav, seconds] {
      pw.run_client({"pw-play", "--channels", std::to_string(channels), "--channel-map", channel_map(channels),
                     wav.string()},
                    std::chrono::milliseconds(static_cast<int>(seconds * 1000) + 10'000));
    });
  }
  ~TonePlayer() { thread_.join(); }
  TonePlayer(const TonePlayer&) = delete;
  TonePlayer& operator=(const TonePlayer&) = delete;

 private:
  std::thread thread_;
};

// While tones play (5 s): the session's audio must carry every tone in its own channel. The
// 3.5 s looked at include the player's start, however slow on a loaded machine; blocks
// without signal do not count (tone_margin.hpp), at least 0.5 s with signal is required.
void check_tones_arrive(const Streaming& s, StreamClient& sc, const PipeWireFixture& pw, std::uint32_t channels,
                        bool high_quality) {
  INFO(stream_failure(s, sc));
  sc.take_audio_packets();
  TonePlayer player(pw, channels, 5.0);
  std::this_thread::sleep_for(3500ms);
  const auto packets = sc.take_audio_packets();
  REQUIRE(packets.size() >= 300);
  const auto layout = client_opus_layout(sc.handshake_result().describe_body, static_cast<int>(channels), high_quality);
  REQUIRE(layout);
  const AudioCheck check = check_audio(packets, *layout);
  INFO("audio: " << check.error << ", " << check.signal_blocks << " blocks with signal");
  CHECK(check.error.empty());
  CHECK(check.signal_blocks >= 25);
  REQUIRE(check.own_tone_margin_db.size() == channels);
  for (std::size_t c = 0; c < channels; ++c) {
    INFO("channel " << c << " margin " << check.own_tone_margin_db[c] << " dB");
    CHECK(check.own_tone_margin_db[c] >= 20.0);
  }
}

struct Case {
  std::uint32_t channels;
  bool encrypted;       // rtspenc + encrypted audio and video (corever 1) or plain (corever 0)
  bool drop_per_block;  // drop one packet of every FEC block, recovered by the client
};

void stream_with_pipewire(const Case& c) {
  REQUIRE(PipeWireFixture::available());
  PipeWireFixture pw;  // its null sink "lightwell-test-sink" is the default
  Streaming s(pipewire_server(pw));
  StreamClientOptions o = s.start(false, c.encrypted ? 1 : 0, surround_audio_info(c.channels));
  o.video_encryption = c.encrypted;
  o.audio_encryption = c.encrypted;
  o.audio_channels = c.channels;
  // High quality for stereo; surround in normal quality (the client asks for high-quality
  // surround only at a video bitrate of 15000 kbps or more, audio.md), as test_streaming.cpp does.
  o.high_quality_audio = c.channels == 2;
  o.drop_one_packet_per_fec_block = c.drop_per_block;
  StreamClient sc(o);
  sc.handshake();
  sc.start_streaming();
  INFO(stream_failure(s, sc));
  const std::string layout = c.channels == 2 ? "stereo" : c.channels == 6 ? "5.1" : "7.1";
  REQUIRE(server_log_has(s, "pipewire: capturing virtual sink lightwell-sink (" + layout + ")", 15s));
  CHECK(pw.default_sink(5s) == "lightwell-sink");
  check_tones_arrive(s, sc, pw, c.channels, o.high_quality_audio);
  if (c.drop_per_block) {
    const StreamCounters counters = sc.counters();
    CHECK(counters.audio_dropped_on_purpose > 0);
    CHECK(counters.audio_fec_recoveries > 0);
    CHECK(counters.audio_packets_lost == 0);
  }
  sc.disconnect();
  REQUIRE(server_log_has(s, "client disconnected", 10s));
  // The session's end removed the virtual sink and gave the default back.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (pw.default_sink(5s) != pw.sink_name() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  CHECK(pw.default_sink(5s) == pw.sink_name());
}

}  // namespace

TEST_CASE("pipewire session audio: stereo, encrypted, one packet per FEC block dropped and recovered",
          "[integration][pipewire]") {
  stream_with_pipewire({2, true, true});
}

TEST_CASE("pipewire session audio: 5.1, plain", "[integration][pipewire]") { stream_with_pipewire({6, false, false}); }

TEST_CASE("pipewire session audio: 7.1, encrypted", "[integration][pipewire]") { stream_with_pipewire({8, true, false}); }

TEST_CASE("pipewire session audio: a PipeWire restart mid-stream is survived", "[integration][pipewire]") {
  REQUIRE(PipeWireFixture::available());
  PipeWireFixture pw;
  Streaming s(pipewire_server(pw));
  StreamClientOptions o = s.start(false, 1, surround_audio_info(2));
  StreamClient sc(o);
  sc.handshake();
  sc.start_streaming();
  INFO(stream_failure(s, sc));
  REQUIRE(server_log_has(s, "pipewire: capturing virtual sink", 15s));
  pw.restart_pipewire();
  REQUIRE(server_log_has(s, "pipewire: the connection was lost", 10s));
  // Reconnected: a second "capturing" line, and the stream never stopped.
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  auto capturing_lines = [&] {
    const std::string log = s.scenario.host().log();
    std::size_t n = 0;
    for (auto at = log.find("pipewire: capturing virtual sink"); at != std::string::npos;
         at = log.find("pipewire: capturing virtual sink", at + 1)) {
      ++n;
    }
    return n;
  };
  while (capturing_lines() < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(50ms);
  REQUIRE(capturing_lines() >= 2);
  sc.take_video_frames();
  REQUIRE(sc.wait_for_frames(30, 20s) >= 30);
  CHECK(pw.default_sink(5s) == "lightwell-sink");
  check_tones_arrive(s, sc, pw, 2, true);
  const StreamCounters counters = sc.counters();
  CHECK_FALSE(counters.termination_hresult.has_value());
  sc.disconnect();
}

TEST_CASE("pipewire session audio: without PipeWire the session streams silence and the log says why",
          "[integration][pipewire]") {
  LightwellOptions options;
  options.audio_source = "pipewire";
  // A runtime directory with no PipeWire socket in it.
  const auto empty = std::filesystem::temp_directory_path() / ("lightwell-no-pw-" + std::to_string(::getpid()));
  std::filesystem::create_directories(empty);
  options.environment = {"XDG_RUNTIME_DIR=" + empty.string(), "PIPEWIRE_RUNTIME_DIR=" + empty.string()};
  {
    Streaming s(std::move(options));
    StreamClient sc(s.start(false, 1));
    sc.handshake();
    sc.start_streaming();
    INFO(stream_failure(s, sc));
    CHECK(server_log_has(s, "audio: PipeWire is not reachable", 1s));  // said at start-up already
    CHECK(server_log_has(s, "pipewire: not running", 15s));
    CHECK(server_log_has(s, "streaming silence", 1s));
    REQUIRE(sc.wait_for_frames(30, 20s) >= 30);
    sc.take_audio_packets();
    REQUIRE(sc.wait_for_audio_packets(100, 10s) >= 100);
    const auto packets = sc.take_audio_packets();
    const auto layout = client_opus_layout(sc.handshake_result().describe_body, 2, true);
    REQUIRE(layout);
    const AudioCheck check = check_audio(packets, *layout);
    CHECK(check.error.empty());
    CHECK(check.decoded_packets == packets.size());
    sc.disconnect();
  }
  std::filesystem::remove_all(empty);
}

}  // namespace lightwell::test
