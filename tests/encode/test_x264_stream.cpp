// x264 end to end: test-pattern frames → make_x264_encoder → libavcodec. Every picture must
// decode to the frame it came from (number read back, PSNR against the reference), and the
// access units must have the shape the client parses (video.md §10.2): an IDR first that starts
// SPS, PPS, IDR slice with nothing between; P frames after; IDR with parameter sets on request;
// the requested slice count.
#include <catch2/catch.hpp>

#include "encode_support.hpp"
#include "lightwell/capture/test_pattern.hpp"
#include "lightwell/encode/video_encoder.hpp"
#include "video_decoder.hpp"

namespace capture = lightwell::capture;
namespace encode = lightwell::encode;
namespace h264 = lightwell::test::h264;
using lightwell::test::config_for;
using lightwell::test::DecodedPicture;
using lightwell::test::encode_frames;
using lightwell::test::H264Decoder;
using lightwell::test::nal_types;

namespace {

// Decodes one access unit and checks it shows frame `number`: the number row reads back
// exactly and the picture is within `min_psnr_db` of the reference.
void check_decodes_to(H264Decoder& dec, std::span<const std::uint8_t> au, std::uint32_t number, std::uint32_t w,
                      std::uint32_t h, double min_psnr_db) {
  DecodedPicture pic;
  INFO("frame " << number);
  REQUIRE(dec.decode(au, pic));
  REQUIRE(pic.width_px == static_cast<int>(w));
  REQUIRE(pic.height_px == static_cast<int>(h));
  const auto read = capture::read_test_pattern_number(pic.planes[0], pic.strides[0], w, h);
  REQUIRE(read.has_value());
  CHECK(*read == number);
  const capture::I420Image ref = capture::render_test_pattern(number, w, h);
  const double psnr = capture::psnr_i420_db(ref, pic.planes, pic.strides);
  INFO("PSNR " << psnr << " dB");
  CHECK(psnr >= min_psnr_db);
}

}  // namespace

TEST_CASE("x264 720p at 10 Mbps: every frame decodes to its own number, PSNR >= 35 dB", "[x264][decode]") {
  const auto config = config_for(1280, 720, 10000);
  auto enc = encode::make_x264_encoder(config);
  CHECK(enc->name() == "x264");
  auto source = capture::make_test_pattern_source(1280, 720);
  const auto frames = encode_frames(*enc, *source, 90);
  H264Decoder dec;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto& f = frames[i];
    CHECK(f.source_sequence == f.frame_sequence);
    CHECK(f.frame_sequence == i + 1);
    check_decodes_to(dec, f.bytes, static_cast<std::uint32_t>(f.source_sequence), 1280, 720, 35.0);
  }
}

TEST_CASE("x264 first access unit: SPS, PPS, IDR slice, nothing before or between", "[x264][nal]") {
  auto enc = encode::make_x264_encoder(config_for(1280, 720, 10000));
  auto source = capture::make_test_pattern_source(1280, 720);
  const auto frames = encode_frames(*enc, *source, 3);
  const auto& first = frames[0];
  CHECK(first.idr);
  REQUIRE(lightwell::test::starts_with_start_code(first.bytes));
  // video.md §10.2: the client recognises an IDR only by an SPS at the very start, and needs
  // PPS and the first slice header right behind it (in the first packet); no AUD (9) or SEI (6).
  const std::vector<int> types = nal_types(first.bytes);
  REQUIRE(types == std::vector<int>{7, 8, 5});
  // With SPS and PPS this small, the slice's start code and header sit within the first
  // 1024-byte packet (minus the 8-byte frame header) as the client requires.
  const auto nals = h264::split_annexb(first.bytes);
  CHECK(nals[2].start_code_offset + 4 + 8 < 1024 - 16 - 8);
  CHECK(h264::parse_slice_start(nals[2]).slice_type == 2);  // I
  for (std::size_t i = 1; i < frames.size(); ++i) {
    INFO("frame " << i + 1);
    CHECK_FALSE(frames[i].idr);
    CHECK(nal_types(frames[i].bytes) == std::vector<int>{1});
    CHECK(h264::parse_slice_start(h264::split_annexb(frames[i].bytes)[0]).slice_type == 0);  // P
  }
}

TEST_CASE("x264 IDR only at the start and on request; a forced IDR repeats SPS/PPS and decodes", "[x264][idr]") {
  auto enc = encode::make_x264_encoder(config_for(1280, 720, 8000));
  auto source = capture::make_test_pattern_source(1280, 720);
  // 200 frames: longer than any default GOP or scene-cut window, one IDR forced at index 150.
  const auto frames = encode_frames(*enc, *source, 200, {150});
  for (std::size_t i = 0; i < frames.size(); ++i) {
    INFO("frame index " << i);
    const bool want_idr = i == 0 || i == 150;
    CHECK(frames[i].idr == want_idr);
    const auto types = nal_types(frames[i].bytes);
    if (want_idr) {
      CHECK(types == std::vector<int>{7, 8, 5});
    } else {
      CHECK(types == std::vector<int>{1});
    }
  }
  // A decoder that joins at the forced IDR (as a client after loss) decodes from there on.
  H264Decoder late;
  for (std::size_t i = 150; i < 160; ++i) {
    DecodedPicture pic;
    REQUIRE(late.decode(frames[i].bytes, pic));
    if (i == 150) CHECK(pic.key_frame);
    const auto read = capture::read_test_pattern_number(pic.planes[0], pic.strides[0], 1280, 720);
    REQUIRE(read.has_value());
    CHECK(*read == frames[i].source_sequence);
  }
}

TEST_CASE("x264 slices_per_frame = 4: four slices per access unit, all decodable", "[x264][slices]") {
  auto config = config_for(1280, 720, 10000);
  config.slices_per_frame = 4;
  auto enc = encode::make_x264_encoder(config);
  auto source = capture::make_test_pattern_source(1280, 720);
  const auto frames = encode_frames(*enc, *source, 12, {6});
  H264Decoder dec;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    INFO("frame index " << i);
    const auto nals = h264::split_annexb(frames[i].bytes);
    std::vector<std::uint32_t> first_mbs;
    const int slice_type = frames[i].idr ? 5 : 1;
    for (const auto& n : nals) {
      if (n.type == 1 || n.type == 5) {
        CHECK(n.type == slice_type);
        first_mbs.push_back(h264::parse_slice_start(n).first_mb_in_slice);
      }
    }
    CHECK(first_mbs.size() == 4);
    CHECK(std::is_sorted(first_mbs.begin(), first_mbs.end()));
    CHECK((first_mbs.empty() || first_mbs[0] == 0));
    if (frames[i].idr) {
      CHECK(nals.size() == 6);
      CHECK(nals[0].type == 7);
      CHECK(nals[1].type == 8);
    }
    check_decodes_to(dec, frames[i].bytes, static_cast<std::uint32_t>(frames[i].source_sequence), 1280, 720, 35.0);
  }
}

TEST_CASE("x264 with explicit threads: at least as many slices as asked, one AU per frame", "[x264][slices]") {
  auto config = config_for(1280, 720, 10000);
  config.slices_per_frame = 2;
  config.threads = 3;
  auto enc = encode::make_x264_encoder(config);
  auto source = capture::make_test_pattern_source(1280, 720);
  const auto frames = encode_frames(*enc, *source, 5);
  H264Decoder dec;
  for (const auto& f : frames) {
    const auto types = nal_types(f.bytes);
    const auto slices = std::count_if(types.begin(), types.end(), [](int t) { return t == 1 || t == 5; });
    CHECK(slices == 3);  // sliced threads: one slice per thread (documented in the header)
    check_decodes_to(dec, f.bytes, static_cast<std::uint32_t>(f.source_sequence), 1280, 720, 35.0);
  }
}

TEST_CASE("x264 accepts nv12 frames", "[x264][nv12]") {
  const std::uint32_t w = 640, h = 384;
  auto enc = encode::make_x264_encoder(config_for(w, h, 6000));
  H264Decoder dec;
  for (std::uint32_t n = 1; n <= 5; ++n) {
    const capture::I420Image img = capture::render_test_pattern(n, w, h);
    std::vector<std::uint8_t> uv(std::size_t{w} * h / 2);
    for (std::size_t i = 0; i < img.u.size(); ++i) {
      uv[2 * i] = img.u[i];
      uv[2 * i + 1] = img.v[i];
    }
    capture::Frame frame;
    frame.width_px = w;
    frame.height_px = h;
    frame.format = capture::PixelFormat::nv12;
    frame.planes[0] = {img.y.data(), w};
    frame.planes[1] = {uv.data(), w};
    frame.plane_count = 2;
    frame.sequence = n;
    const auto r = enc->encode(frame, false);
    INFO(r.error);
    REQUIRE(r.status == encode::EncodeStatus::ok);
    CHECK(r.frame.source_sequence == n);
    check_decodes_to(dec, r.frame.bitstream, n, w, h, 35.0);
  }
}

TEST_CASE("x264 1080p: cropped SPS, decodes at 1920x1080", "[x264][decode]") {
  auto enc = encode::make_x264_encoder(config_for(1920, 1080, 20000));
  auto source = capture::make_test_pattern_source(1920, 1080);
  const auto frames = encode_frames(*enc, *source, 4);
  const auto nals = h264::split_annexb(frames[0].bytes);
  REQUIRE(nals.size() >= 1);
  const h264::Sps sps = h264::parse_sps(nals[0]);
  CHECK(sps.width_px == 1920);
  CHECK(sps.height_px == 1080);
  H264Decoder dec;
  for (const auto& f : frames) {
    check_decodes_to(dec, f.bytes, static_cast<std::uint32_t>(f.source_sequence), 1920, 1080, 35.0);
  }
}
