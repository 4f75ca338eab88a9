// Quick Sync: the probe and the encoder's refusal without a GPU (run everywhere), and the
// hardware test (tagged [hardware]) that encodes the test pattern on a real Intel GPU and
// decodes it with libavcodec. Where no Intel GPU/runtime exists the hardware test is skipped
// with a message that says exactly which step is missing.
#include <stdlib.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
}

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>

#include "lightwell/capture/test_pattern.hpp"
#include "lightwell/encode/qsv.hpp"

using namespace lightwell;
using namespace lightwell::encode;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "lightwell-qsv-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Any-codec libavcodec decoder (H.264, HEVC, AV1 through whichever decoder libavcodec has).
class Decoder {
 public:
  explicit Decoder(Codec codec) {
    const AVCodecID id = codec == Codec::h264 ? AV_CODEC_ID_H264 : codec == Codec::hevc ? AV_CODEC_ID_HEVC : AV_CODEC_ID_AV1;
    const AVCodec* c = avcodec_find_decoder(id);
    if (c == nullptr) return;
    ctx_ = avcodec_alloc_context3(c);
    ctx_->flags |= AV_CODEC_FLAG_LOW_DELAY;
    if (avcodec_open2(ctx_, c, nullptr) != 0) avcodec_free_context(&ctx_);
    frame_ = av_frame_alloc();
    packet_ = av_packet_alloc();
  }
  ~Decoder() {
    av_packet_free(&packet_);
    av_frame_free(&frame_);
    avcodec_free_context(&ctx_);
  }
  bool ok() const { return ctx_ != nullptr; }
  // One access unit in, the picture out (nullptr if none).
  const AVFrame* decode(const std::vector<std::uint8_t>& au) {
    std::vector<std::uint8_t> padded(au);
    padded.resize(au.size() + AV_INPUT_BUFFER_PADDING_SIZE, 0);
    packet_->data = padded.data();
    packet_->size = static_cast<int>(au.size());
    if (avcodec_send_packet(ctx_, packet_) != 0) return nullptr;
    return avcodec_receive_frame(ctx_, frame_) == 0 ? frame_ : nullptr;
  }

 private:
  AVCodecContext* ctx_ = nullptr;
  AVFrame* frame_ = nullptr;
  AVPacket* packet_ = nullptr;
};

const char* codec_label(Codec c) { return c == Codec::h264 ? "H.264" : c == Codec::hevc ? "HEVC" : "AV1"; }

}  // namespace

TEST_CASE("probe without /dev/dri says so and offers nothing", "[qsv][probe]") {
  TempDir t;
  QsvProbeOptions o;
  o.dri_dir = t.path / "dri";  // does not exist
  o.enable_guc_param = t.path / "enable_guc";
  const QsvProbe p = probe_qsv(o);
  CHECK(p.unavailable == "no " + o.dri_dir.string() + " render node");
  CHECK_FALSE(p.usable());
  CHECK(p.render_node.empty());
  CHECK(p.codecs.empty());
  CHECK(p.huc.empty());
  for (Codec c : {Codec::h264, Codec::hevc, Codec::av1}) CHECK_FALSE(qsv_can_encode(p, c, false, 1920, 1080, 6000));
}

TEST_CASE("probe with a fake dri dir: a render node VA cannot initialise is reported, not used", "[qsv][probe]") {
  TempDir t;
  fs::create_directories(t.path / "dri");
  std::ofstream(t.path / "dri" / "renderD128") << "";
  std::ofstream(t.path / "dri" / "card0") << "";
  std::ofstream(t.path / "enable_guc") << "3\n";
  QsvProbeOptions o;
  o.dri_dir = t.path / "dri";
  o.enable_guc_param = t.path / "enable_guc";
  const QsvProbe p = probe_qsv(o);
  INFO(p.unavailable);
  CHECK_FALSE(p.usable());
  // A regular file is no DRM device: VA-API refuses it, and the reason names the node.
  CHECK(p.unavailable.find((t.path / "dri" / "renderD128").string()) != std::string::npos);
  CHECK(p.huc == "i915 enable_guc=3 (HuC loading requested)");
}

TEST_CASE("HuC hint from i915 enable_guc", "[qsv][probe]") {
  TempDir t;
  QsvProbeOptions o;
  o.dri_dir = t.path / "none";
  o.enable_guc_param = t.path / "enable_guc";
  std::ofstream(o.enable_guc_param) << "1\n";
  CHECK(probe_qsv(o).huc.find("HuC NOT loaded") != std::string::npos);
  std::ofstream(o.enable_guc_param) << "-1\n";
  CHECK(probe_qsv(o).huc.find("platform default") != std::string::npos);
}

TEST_CASE("the oneVPL GPU runtime library is checked with dlopen", "[qsv][probe]") {
  QsvProbeOptions o;
  o.dri_dir = "/nonexistent/dri";
  o.runtime_library = "libdoes-not-exist-lightwell.so.9";
  const QsvProbe p = probe_qsv(o);
  CHECK_FALSE(p.runtime_loadable);
  CHECK(p.runtime_detail.find("libdoes-not-exist-lightwell.so.9") != std::string::npos);
}

TEST_CASE("qsv_can_encode follows the probe's codecs, 10-bit and size limits", "[qsv][probe]") {
  QsvProbe p;
  p.render_node = "/dev/dri/renderD128";
  p.va_driver = "iHD";
  QsvCodecSupport h264;
  h264.codec = Codec::h264;
  h264.encode = true;
  h264.low_power = true;
  QsvCodecSupport hevc;
  hevc.codec = Codec::hevc;
  hevc.encode = true;
  hevc.ten_bit = true;
  QsvCodecSupport av1;  // Iris Xe / Alder Lake-N: refused
  av1.codec = Codec::av1;
  p.codecs = {h264, hevc, av1};
  CHECK(qsv_can_encode(p, Codec::h264, false, 1920, 1080, 6000));
  CHECK(qsv_can_encode(p, Codec::h264, false, 3840, 2160, 6000));
  CHECK_FALSE(qsv_can_encode(p, Codec::h264, false, 7680, 4320, 3000));  // H.264 stops at 4096
  CHECK_FALSE(qsv_can_encode(p, Codec::h264, true, 1920, 1080, 6000));
  CHECK(qsv_can_encode(p, Codec::hevc, true, 3840, 2160, 6000));
  CHECK(qsv_can_encode(p, Codec::hevc, false, 7680, 4320, 3000));
  CHECK_FALSE(qsv_can_encode(p, Codec::av1, false, 1280, 720, 6000));
  CHECK_FALSE(qsv_can_encode(p, Codec::hevc, false, 1920, 1080, 0));
  p.unavailable = "VA driver is i965, not iHD";
  CHECK_FALSE(qsv_can_encode(p, Codec::h264, false, 1920, 1080, 6000));
}

TEST_CASE("render node of a KMS card from sysfs, and VA driver names", "[qsv][probe]") {
  TempDir t;
  fs::create_directories(t.path / "card1" / "device" / "drm" / "card1");
  fs::create_directories(t.path / "card1" / "device" / "drm" / "renderD129");
  CHECK(render_node_for_card("/dev/dri/card1", "/dev/dri", t.path) == fs::path("/dev/dri/renderD129"));
  CHECK(render_node_for_card("/dev/dri/card0", "/dev/dri", t.path).empty());
  CHECK(va_driver_from_vendor("Intel iHD driver for Intel(R) Gen Graphics - 23.1.1 ()") == "iHD");
  CHECK(va_driver_from_vendor("Intel i965 driver for Intel(R) Coffee Lake - 2.4.1") == "i965");
  CHECK(va_driver_from_vendor("Mesa Gallium driver 22.3.6 for AMD Radeon RX 6600") == "Mesa");
  CHECK(va_driver_from_vendor("splitted-desktop-systems VDPAU backend") == "splitted-desktop-systems");
}

TEST_CASE("make_qsv_encoder refuses clearly without a GPU, and refuses bad configurations first",
          "[qsv][probe]") {
  TempDir t;
  QsvOptions o;
  o.dri_dir = t.path / "dri";
  EncoderConfig c;
  try {
    (void)make_qsv_encoder(c, o);
    FAIL("expected a refusal");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == "Quick Sync unavailable: no " + o.dri_dir.string() + " render node");
  }
  c.width_px = 1281;
  CHECK_THROWS_AS(make_qsv_encoder(c, o), std::invalid_argument);
  c = {};
  c.ten_bit = true;  // H.264 10-bit
  CHECK_THROWS_WITH(make_qsv_encoder(c, o), Catch::Contains("ten_bit"));
  c = {};
  o.kms_card = "/dev/dri/card7";
  o.sysfs_drm = t.path;
  CHECK_THROWS_WITH(make_qsv_encoder(c, o), Catch::Contains("no render node for /dev/dri/card7"));
}

TEST_CASE("Quick Sync encodes the test pattern at 720p for every codec the GPU has", "[qsv][hardware]") {
  const QsvProbe probe = probe_qsv();
  if (!probe.usable()) {
    WARN("Quick Sync hardware test skipped: " << probe.unavailable);
    return;
  }
  for (Codec codec : {Codec::h264, Codec::hevc, Codec::av1}) {
    if (!qsv_can_encode(probe, codec, false, 1280, 720, 6000)) {
      WARN(codec_label(codec) << " encode: not available on this GPU, not tested");
      continue;
    }
    SECTION(codec_label(codec)) {
      EncoderConfig c;
      c.codec = codec;
      c.width_px = 1280;
      c.height_px = 720;
      c.bitrate_kbps = 10000;
      auto enc = make_qsv_encoder(c);
      auto source = capture::make_test_pattern_source(1280, 720);
      Decoder dec(codec);
      if (!dec.ok()) {
        WARN("libavcodec has no decoder for " << codec_label(codec));
        continue;
      }
      for (int i = 0; i < 90; ++i) {
        capture::Frame frame;
        REQUIRE(source->capture(frame, std::chrono::milliseconds(0)) == capture::CaptureStatus::ok);
        const bool want_idr = i == 60;
        const EncodeResult r = enc->encode(frame, want_idr);
        INFO(codec_label(codec) << " frame " << i << ": " << r.error);
        REQUIRE(r.status == EncodeStatus::ok);
        CHECK(r.frame.source_sequence == frame.sequence);
        // IDR at the start and on request only.
        CHECK(r.frame.idr == (i == 0 || want_idr));
        const std::vector<std::uint8_t> au(r.frame.bitstream.begin(), r.frame.bitstream.end());
        const AVFrame* pic = dec.decode(au);
        // No B-frames and no delay: every access unit decodes to its own picture at once.
        REQUIRE(pic != nullptr);
        CHECK(pic->key_frame == (r.frame.idr ? 1 : 0));
        const std::uint8_t* planes[3] = {pic->data[0], pic->data[1], pic->data[2]};
        const std::size_t strides[3] = {static_cast<std::size_t>(pic->linesize[0]),
                                        static_cast<std::size_t>(pic->linesize[1]),
                                        static_cast<std::size_t>(pic->linesize[2])};
        const auto reference = capture::render_test_pattern(static_cast<std::uint32_t>(frame.sequence), 1280, 720);
        CHECK(capture::psnr_i420_db(reference, planes, strides) >= 35.0);
      }
    }
  }
}

TEST_CASE("the encoder-table answer on this machine matches its probe", "[qsv][probe]") {
  const QsvAvailability a = qsv_availability(Codec::h264, false, 1920, 1080, 6000);
  const QsvProbe& p = machine_qsv_probe();
  CHECK(&p == &machine_qsv_probe());  // probed once
  if (!p.usable()) {
    CHECK_FALSE(a.usable);
    CHECK(a.detail == "Quick Sync unavailable: " + p.unavailable);
    if (!fs::exists("/dev/dri")) CHECK(a.detail == "Quick Sync unavailable: no /dev/dri render node");
  } else {
    CHECK(a.usable == qsv_can_encode(p, Codec::h264, false, 1920, 1080, 6000));
  }
}
