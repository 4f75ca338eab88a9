// Audio path cost on one core (docs/audio-pipeline.md): Opus encode time per packet for the
// six layouts of audio.md §2.5 at 5 ms (what every current client asks for high quality, and
// the default otherwise), and 10 ms for the normal-quality ones, plus test-tone generation.
// Every call is timed on its own, so the figures are percentiles of single calls (p50, p99 in
// µs): the audio thread has a 5 ms deadline per packet, and a p99 far above p50 on a shared
// machine is preemption, not the encoder. Figures only, never a verdict.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "lightwell/audio/opus_encoder.hpp"
#include "lightwell/audio/test_tone.hpp"
#include "report.hpp"

namespace audio = lightwell::audio;
using lightwell::bench::Figure;
using lightwell::bench::Report;

namespace {

using Clock = std::chrono::steady_clock;

struct Layout {
  const char* name;
  std::uint32_t channels;
  bool high_quality;
};

constexpr Layout kLayouts[] = {
    {"stereo/normal", 2, false}, {"stereo/high", 2, true}, {"5.1/normal", 6, false},
    {"5.1/high", 6, true},       {"7.1/normal", 8, false}, {"7.1/high", 8, true},
};

double percentile_us(std::vector<double>& samples_us, double p) {
  std::sort(samples_us.begin(), samples_us.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(samples_us.size() - 1));
  return samples_us[i];
}

// Encodes `packets` packets of the test tone, one timed call each (after 50 warm-up packets,
// which also let the encoder's analysis settle). Source reads are outside the timing.
std::vector<double> encode_times_us(const Layout& l, std::uint32_t duration_ms, int packets) {
  const audio::OpusConfig config = audio::opus_config_for(l.channels, l.high_quality, duration_ms);
  auto encoder = audio::make_opus_encoder(config);
  auto tone = audio::make_test_tone_source(l.channels);
  std::vector<float> pcm(encoder->frame_samples() * l.channels);
  std::vector<std::uint8_t> out(audio::opus_packet_bytes(config));
  std::vector<double> times;
  times.reserve(static_cast<std::size_t>(packets));
  for (int i = -50; i < packets; ++i) {
    if (tone->read(pcm, std::chrono::milliseconds(0)) != audio::AudioStatus::ok) std::abort();
    const auto start = Clock::now();
    const int n = encoder->encode(pcm, out);
    const auto end = Clock::now();
    if (n != static_cast<int>(out.size())) std::abort();  // CBR: exactly the packet size
    if (i >= 0) times.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  return times;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = lightwell::bench::quick_mode(argc, argv);
  const int packets = quick ? 200 : 4000;  // 1 s / 20 s of 5 ms audio
  Report report("bench_audio");

  for (const Layout& l : kLayouts) {
    for (std::uint32_t ms : {5u, 10u}) {
      if (ms == 10 && l.high_quality) continue;  // clients ask high quality with 5 ms only (audio.md §2.4)
      const auto config = audio::opus_config_for(l.channels, l.high_quality, ms);
      std::vector<double> t = encode_times_us(l, ms, ms == 5 ? packets : packets / 2);
      const std::string base = std::string("opus_encode/") + l.name + "/" + std::to_string(ms) + "ms";
      std::printf("# %s: %u kbps, %u streams / %u coupled, %zu-byte packets\n", base.c_str(), config.bitrate_bps / 1000,
                  config.streams, config.coupled_streams, audio::opus_packet_bytes(config));
      const double p50 = percentile_us(t, 0.50);
      report.add(Figure{base + "/p50", p50, "us/packet", ""});
      report.add(Figure{base + "/p99", percentile_us(t, 0.99), "us/packet", ""});
      // Share of one core the encoder needs in real time, from the median.
      report.add(Figure{base + "/core_share", 100.0 * p50 / (1000.0 * ms), "%", ""});
    }
  }

  // Test tone: one 5 ms read (240 frames), the audio thread's per-packet cost.
  for (std::uint32_t ch : {2u, 6u, 8u}) {
    auto tone = audio::make_test_tone_source(ch);
    std::vector<float> pcm(240 * ch);
    const double seconds = lightwell::bench::seconds_per_call(
        [&] {
          if (tone->read(pcm, std::chrono::milliseconds(0)) != audio::AudioStatus::ok) std::abort();
        },
        quick ? 0.02 : 0.5);
    report.add(Figure{"test_tone/" + std::to_string(ch) + "ch/5ms", seconds * 1e6, "us/read", ""});
  }
  return 0;
}
