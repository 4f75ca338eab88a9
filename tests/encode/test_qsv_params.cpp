// The pure half of the Quick Sync path (encode/src/qsv/params.hpp), checked field by field
// against the oneVPL 2.8 headers' meanings and video.md §8/§10 — no GPU needed.
#include <catch2/catch.hpp>

#include "../../encode/src/qsv/params.hpp"

using namespace lightwell::encode;
using namespace lightwell::encode::qsv;

namespace {

const mfxExtBuffer* find_ext(const mfxVideoParam& p, std::uint32_t id) {
  for (mfxU16 i = 0; i < p.NumExtParam; ++i) {
    if (p.ExtParam[i]->BufferId == id) return p.ExtParam[i];
  }
  return nullptr;
}

constexpr std::uint32_t drm_fourcc(char a, char b, char c, char d) {
  return static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b) << 8 | static_cast<std::uint32_t>(c) << 16 |
         static_cast<std::uint32_t>(d) << 24;
}

}  // namespace

TEST_CASE("encode parameters: low-latency GOP, CBR with a one-frame buffer, H.264 High", "[qsv][params]") {
  EncoderConfig c;
  c.codec = Codec::h264;
  c.width_px = 1920;
  c.height_px = 1080;
  c.frame_rate_x100 = 6000;
  c.bitrate_kbps = 20000;
  c.slices_per_frame = 2;
  c.max_reference_frames = 0;
  EncodeParams p;
  build_encode_params(c, EncodeChoices{true, 0, 16}, p);
  const mfxInfoMFX& m = p.param.mfx;
  CHECK(p.param.AsyncDepth == 1);
  CHECK(p.param.IOPattern == MFX_IOPATTERN_IN_VIDEO_MEMORY);
  CHECK(m.CodecId == MFX_CODEC_AVC);
  CHECK(m.CodecProfile == MFX_PROFILE_AVC_HIGH);
  CHECK(m.LowPower == MFX_CODINGOPTION_ON);
  CHECK(m.GopRefDist == 1);  // no B-frames
  CHECK(m.GopPicSize == 0xFFFF);
  CHECK(m.IdrInterval == 0xFFFF);
  CHECK(m.NumSlice == 2);
  CHECK(m.NumRefFrame == 1);  // "any" → one, the fastest
  CHECK(m.RateControlMethod == MFX_RATECONTROL_CBR);
  CHECK(m.BRCParamMultiplier == 1);
  CHECK(m.TargetKbps == 20000);
  CHECK(m.MaxKbps == 20000);
  // 20 Mbit/s at 60 fps = 41 667 bytes per frame → 42 units of 1000 bytes.
  CHECK(m.BufferSizeInKB == 42);
  CHECK(m.InitialDelayInKB == 42);
  CHECK(m.FrameInfo.FourCC == MFX_FOURCC_NV12);
  CHECK(m.FrameInfo.Width == 1920);
  CHECK(m.FrameInfo.Height == 1088);  // aligned to 16
  CHECK(m.FrameInfo.CropW == 1920);
  CHECK(m.FrameInfo.CropH == 1080);
  CHECK(m.FrameInfo.FrameRateExtN == 60);
  CHECK(m.FrameInfo.FrameRateExtD == 1);
  CHECK(m.FrameInfo.PicStruct == MFX_PICSTRUCT_PROGRESSIVE);

  const auto* co = reinterpret_cast<const mfxExtCodingOption*>(find_ext(p.param, MFX_EXTBUFF_CODING_OPTION));
  REQUIRE(co != nullptr);
  CHECK(co->AUDelimiter == MFX_CODINGOPTION_OFF);
  CHECK(co->PicTimingSEI == MFX_CODINGOPTION_OFF);
  CHECK(co->VuiNalHrdParameters == MFX_CODINGOPTION_OFF);
  CHECK(co->NalHrdConformance == MFX_CODINGOPTION_OFF);
  const auto* co2 = reinterpret_cast<const mfxExtCodingOption2*>(find_ext(p.param, MFX_EXTBUFF_CODING_OPTION2));
  REQUIRE(co2 != nullptr);
  CHECK(co2->IntRefType == MFX_REFRESH_NO);
  CHECK(co2->AdaptiveI == MFX_CODINGOPTION_OFF);
  CHECK(co2->RepeatPPS == MFX_CODINGOPTION_OFF);
  const auto* co3 = reinterpret_cast<const mfxExtCodingOption3*>(find_ext(p.param, MFX_EXTBUFF_CODING_OPTION3));
  REQUIRE(co3 != nullptr);
  CHECK(co3->LowDelayBRC == MFX_CODINGOPTION_ON);
  CHECK(co3->ScenarioInfo == MFX_SCENARIO_REMOTE_GAMING);
  CHECK(co3->BitstreamRestriction == MFX_CODINGOPTION_ON);
  // Every ext buffer carries its own size (the runtime rejects a wrong BufferSz).
  CHECK(co->Header.BufferSz == sizeof(mfxExtCodingOption));
  CHECK(co2->Header.BufferSz == sizeof(mfxExtCodingOption2));
  CHECK(co3->Header.BufferSz == sizeof(mfxExtCodingOption3));
}

TEST_CASE("encode parameters: LowPower off, intra refresh, 59.94 fps, references", "[qsv][params]") {
  EncoderConfig c;
  c.frame_rate_x100 = 5994;
  c.max_reference_frames = 3;
  EncodeParams p;
  build_encode_params(c, EncodeChoices{false, 30, 16}, p);
  CHECK(p.param.mfx.LowPower == MFX_CODINGOPTION_OFF);
  CHECK(p.param.mfx.NumRefFrame == 3);
  CHECK(p.param.mfx.FrameInfo.FrameRateExtN == 2997);
  CHECK(p.param.mfx.FrameInfo.FrameRateExtD == 50);
  CHECK(p.param.mfx.FrameInfo.Height == 720);
  const auto* co2 = reinterpret_cast<const mfxExtCodingOption2*>(find_ext(p.param, MFX_EXTBUFF_CODING_OPTION2));
  REQUIRE(co2 != nullptr);
  CHECK(co2->IntRefType == MFX_REFRESH_VERTICAL);
  CHECK(co2->IntRefCycleSize == 30);
}

TEST_CASE("encode parameters: HEVC Main10 and AV1", "[qsv][params]") {
  EncoderConfig c;
  c.codec = Codec::hevc;
  c.ten_bit = true;
  c.color_space = ColorSpace::rec2020;
  EncodeParams p;
  build_encode_params(c, EncodeChoices{}, p);
  CHECK(p.param.mfx.CodecId == MFX_CODEC_HEVC);
  CHECK(p.param.mfx.CodecProfile == MFX_PROFILE_HEVC_MAIN10);
  CHECK(p.param.mfx.FrameInfo.FourCC == MFX_FOURCC_P010);
  CHECK(p.param.mfx.FrameInfo.BitDepthLuma == 10);
  CHECK(p.param.mfx.FrameInfo.BitDepthChroma == 10);
  CHECK(p.param.mfx.FrameInfo.Shift == 1);
  const auto* co3 = reinterpret_cast<const mfxExtCodingOption3*>(find_ext(p.param, MFX_EXTBUFF_CODING_OPTION3));
  REQUIRE(co3 != nullptr);
  CHECK(co3->GPB == MFX_CODINGOPTION_OFF);

  c.codec = Codec::av1;
  c.ten_bit = false;
  EncodeParams a;
  build_encode_params(c, EncodeChoices{}, a);
  CHECK(a.param.mfx.CodecId == MFX_CODEC_AV1);
  CHECK(a.param.mfx.CodecProfile == MFX_PROFILE_AV1_MAIN);
  CHECK(a.param.mfx.GopRefDist == 1);
  // The H.264/HEVC-only buffers stay off for AV1.
  CHECK(find_ext(a.param, MFX_EXTBUFF_CODING_OPTION) == nullptr);
  CHECK(find_ext(a.param, MFX_EXTBUFF_CODING_OPTION2) == nullptr);
  CHECK(find_ext(a.param, MFX_EXTBUFF_CODING_OPTION3) != nullptr);
  CHECK(find_ext(a.param, MFX_EXTBUFF_VIDEO_SIGNAL_INFO) != nullptr);
}

TEST_CASE("VUI colour description matches the negotiated space and range", "[qsv][params]") {
  struct Row {
    ColorSpace space;
    bool full;
    std::uint16_t primaries, transfer, matrix;
  };
  // H.273 code points: BT.709 = 1, SMPTE 170M (BT.601) = 6, BT.2020 = 9 (10-bit transfer 14).
  for (const Row& r : {Row{ColorSpace::rec709, false, 1, 1, 1}, Row{ColorSpace::rec601, true, 6, 6, 6},
                       Row{ColorSpace::rec2020, false, 9, 14, 9}}) {
    EncoderConfig c;
    c.color_space = r.space;
    c.full_range = r.full;
    EncodeParams p;
    build_encode_params(c, EncodeChoices{}, p);
    const auto* v = reinterpret_cast<const mfxExtVideoSignalInfo*>(find_ext(p.param, MFX_EXTBUFF_VIDEO_SIGNAL_INFO));
    REQUIRE(v != nullptr);
    CHECK(v->Header.BufferSz == sizeof(mfxExtVideoSignalInfo));
    CHECK(v->VideoFormat == 5);
    CHECK(v->VideoFullRange == (r.full ? 1 : 0));
    CHECK(v->ColourDescriptionPresent == 1);
    CHECK(v->ColourPrimaries == r.primaries);
    CHECK(v->TransferCharacteristics == r.transfer);
    CHECK(v->MatrixCoefficients == r.matrix);
  }
}

TEST_CASE("rate fields: one-frame buffer, BRCParamMultiplier above 16 bits", "[qsv][params]") {
  // 10 Mbit/s at 60 fps: 20 834 bytes per frame → 21 KB.
  RateFields r = rate_fields(10000, 6000);
  CHECK(r.multiplier == 1);
  CHECK(r.target_kbps == 10000);
  CHECK(r.buffer_size_kb == 21);
  // 150 Mbit/s does not fit mfxU16: multiplier 3, 50 000 × 3 = 150 000.
  r = rate_fields(150000, 6000);
  CHECK(r.multiplier == 3);
  CHECK(r.target_kbps == 50000);
  CHECK(r.max_kbps == 50000);
  CHECK(static_cast<std::uint32_t>(r.buffer_size_kb) * r.multiplier >= 312);  // 312.5 KB per frame
  CHECK(static_cast<std::uint32_t>(r.buffer_size_kb) * r.multiplier <= 315);
  // 500 kbit/s at 120 fps: 521 bytes → 1 KB (never 0).
  r = rate_fields(500, 12000);
  CHECK(r.buffer_size_kb == 1);
}

TEST_CASE("VPP parameters: RGB in, NV12/P010 out in the negotiated matrix and range", "[qsv][params]") {
  EncoderConfig c;
  c.width_px = 1280;
  c.height_px = 720;
  c.color_space = ColorSpace::rec601;
  c.full_range = false;
  VppParams v;
  build_vpp_params(c, MFX_FOURCC_RGB4, 1920, 1080, v);
  CHECK(v.param.IOPattern == (MFX_IOPATTERN_IN_VIDEO_MEMORY | MFX_IOPATTERN_OUT_VIDEO_MEMORY));
  CHECK(v.param.vpp.In.FourCC == MFX_FOURCC_RGB4);
  CHECK(v.param.vpp.In.ChromaFormat == MFX_CHROMAFORMAT_YUV444);
  CHECK(v.param.vpp.In.CropW == 1920);
  CHECK(v.param.vpp.In.Height == 1088);
  CHECK(v.param.vpp.Out.FourCC == MFX_FOURCC_NV12);
  CHECK(v.param.vpp.Out.CropW == 1280);
  CHECK(v.param.vpp.Out.CropH == 720);
  REQUIRE(v.param.NumExtParam == 1);
  const auto* s = reinterpret_cast<const mfxExtVPPVideoSignalInfo*>(v.param.ExtParam[0]);
  CHECK(s->Header.BufferId == MFX_EXTBUFF_VPP_VIDEO_SIGNAL_INFO);
  CHECK(s->Out.TransferMatrix == MFX_TRANSFERMATRIX_BT601);
  CHECK(s->Out.NominalRange == MFX_NOMINALRANGE_16_235);
  CHECK(s->In.NominalRange == MFX_NOMINALRANGE_0_255);

  c.color_space = ColorSpace::rec709;
  c.full_range = true;
  c.codec = Codec::hevc;
  c.ten_bit = true;
  VppParams t;
  build_vpp_params(c, MFX_FOURCC_RGB4, 1280, 720, t);
  CHECK(t.param.vpp.Out.FourCC == MFX_FOURCC_P010);
  const auto* s2 = reinterpret_cast<const mfxExtVPPVideoSignalInfo*>(t.param.ExtParam[0]);
  CHECK(s2->Out.TransferMatrix == MFX_TRANSFERMATRIX_BT709);
  CHECK(s2->Out.NominalRange == MFX_NOMINALRANGE_0_255);

  c.color_space = ColorSpace::rec2020;
  VppParams h;
  build_vpp_params(c, MFX_FOURCC_RGB4, 1280, 720, h);
  REQUIRE(h.param.NumExtParam == 2);
  const auto* o = reinterpret_cast<const mfxExtVideoSignalInfo*>(h.param.ExtParam[1]);
  CHECK(o->Header.BufferId == MFX_EXTBUFF_VIDEO_SIGNAL_INFO_OUT);
  CHECK(o->MatrixCoefficients == 9);
}

TEST_CASE("configurations Quick Sync cannot take are named", "[qsv][params]") {
  EncoderConfig c;
  CHECK(validate_config(c).empty());
  c.width_px = 1281;
  CHECK(validate_config(c).rfind("width_px", 0) == 0);
  c = {};
  c.height_px = 8;
  CHECK(validate_config(c).rfind("height_px", 0) == 0);
  c = {};
  c.width_px = 8192;  // H.264 stops at 4096
  CHECK(validate_config(c).rfind("width_px", 0) == 0);
  c.codec = Codec::hevc;
  CHECK(validate_config(c).empty());
  c = {};
  c.bitrate_kbps = 0;
  CHECK(validate_config(c).rfind("bitrate_kbps", 0) == 0);
  c = {};
  c.frame_rate_x100 = 0;
  CHECK(validate_config(c).rfind("frame_rate_x100", 0) == 0);
  c = {};
  c.slices_per_frame = 0;
  CHECK(validate_config(c).rfind("slices_per_frame", 0) == 0);
  c = {};
  c.ten_bit = true;
  CHECK(validate_config(c).rfind("ten_bit", 0) == 0);
}

TEST_CASE("dma-buf → DRM PRIME 2 descriptor", "[qsv][params][dmabuf]") {
  DmaBufFrame f;
  f.fd = 7;
  f.fourcc = drm_fourcc('X', 'R', '2', '4');
  f.modifier = 0x0100000000000002ull;  // I915_FORMAT_MOD_Y_TILED (drm_fourcc.h)
  f.fb_width_px = 1920;
  f.fb_height_px = 1080;
  f.plane_count = 1;
  f.planes[0] = {0, 7680};
  PrimeImport p = describe_dmabuf(f, 8355840);
  REQUIRE(p.error.empty());
  CHECK(p.rt_format == VA_RT_FORMAT_RGB32);
  CHECK(p.descriptor.fourcc == VA_FOURCC_BGRX);  // XRGB8888 little-endian = bytes B,G,R,X
  CHECK(p.descriptor.width == 1920);
  CHECK(p.descriptor.height == 1080);
  CHECK(p.descriptor.num_objects == 1);
  CHECK(p.descriptor.objects[0].fd == 7);
  CHECK(p.descriptor.objects[0].size == 8355840);
  CHECK(p.descriptor.objects[0].drm_format_modifier == 0x0100000000000002ull);
  CHECK(p.descriptor.num_layers == 1);
  CHECK(p.descriptor.layers[0].drm_format == f.fourcc);
  CHECK(p.descriptor.layers[0].num_planes == 1);
  CHECK(p.descriptor.layers[0].object_index[0] == 0);
  CHECK(p.descriptor.layers[0].pitch[0] == 7680);
  CHECK(p.descriptor.layers[0].offset[0] == 0);
  CHECK(mfx_fourcc_for_drm(f.fourcc) == MFX_FOURCC_RGB4);

  // NV12: two planes in one object.
  DmaBufFrame n = f;
  n.fourcc = drm_fourcc('N', 'V', '1', '2');
  n.modifier = 0;
  n.plane_count = 2;
  n.planes[0] = {0, 2048};
  n.planes[1] = {2048 * 1088, 2048};
  p = describe_dmabuf(n, 2048 * 1088 * 3 / 2);
  REQUIRE(p.error.empty());
  CHECK(p.rt_format == VA_RT_FORMAT_YUV420);
  CHECK(p.descriptor.fourcc == VA_FOURCC_NV12);
  CHECK(p.descriptor.layers[0].num_planes == 2);
  CHECK(p.descriptor.layers[0].offset[1] == 2048u * 1088u);
  CHECK(p.descriptor.layers[0].object_index[1] == 0);

  // ABGR8888 (bytes R,G,B,A): described as RGBX for VA, BGR4 for oneVPL.
  DmaBufFrame a = f;
  a.fourcc = drm_fourcc('A', 'B', '2', '4');
  p = describe_dmabuf(a, 0);
  REQUIRE(p.error.empty());
  CHECK(p.descriptor.fourcc == VA_FOURCC_RGBX);
  CHECK(mfx_fourcc_for_drm(a.fourcc) == MFX_FOURCC_BGR4);
}

TEST_CASE("dma-buf descriptions that cannot be imported are refused with the reason", "[qsv][params][dmabuf]") {
  DmaBufFrame f;
  f.fd = 3;
  f.fourcc = drm_fourcc('X', 'R', '2', '4');
  f.fb_width_px = 640;
  f.fb_height_px = 480;
  f.planes[0] = {0, 2560};
  CHECK(describe_dmabuf(f, 2560 * 480).error.empty());

  DmaBufFrame bad = f;
  bad.fd = -1;
  CHECK(describe_dmabuf(bad, 0).error == "no dma-buf fd");
  bad = f;
  bad.fourcc = drm_fourcc('R', 'G', '1', '6');
  CHECK(describe_dmabuf(bad, 0).error.find("fourcc") != std::string::npos);
  bad = f;
  bad.plane_count = 2;
  CHECK(describe_dmabuf(bad, 0).error.find("plane_count") != std::string::npos);
  bad = f;
  bad.planes[0].pitch_bytes = 2000;  // < 640 × 4
  CHECK(describe_dmabuf(bad, 0).error.find("pitch") != std::string::npos);
  bad = f;
  CHECK(describe_dmabuf(bad, 2560 * 479).error.find("past the buffer") != std::string::npos);  // a lying size
  bad = f;
  bad.crop_x_px = 100;
  bad.crop_width_px = 600;
  CHECK(describe_dmabuf(bad, 0).error.find("crop") != std::string::npos);
  bad = f;
  bad.fb_width_px = 0;
  CHECK(describe_dmabuf(bad, 0).error.find("size") != std::string::npos);
}
