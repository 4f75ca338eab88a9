// lightwell_stream_check FRAMES_FILE - the host half of the streaming guest test
// (stream-in-guest.sh): decodes every frame the guest's client received (stream_guest_main.cpp)
// with libavcodec and checks the colours against the picture the guest drew (stream_pattern.hpp):
//   - every frame decodes, at the stream's size (= the first mode), the first is an IDR;
//   - phase 1 (the first mode): the centre of each of the 48 blocks has the drawn colour
//     (Y, Cb, Cr within 8 code values of BT.709 limited range — what the test client
//     negotiates, encoderCscMode 2); where the guest showed a cursor, its opaque white half
//     is white and its half-transparent black half is the block colour × 127/255;
//   - phase 2 (after the mode change to another shape): the picture is the second one, fitted
//     into the stream's size with its aspect kept (encode::fit_rect) and black bars outside.
// The expected YUV values come from the BT.709 formulas here, not from our converter.
// Exit 0 = pass; prints one line per failure (at most 20) and a summary.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "lightwell/encode/convert.hpp"
#include "stream_pattern.hpp"
#include "video_decoder.hpp"

namespace sg = lightwell::test::stream_guest;

namespace {

struct Yuv {
  double y, cb, cr;
};

// BT.709-6 item 3.2/3.4, limited range.
Yuv bt709_limited(double r, double g, double b) {
  r /= 255.0, g /= 255.0, b /= 255.0;
  const double kr = 0.2126, kb = 0.0722, kg = 1 - kr - kb;
  const double y = kr * r + kg * g + kb * b;
  return Yuv{16 + 219 * y, 128 + 224 * (b - y) / (2 * (1 - kb)), 128 + 224 * (r - y) / (2 * (1 - kr))};
}

int failures = 0;
void failure(const std::string& what) {
  if (++failures <= 20) std::printf("FAIL: %s\n", what.c_str());
}

// Mean Y, Cb, Cr over the rectangle [x0, x1) × [y0, y1) of a decoded picture.
Yuv mean(const lightwell::test::DecodedPicture& p, int x0, int y0, int x1, int y1) {
  double sy = 0, su = 0, sv = 0;
  int n = 0, nc = 0;
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) {
      sy += p.planes[0][static_cast<std::size_t>(y) * p.strides[0] + static_cast<std::size_t>(x)];
      ++n;
      if (y % 2 == 0 && x % 2 == 0) {
        su += p.planes[1][static_cast<std::size_t>(y / 2) * p.strides[1] + static_cast<std::size_t>(x / 2)];
        sv += p.planes[2][static_cast<std::size_t>(y / 2) * p.strides[2] + static_cast<std::size_t>(x / 2)];
        ++nc;
      }
    }
  }
  return Yuv{sy / n, su / nc, sv / nc};
}

void expect(const std::string& where, const Yuv& got, const Yuv& want, double tolerance = 8) {
  if (std::fabs(got.y - want.y) > tolerance || std::fabs(got.cb - want.cb) > tolerance ||
      std::fabs(got.cr - want.cr) > tolerance) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s: YCbCr (%.1f, %.1f, %.1f), expected (%.1f, %.1f, %.1f)", where.c_str(), got.y,
                  got.cb, got.cr, want.y, want.cb, want.cr);
    failure(buf);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::printf("usage: lightwell_stream_check FRAMES_FILE\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  const std::vector<std::uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  sg::FileHeader h;
  if (file.size() < sizeof h || std::memcmp(file.data(), h.magic, sizeof h.magic) != 0) {
    std::printf("FAIL: %s is not a frames file\n", argv[1]);
    return 1;
  }
  std::memcpy(&h, file.data(), sizeof h);
  const int w = static_cast<int>(h.width1_px), ht = static_cast<int>(h.height1_px);
  std::printf("stream %dx%d; second screen %ux%u; cursor %s\n", w, ht, h.width2_px, h.height2_px,
              h.cursor_shown ? "shown" : "not shown");
  lightwell::test::H264Decoder decoder;
  std::size_t at = sizeof h;
  int frames[3] = {0, 0, 0}, checked[3] = {0, 0, 0};
  bool first = true;
  const auto fit = lightwell::encode::fit_rect(h.width2_px, h.height2_px, h.width1_px, h.height1_px);
  while (at + 6 <= file.size()) {
    const int phase = file[at];
    const int type = file[at + 1];
    std::uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n |= static_cast<std::uint32_t>(file[at + 2 + static_cast<std::size_t>(i)]) << (8 * i);
    at += 6;
    if (n > file.size() - at || phase > 2) {
      std::printf("FAIL: truncated frames file\n");
      return 1;
    }
    const std::span<const std::uint8_t> au(file.data() + at, n);
    at += n;
    const int index = frames[0] + frames[1] + frames[2];
    ++frames[phase];
    if (first && type != 2) failure("the first frame is not an IDR (type " + std::to_string(type) + ")");
    first = false;
    lightwell::test::DecodedPicture pic;
    if (!decoder.decode(au, pic)) {
      failure("frame " + std::to_string(index) + " (phase " + std::to_string(phase) + ") does not decode: " + decoder.error());
      continue;
    }
    if (pic.width_px != w || pic.height_px != ht) {
      failure("frame " + std::to_string(index) + " decodes to " + std::to_string(pic.width_px) + "x" +
              std::to_string(pic.height_px));
      continue;
    }
    if (phase == 0) continue;  // the picture changes during these
    ++checked[phase];
    const std::string tag = "frame " + std::to_string(index) + " phase " + std::to_string(phase);
    if (phase == 1) {
      for (std::uint32_t j = 0; j < sg::kRows; ++j) {
        for (std::uint32_t i = 0; i < sg::kColumns; ++i) {
          if (h.cursor_shown && i == 2 && j == 2) continue;  // checked below
          const int x0 = static_cast<int>(i) * w / 8, x1 = static_cast<int>(i + 1) * w / 8;
          const int y0 = static_cast<int>(j) * ht / 6, y1 = static_cast<int>(j + 1) * ht / 6;
          const auto c = sg::block_colour(i, j, 1);
          expect(tag + " block " + std::to_string(i) + "," + std::to_string(j),
                 mean(pic, x0 + (x1 - x0) / 4, y0 + (y1 - y0) / 4, x1 - (x1 - x0) / 4, y1 - (y1 - y0) / 4),
                 bt709_limited(c.r, c.g, c.b));
        }
      }
      if (h.cursor_shown) {
        const int cx = h.cursor_x_px, cy = h.cursor_y_px;
        expect(tag + " cursor, opaque white half", mean(pic, cx + 8, cy + 8, cx + 24, cy + 56), bt709_limited(255, 255, 255));
        const auto c = sg::block_colour(2, 2, 1);
        const double k = 127.0 / 255.0;
        expect(tag + " cursor, half-transparent black half", mean(pic, cx + 40, cy + 8, cx + 56, cy + 56),
               bt709_limited(c.r * k, c.g * k, c.b * k));
      }
    } else {
      // Block (i, j) of the second screen lands in fit: its centre region scaled.
      for (std::uint32_t j = 0; j < sg::kRows; ++j) {
        for (std::uint32_t i = 0; i < sg::kColumns; ++i) {
          const double bx0 = fit.x_px + fit.width_px * (i + 0.25) / 8, bx1 = fit.x_px + fit.width_px * (i + 0.75) / 8;
          const double by0 = fit.y_px + fit.height_px * (j + 0.25) / 6, by1 = fit.y_px + fit.height_px * (j + 0.75) / 6;
          const auto c = sg::block_colour(i, j, 2);
          expect(tag + " scaled block " + std::to_string(i) + "," + std::to_string(j),
                 mean(pic, static_cast<int>(bx0) + 1, static_cast<int>(by0) + 1, static_cast<int>(bx1) - 1,
                      static_cast<int>(by1) - 1),
                 bt709_limited(c.r, c.g, c.b));
        }
      }
      // The bars (if any): black, away from the picture's edge.
      if (fit.x_px >= 8) {
        expect(tag + " left bar", mean(pic, 0, 0, static_cast<int>(fit.x_px) - 4, ht), bt709_limited(0, 0, 0), 4);
        expect(tag + " right bar", mean(pic, static_cast<int>(fit.x_px + fit.width_px) + 4, 0, w, ht), bt709_limited(0, 0, 0), 4);
      }
      if (fit.y_px >= 8) {
        expect(tag + " top bar", mean(pic, 0, 0, w, static_cast<int>(fit.y_px) - 4), bt709_limited(0, 0, 0), 4);
        expect(tag + " bottom bar", mean(pic, 0, static_cast<int>(fit.y_px + fit.height_px) + 4, w, ht), bt709_limited(0, 0, 0), 4);
      }
    }
  }
  std::printf("frames: %d before, %d during, %d after the mode change; checked %d + %d; fit %ux%u at (%u, %u)\n",
              frames[1], frames[0], frames[2], checked[1], checked[2], fit.width_px, fit.height_px, fit.x_px, fit.y_px);
  if (checked[1] < 4) failure("fewer than 4 frames checked before the mode change");
  if (checked[2] < 4) failure("fewer than 4 frames checked after the mode change");
  std::printf("%s: %d failure(s)\n", failures == 0 ? "STREAM CHECK PASSED" : "STREAM CHECK FAILED", failures);
  return failures == 0 ? 0 : 1;
}
