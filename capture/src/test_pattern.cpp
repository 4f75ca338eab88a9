// The deterministic test pattern (test_pattern.hpp): drawing, reading the frame number back,
// PSNR, and the frame source.
//
// Speed: the source runs on the video thread at up to 1080p60 (docs/video-encoding.md), so a
// frame is drawn from tables built once per size: every luma row is one pass adding two
// precomputed rows (the scrolling gradient at the row's phase + a grain row), every chroma
// row a memcpy or memset, the square and the number cells memsets of runs.
#include "lightwell/capture/test_pattern.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace lightwell::capture {
namespace {

constexpr std::uint32_t kMaxSidePx = 8192;
constexpr std::uint32_t kMinSidePx = 16;
constexpr std::uint8_t kBlack = 16;   // BT.709 limited range luma
constexpr std::uint8_t kWhite = 235;
constexpr std::uint8_t kNeutralChroma = 128;
// The gradient is a triangle wave along x + y: 0 → 255 → 0 over this many pixels, so it
// has no hard edge, and moving 4 px per frame is plain motion an encoder can predict.
constexpr std::uint32_t kWavePeriodPx = 512;
constexpr std::uint32_t kScrollPxPerFrame = 4;
// Grain: ±kGrainAmplitude luma levels that change every frame. It cannot be predicted from the
// previous frame, so a CBR encoder has to spend its bits (the motion alone is nearly free),
// and it is small enough that dropping it all still leaves ~40 dB PSNR.
constexpr int kGrainAmplitude = 4;
static_assert(kWhite + kGrainAmplitude <= 255, "add_rows relies on no byte sum overflowing");
constexpr std::uint32_t kGrainPhases = 4096;  // distinct grain-row offsets
constexpr std::uint32_t kSquarePeriodFrames = 120;
// The bright square: luma white, a warm chroma so the chroma planes have moving content too.
constexpr std::uint8_t kSquareU = 64;
constexpr std::uint8_t kSquareV = 200;

void check_size(std::uint32_t width_px, std::uint32_t height_px) {
  const auto bad = [](std::uint32_t v) { return v < kMinSidePx || v > kMaxSidePx || v % 2 != 0; };
  if (bad(width_px) || bad(height_px)) {
    throw std::invalid_argument("test pattern size " + std::to_string(width_px) + "x" + std::to_string(height_px) +
                                " is not drawable: each side must be even and within 16..8192 px");
  }
}

// SplitMix64 step: a fixed, portable sequence (the pattern must be identical everywhere).
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Everything about a size that does not depend on the frame number.
struct Tables {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  // wave[i] = gradient luma at diagonal phase i (mod the period), minus kGrainAmplitude;
  // width + period entries, so any phase's row is one contiguous run.
  std::vector<std::uint8_t> wave;
  // grain[i] in 0 .. 2 * kGrainAmplitude; width + kGrainPhases entries.
  std::vector<std::uint8_t> grain;
  std::vector<std::uint8_t> u_row;  // the U plane's row (a horizontal gradient)

  Tables(std::uint32_t w, std::uint32_t h) : width(w), height(h) {
    wave.resize(w + kWavePeriodPx);
    for (std::size_t i = 0; i < wave.size(); ++i) {
      const std::uint32_t t = static_cast<std::uint32_t>(i % kWavePeriodPx);
      const std::uint32_t tri = t < kWavePeriodPx / 2 ? t : kWavePeriodPx - 1 - t;  // 0..255
      const std::uint32_t luma = kBlack + (tri * (kWhite - kBlack) + 127) / 255;
      wave[i] = static_cast<std::uint8_t>(luma - kGrainAmplitude);
    }
    grain.resize(w + kGrainPhases);
    for (std::size_t i = 0; i < grain.size(); ++i) {
      grain[i] = static_cast<std::uint8_t>(mix(i) % (2 * kGrainAmplitude + 1));
    }
    const std::uint32_t cw = w / 2;
    u_row.resize(cw);
    for (std::uint32_t x = 0; x < cw; ++x) u_row[x] = static_cast<std::uint8_t>(16 + x * 224 / cw);
  }
};

struct Planes {
  std::uint8_t* y;
  std::size_t y_stride;
  std::uint8_t* u;
  std::size_t u_stride;
  std::uint8_t* v;
  std::size_t v_stride;
};

// The square: side a quarter of the smaller dimension (even), centred vertically (below the
// number row whenever there is one), crossing left→right once per kSquarePeriodFrames.
struct Square {
  std::uint32_t x, y, side;
};
Square square_of(std::uint32_t n, std::uint32_t w, std::uint32_t h) {
  const std::uint32_t side = std::max<std::uint32_t>(2, (std::min(w, h) / 4) & ~1u);
  const std::uint32_t phase = n % kSquarePeriodFrames;
  const std::uint32_t x = static_cast<std::uint32_t>(static_cast<std::uint64_t>(phase) * (w - side) /
                                                     (kSquarePeriodFrames - 1)) & ~1u;
  return Square{x, ((h - side) / 2) & ~1u, side};
}

// dst = a + b bytewise. No byte sum exceeds 255 (wave ≤ 231, grain ≤ 8), so eight bytes add
// as one 64-bit integer without carries crossing bytes: 8× fewer operations than a byte loop,
// whatever the compiler vectorises.
void add_rows(std::uint8_t* dst, const std::uint8_t* a, const std::uint8_t* b, std::uint32_t n) {
  std::uint32_t x = 0;
  for (; x + 8 <= n; x += 8) {
    std::uint64_t va, vb;
    std::memcpy(&va, a + x, 8);
    std::memcpy(&vb, b + x, 8);
    const std::uint64_t sum = va + vb;
    std::memcpy(dst + x, &sum, 8);
  }
  for (; x < n; ++x) dst[x] = static_cast<std::uint8_t>(a[x] + b[x]);
}

void draw(std::uint32_t n, const Tables& t, const Planes& p) {
  const std::uint32_t w = t.width, h = t.height;
  // Luma: gradient row at phase (y + 4n) plus a grain row picked by hashing (n, y).
  const std::uint32_t scroll = static_cast<std::uint32_t>((static_cast<std::uint64_t>(n) * kScrollPxPerFrame) % kWavePeriodPx);
  const std::uint64_t frame_key = mix(0x5EEDull ^ (static_cast<std::uint64_t>(n) << 20));
  for (std::uint32_t y = 0; y < h; ++y) {
    const std::uint8_t* wave = t.wave.data() + (y + scroll) % kWavePeriodPx;
    const std::uint8_t* grain = t.grain.data() + mix(frame_key + y) % kGrainPhases;
    add_rows(p.y + y * p.y_stride, wave, grain, w);
  }
  // Chroma: U varies along x (one copied row), V along y (one value per row).
  const std::uint32_t cw = w / 2, ch = h / 2;
  for (std::uint32_t y = 0; y < ch; ++y) {
    std::memcpy(p.u + y * p.u_stride, t.u_row.data(), cw);
    std::memset(p.v + y * p.v_stride, 16 + static_cast<int>(y * 224 / ch), cw);
  }
  const Square sq = square_of(n, w, h);
  for (std::uint32_t y = sq.y; y < sq.y + sq.side; ++y) std::memset(p.y + y * p.y_stride + sq.x, kWhite, sq.side);
  for (std::uint32_t y = sq.y / 2; y < (sq.y + sq.side) / 2; ++y) {
    std::memset(p.u + y * p.u_stride + sq.x / 2, kSquareU, sq.side / 2);
    std::memset(p.v + y * p.v_stride + sq.x / 2, kSquareV, sq.side / 2);
  }
  if (w < kTestPatternMinWidthPx || h < kTestPatternMinHeightPx) return;
  // The number row: 32 macroblock-aligned cells, most significant bit first, chroma neutral.
  constexpr std::uint32_t cell = kTestPatternCellPx;
  for (std::uint32_t y = 0; y < cell; ++y) {
    std::uint8_t* row = p.y + y * p.y_stride;
    for (std::uint32_t bit = 0; bit < 32; ++bit) {
      const bool one = ((n >> (31 - bit)) & 1u) != 0;
      std::memset(row + bit * cell, one ? kWhite : kBlack, cell);
    }
  }
  for (std::uint32_t y = 0; y < cell / 2; ++y) {
    std::memset(p.u + y * p.u_stride, kNeutralChroma, 32 * cell / 2);
    std::memset(p.v + y * p.v_stride, kNeutralChroma, 32 * cell / 2);
  }
}

class TestPatternSource final : public FrameSource {
 public:
  TestPatternSource(std::uint32_t w, std::uint32_t h)
      : tables_(w, h), y_(std::size_t{w} * h), u_(std::size_t{w / 2} * (h / 2)), v_(u_.size()) {}

  CaptureStatus capture(Frame& out, std::chrono::milliseconds /*timeout*/) override {
    const std::uint32_t w = tables_.width, h = tables_.height;
    const std::uint32_t number = static_cast<std::uint32_t>(next_);  // drawn modulo 2^32
    draw(number, tables_, Planes{y_.data(), w, u_.data(), w / 2, v_.data(), w / 2});
    out.width_px = w;
    out.height_px = h;
    out.format = PixelFormat::i420;
    out.planes = {FramePlane{y_.data(), w}, FramePlane{u_.data(), w / 2}, FramePlane{v_.data(), w / 2}};
    out.plane_count = 3;
    out.captured_at = std::chrono::steady_clock::now();
    out.sequence = next_;
    ++next_;
    return CaptureStatus::ok;
  }

  std::string_view name() const noexcept override { return "test-pattern"; }

 private:
  Tables tables_;
  std::vector<std::uint8_t> y_, u_, v_;  // allocated once; every frame is drawn in place
  std::uint64_t next_ = 1;
};

}  // namespace

I420Image render_test_pattern(std::uint32_t frame_number, std::uint32_t width_px, std::uint32_t height_px) {
  check_size(width_px, height_px);
  I420Image img;
  img.width_px = width_px;
  img.height_px = height_px;
  img.y.resize(std::size_t{width_px} * height_px);
  img.u.resize(std::size_t{width_px / 2} * (height_px / 2));
  img.v.resize(img.u.size());
  const Tables tables(width_px, height_px);
  draw(frame_number, tables, Planes{img.y.data(), width_px, img.u.data(), width_px / 2, img.v.data(), width_px / 2});
  return img;
}

std::optional<std::uint32_t> read_test_pattern_number(const std::uint8_t* luma, std::size_t stride_bytes,
                                                      std::uint32_t width_px, std::uint32_t height_px) {
  if (luma == nullptr || width_px < kTestPatternMinWidthPx || height_px < kTestPatternMinHeightPx ||
      stride_bytes < width_px) {
    return std::nullopt;
  }
  constexpr std::uint32_t cell = kTestPatternCellPx;
  constexpr std::uint32_t margin = cell / 4;  // the 8×8 centre of a 16×16 cell
  std::uint32_t number = 0;
  for (std::uint32_t bit = 0; bit < 32; ++bit) {
    std::uint32_t sum = 0;
    for (std::uint32_t y = margin; y < cell - margin; ++y) {
      const std::uint8_t* row = luma + y * stride_bytes + bit * cell;
      for (std::uint32_t x = margin; x < cell - margin; ++x) sum += row[x];
    }
    const std::uint32_t samples = (cell - 2 * margin) * (cell - 2 * margin);
    // Mean above mid-grey (16 + 235) / 2 → a one.
    number = (number << 1) | (2 * sum > samples * (kBlack + kWhite) ? 1u : 0u);
  }
  return number;
}

double psnr_i420_db(const I420Image& reference, const std::uint8_t* const planes[3], const std::size_t strides[3]) {
  const std::uint32_t w = reference.width_px, h = reference.height_px;
  const std::vector<std::uint8_t>* ref[3] = {&reference.y, &reference.u, &reference.v};
  std::uint64_t sse = 0, samples = 0;
  for (int i = 0; i < 3; ++i) {
    const std::uint32_t pw = i == 0 ? w : w / 2, ph = i == 0 ? h : h / 2;
    for (std::uint32_t y = 0; y < ph; ++y) {
      const std::uint8_t* a = ref[i]->data() + std::size_t{y} * pw;
      const std::uint8_t* b = planes[i] + y * strides[i];
      for (std::uint32_t x = 0; x < pw; ++x) {
        const int d = int{a[x]} - int{b[x]};
        sse += static_cast<std::uint64_t>(d * d);
      }
    }
    samples += std::uint64_t{pw} * ph;
  }
  if (sse == 0 || samples == 0) return 100.0;
  const double mse = static_cast<double>(sse) / static_cast<double>(samples);
  return std::min(100.0, 10.0 * std::log10(255.0 * 255.0 / mse));
}

std::unique_ptr<FrameSource> make_test_pattern_source(std::uint32_t width_px, std::uint32_t height_px) {
  check_size(width_px, height_px);
  return std::make_unique<TestPatternSource>(width_px, height_px);
}

}  // namespace lightwell::capture
