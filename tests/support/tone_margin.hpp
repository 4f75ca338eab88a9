// Per-channel "is this channel's own tone there, and not the others'": the power of the
// channel's tone over the strongest other channel's tone, in dB, measured in blocks and
// summarised by the median over the blocks that carry signal. Test-only, header-only.
//
// Why blocks and a median: captured audio may have discontinuities (a late reader drops
// backlog by design, a loaded machine makes a player xrun). One Goertzel over the whole
// capture smears a discontinuity's energy over every tone frequency and mixes up "wrong
// channel" with "glitch"; a median over 20 ms blocks ignores a minority of glitchy blocks.
// With 960-sample blocks every tone on a multiple of 50 Hz sits exactly on a bin.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <numbers>
#include <vector>

namespace lightwell::test {

inline double goertzel_block(const std::vector<float>& pcm, std::size_t channels, std::size_t channel,
                             std::size_t first_frame, std::size_t frames, double freq_hz) {
  const double coeff = 2.0 * std::cos(2.0 * std::numbers::pi * freq_hz / 48000.0);
  double s1 = 0, s2 = 0;
  for (std::size_t f = first_frame; f < first_frame + frames; ++f) {
    const double s0 = pcm[f * channels + channel] + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

struct ToneMargins {
  std::vector<double> median_db;  // per channel; 0 when no block carried signal
  std::size_t signal_blocks = 0;  // blocks where some tone was present (channel 0's view)
};

// pcm: interleaved, `channels` wide; hz(c) = the tone channel c should carry.
inline ToneMargins tone_margins(const std::vector<float>& pcm, std::size_t channels,
                                const std::function<double(std::size_t)>& hz, std::size_t block_frames = 960) {
  ToneMargins out;
  const std::size_t frames = pcm.size() / channels;
  for (std::size_t c = 0; c < channels; ++c) {
    std::vector<double> margins;
    for (std::size_t b = 0; b + block_frames <= frames; b += block_frames) {
      const double own = goertzel_block(pcm, channels, c, b, block_frames, hz(c));
      double other = 0;
      for (std::size_t k = 0; k < channels; ++k) {
        if (k != c) other = std::max(other, goertzel_block(pcm, channels, c, b, block_frames, hz(k)));
      }
      // A block is "signal" when a tone of amplitude >= ~0.01 is there (Goertzel power of a
      // sine of amplitude A over N samples is (A N / 2)^2).
      const double floor = std::pow(0.01 * static_cast<double>(block_frames) / 2.0, 2);
      if (std::max(own, other) < floor) continue;
      margins.push_back(10.0 * std::log10(std::max(own, 1e-12) / std::max(other, 1e-12)));
    }
    if (c == 0) out.signal_blocks = margins.size();
    if (margins.empty()) {
      out.median_db.push_back(0.0);
      continue;
    }
    std::nth_element(margins.begin(), margins.begin() + static_cast<std::ptrdiff_t>(margins.size() / 2), margins.end());
    out.median_db.push_back(margins[margins.size() / 2]);
  }
  return out;
}

}  // namespace lightwell::test
