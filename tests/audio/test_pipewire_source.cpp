// The PipeWire capture source against a real headless PipeWire (tests/support/pipewire_fixture):
// a WAV with a distinct tone per channel is played into the null sink with pw-play, captured
// from the sink's monitor, and each channel must carry its own tone in the encoder's position
// (audio.md §2.3), for stereo, 5.1 and 7.1; the virtual sink, default switching and restoring,
// and surviving a PipeWire restart (issue 6).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <mutex>
#include <string>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <vector>

#include "lightwell/audio/pipewire_source.hpp"
#include "pipewire_fixture.hpp"
#include "tone_margin.hpp"
#include "tone_wav.hpp"

using lightwell::test::PipeWireFixture;
namespace audio = lightwell::audio;

namespace {

constexpr double kToneHz[8] = {300, 500, 700, 900, 1100, 1300, 1500, 1700};

// Plays a tone WAV with pw-play (into `target`, or the default sink when empty) while reading
// up to 1 s of non-silent audio from `source`; checks every channel carries its own tone.
// With source_channels > channels (a session wider than what is captured), the extra channels
// must be exactly silent.
void check_tones(const PipeWireFixture& pw, lightwell::audio::AudioSource& source, std::uint16_t channels,
                 const char* map, const std::string& target, std::uint32_t wav_rate_hz = 48000,
                 std::uint16_t source_channels = 0) {
  if (source_channels == 0) source_channels = channels;
  const auto wav = pw.runtime_dir() / "tones.wav";
  lightwell::test::write_tone_wav(wav, channels, 3.0, [](std::uint16_t c) { return kToneHz[c]; }, 0.3, wav_rate_hz);
  std::vector<std::string> argv = {"pw-play", "--channels", std::to_string(channels), "--channel-map", map};
  if (!target.empty()) argv.insert(argv.end(), {"--target", target});
  argv.push_back(wav.string());
  std::thread player([&] { pw.run_client(argv, std::chrono::seconds(20)); });
  std::vector<float> frame(240u * source_channels);
  std::vector<float> captured;
  bool extra_silent = true;
  int ok_frames = 0;
  for (int i = 0; i < 2000 && ok_frames < 200; ++i) {  // up to 200 good frames = 1 s of audio
    if (source.read(frame, std::chrono::milliseconds(50)) == audio::AudioStatus::ok) {
      double energy = 0;
      for (float v : frame) energy += v * v;
      if (energy > 1e-3) {
        ++ok_frames;
        for (std::size_t f = 0; f < 240; ++f) {
          for (std::size_t c = 0; c < source_channels; ++c) {
            const float v = frame[f * source_channels + c];
            if (c < channels) {
              captured.push_back(v);
            } else {
              extra_silent = extra_silent && v == 0.0f;
            }
          }
        }
      }
    }
  }
  player.join();
  REQUIRE(ok_frames == 200);
  CHECK(extra_silent);
  // Own tone ≥ 20 dB over every other channel's tone (median over 20 ms blocks: a loaded
  // machine makes glitches, which are not what this checks; tests/support/tone_margin.hpp).
  const auto margins = lightwell::test::tone_margins(captured, channels, [](std::size_t c) { return kToneHz[c]; });
  CHECK(margins.signal_blocks >= 40);
  for (std::size_t c = 0; c < channels; ++c) {
    INFO("channel " << c << ": median margin " << margins.median_db[c] << " dB over " << margins.signal_blocks
                    << " blocks");
    CHECK(margins.median_db[c] >= 20.0);
  }
}

// The reader in these tests is not paced like the session's audio thread: on a loaded
// machine it falls behind, and the default 20 ms backlog limit would then drop audio (by
// design, for latency) and cut the tones into pieces. These tests check routing, not latency.
audio::PipeWireSourceOptions tone_test_options() {
  audio::PipeWireSourceOptions o;
  o.max_backlog_ms = 150;
  return o;
}

// Collects on_event lines (called from the source's supervisor thread).
struct Events {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::function<void(std::string_view)> sink() {
    return [this](std::string_view line) {
      std::lock_guard lock(mutex);
      lines.emplace_back(line);
    };
  }
  // Waits until `count` lines containing `text` were reported.
  bool wait_for(const std::string& text, std::size_t count = 1, std::chrono::milliseconds within = std::chrono::seconds(15)) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    for (;;) {
      {
        std::lock_guard lock(mutex);
        std::size_t n = 0;
        for (const auto& l : lines) n += l.find(text) != std::string::npos ? 1 : 0;
        if (n >= count) return true;
      }
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  std::string all() {
    std::lock_guard lock(mutex);
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
};

std::string node_list(const PipeWireFixture& pw) {
  std::string out;
  pw.run_client({"pw-cli", "ls", "Node"}, std::chrono::seconds(5), &out);
  return out;
}

}  // namespace

TEST_CASE("pipewire: without a running PipeWire, one attempt throws and the session source streams silence", "[pipewire]") {
  const auto empty = std::filesystem::temp_directory_path() / "lightwell-no-pipewire";
  std::filesystem::create_directories(empty);
  ::setenv("PIPEWIRE_RUNTIME_DIR", empty.c_str(), 1);
  audio::PipeWireSourceOptions o = tone_test_options();
  CHECK_THROWS_WITH(audio::connect_pipewire_source(o), Catch::Contains("not running"));

  Events events;
  o.on_event = events.sink();
  o.reconnect_interval = std::chrono::milliseconds(50);
  auto source = audio::make_pipewire_source(o);
  std::vector<float> frame(480, 1.0f);
  CHECK(source->read(frame, std::chrono::milliseconds(5)) == audio::AudioStatus::silence);
  CHECK(std::all_of(frame.begin(), frame.end(), [](float v) { return v == 0.0f; }));
  REQUIRE(events.wait_for("not running"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // several retries: still one line
  const std::string reported = events.all();
  CHECK(reported.find("retrying every 50 ms") != std::string::npos);
  CHECK(std::count(reported.begin(), reported.end(), '\n') == 1);
  source.reset();
  std::filesystem::remove_all(empty);
}

TEST_CASE("pipewire: bad options are refused before anything connects", "[pipewire]") {
  audio::PipeWireSourceOptions o = tone_test_options();
  o.channels = 4;
  CHECK_THROWS_AS(audio::make_pipewire_source(o), std::invalid_argument);
  o.channels = 2;
  o.max_backlog_ms = o.ring_ms;
  CHECK_THROWS_AS(audio::make_pipewire_source(o), std::invalid_argument);
}

// A named sink with the session's layout: a stereo stream played into a 7.1 sink is upmixed by
// PipeWire (≈ -15 dB crosstalk measured), which is why the virtual sink takes the session's
// layout.
void run_named_sink(std::uint16_t channels, const char* map, const char* positions) {
  REQUIRE(PipeWireFixture::available());
  lightwell::test::PipeWireFixtureOptions options;
  options.sink_positions = positions;
  PipeWireFixture pw(options);
  ::setenv("PIPEWIRE_RUNTIME_DIR", pw.runtime_dir().c_str(), 1);
  audio::PipeWireSourceOptions o = tone_test_options();
  o.channels = channels;
  o.target_sink = pw.sink_name();
  auto source = audio::connect_pipewire_source(o);
  CHECK(pw.default_sink(std::chrono::seconds(5)) == pw.sink_name());  // a named sink leaves the default alone
  check_tones(pw, *source, channels, map, pw.sink_name());
}

TEST_CASE("pipewire: a named sink is captured with each tone in its channel, stereo", "[pipewire]") {
  run_named_sink(2, "FL,FR", "FL FR");
}

TEST_CASE("pipewire: a named sink is captured with each tone in its channel, 5.1", "[pipewire]") {
  run_named_sink(6, "FL,FR,FC,LFE,RL,RR", "FL FR FC LFE RL RR");
}

TEST_CASE("pipewire: a sink name that does not exist is a clear error", "[pipewire]") {
  REQUIRE(PipeWireFixture::available());
  PipeWireFixture pw;
  ::setenv("PIPEWIRE_RUNTIME_DIR", pw.runtime_dir().c_str(), 1);
  audio::PipeWireSourceOptions o = tone_test_options();
  o.target_sink = "no-such-sink";
  CHECK_THROWS_WITH(audio::connect_pipewire_source(o), Catch::Contains("no sink named \"no-such-sink\""));
}

// The default path (issue 6): the virtual sink with the session's layout becomes the default
// sink, what the guest plays into the default sink is captured, and when the session ends the
// previous default is back and the sink is gone.
TEST_CASE("pipewire: the virtual sink is the default while streaming, 7.1 tones arrive, the default is restored",
          "[pipewire]") {
  REQUIRE(PipeWireFixture::available());
  PipeWireFixture pw;  // its own null sink is the default
  ::setenv("PIPEWIRE_RUNTIME_DIR", pw.runtime_dir().c_str(), 1);
  Events events;
  audio::PipeWireSourceOptions o = tone_test_options();
  o.channels = 8;
  o.on_event = events.sink();
  auto source = audio::make_pipewire_source(o);
  REQUIRE(events.wait_for("capturing virtual sink lightwell-sink (7.1)"));
  CHECK(pw.default_sink(std::chrono::seconds(5)) == "lightwell-sink");
  check_tones(pw, *source, 8, "FL,FR,FC,LFE,RL,RR,SL,SR", "");  // played into the default sink
  source.reset();
  CHECK(pw.default_sink(std::chrono::seconds(5)) == pw.sink_name());
  CHECK(node_list(pw).find("lightwell-sink") == std::string::npos);
}

TEST_CASE("pipewire: a PipeWire restart is survived: silence meanwhile, then the virtual sink is back", "[pipewire]") {
  REQUIRE(PipeWireFixture::available());
  PipeWireFixture pw;
  ::setenv("PIPEWIRE_RUNTIME_DIR", pw.runtime_dir().c_str(), 1);
  Events events;
  audio::PipeWireSourceOptions o = tone_test_options();
  o.channels = 2;
  o.on_event = events.sink();
  o.reconnect_interval = std::chrono::milliseconds(100);
  auto source = audio::make_pipewire_source(o);
  REQUIRE(events.wait_for("capturing virtual sink"));
  pw.restart_pipewire();
  INFO(events.all());
  REQUIRE(events.wait_for("connection was lost"));
  std::vector<float> frame(480);
  CHECK(source->read(frame, std::chrono::milliseconds(5)) != audio::AudioStatus::error);
  REQUIRE(events.wait_for("capturing virtual sink", 2));
  CHECK(pw.default_sink(std::chrono::seconds(5)) == "lightwell-sink");
  check_tones(pw, *source, 2, "FL,FR", "");
  source.reset();
  CHECK(pw.default_sink(std::chrono::seconds(5)) == pw.sink_name());
}

TEST_CASE("pipewire: a 44.1 kHz player is resampled; the tones keep their pitch", "[pipewire]") {
  REQUIRE(PipeWireFixture::available());
  PipeWireFixture pw;
  ::setenv("PIPEWIRE_RUNTIME_DIR", pw.runtime_dir().c_str(), 1);
  Events events;
  audio::PipeWireSourceOptions o = tone_test_options();
  o.on_event = events.sink();
  auto source = audio::make_pipewire_source(o);
  REQUIRE(events.wait_for("capturing virtual sink lightwell-sink (stereo)"));
  // Goertzel at the 48 kHz frequencies: a pitch error of 48/44.1 (8.8 %) would miss them.
  check_tones(pw, *source, 2, "FL,FR", "", 44100);
}

TEST_CASE("pipewire: max_channels 2 gives a 5.1 session a stereo sink and silent extra channels", "[pipewire]") {
  REQUIRE(PipeWireFixture::available());
  PipeWireFixture pw;
  ::setenv("PIPEWIRE_RUNTIME_DIR", pw.runtime_dir().c_str(), 1);
  Events events;
  audio::PipeWireSourceOptions o = tone_test_options();
  o.channels = 6;
  o.max_channels = 2;
  o.on_event = events.sink();
  auto source = audio::make_pipewire_source(o);
  REQUIRE(source->channels() == 6);
  REQUIRE(events.wait_for("capturing virtual sink lightwell-sink (stereo)"));
  check_tones(pw, *source, 2, "FL,FR", "", 48000, 6);
}
