// Pure Quick Sync mappings (params.hpp). Every value cites why in docs/qsv.md "Settings".
#include "params.hpp"

#include <algorithm>
#include <numeric>

namespace lightwell::encode::qsv {
namespace {

// drm_fourcc.h values, written out so this file needs no libdrm header.
constexpr std::uint32_t fourcc(char a, char b, char c, char d) {
  return static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b) << 8 | static_cast<std::uint32_t>(c) << 16 |
         static_cast<std::uint32_t>(d) << 24;
}
constexpr std::uint32_t kDrmXrgb8888 = fourcc('X', 'R', '2', '4');
constexpr std::uint32_t kDrmArgb8888 = fourcc('A', 'R', '2', '4');
constexpr std::uint32_t kDrmXbgr8888 = fourcc('X', 'B', '2', '4');
constexpr std::uint32_t kDrmAbgr8888 = fourcc('A', 'B', '2', '4');
constexpr std::uint32_t kDrmNv12 = fourcc('N', 'V', '1', '2');

std::uint16_t align_up(std::uint32_t v, std::uint32_t a) { return static_cast<std::uint16_t>((v + a - 1) / a * a); }

void header(mfxExtBuffer& h, std::uint32_t id, std::size_t size) {
  h.BufferId = id;
  h.BufferSz = static_cast<mfxU32>(size);
}

void frame_info(const EncoderConfig& config, std::uint16_t alignment, mfxFrameInfo& info) {
  info.FourCC = config.ten_bit ? MFX_FOURCC_P010 : MFX_FOURCC_NV12;
  info.ChromaFormat = MFX_CHROMAFORMAT_YUV420;
  info.PicStruct = MFX_PICSTRUCT_PROGRESSIVE;
  info.Width = align_up(config.width_px, alignment);
  info.Height = align_up(config.height_px, alignment);
  info.CropX = 0;
  info.CropY = 0;
  info.CropW = static_cast<mfxU16>(config.width_px);
  info.CropH = static_cast<mfxU16>(config.height_px);
  const std::uint32_t g = std::gcd(config.frame_rate_x100, 100u);
  info.FrameRateExtN = config.frame_rate_x100 / g;
  info.FrameRateExtD = 100 / g;
  if (config.ten_bit) {
    // P010 keeps the 10 bits in the high bits of each 16-bit sample (oneVPL: Shift = 1).
    info.BitDepthLuma = 10;
    info.BitDepthChroma = 10;
    info.Shift = 1;
  } else {
    info.BitDepthLuma = 8;
    info.BitDepthChroma = 8;
  }
}

}  // namespace

std::uint32_t codec_id(Codec codec) noexcept {
  switch (codec) {
    case Codec::h264: return MFX_CODEC_AVC;
    case Codec::hevc: return MFX_CODEC_HEVC;
    case Codec::av1: return MFX_CODEC_AV1;
  }
  return 0;
}

std::uint16_t codec_profile(Codec codec, bool ten_bit) noexcept {
  switch (codec) {
    // High: CABAC and 8x8 transforms, what every Moonlight decoder takes (video.md §10.1).
    case Codec::h264: return MFX_PROFILE_AVC_HIGH;
    case Codec::hevc: return ten_bit ? MFX_PROFILE_HEVC_MAIN10 : MFX_PROFILE_HEVC_MAIN;
    // AV1 Main carries 8- and 10-bit 4:2:0.
    case Codec::av1: return MFX_PROFILE_AV1_MAIN;
  }
  return 0;
}

ColourDescription colour_description(ColorSpace space) noexcept {
  // H.273 code points, as the x264 path writes them (docs/video-encoding.md VUI row).
  switch (space) {
    case ColorSpace::rec601: return {6, 6, 6};
    case ColorSpace::rec709: return {1, 1, 1};
    case ColorSpace::rec2020: return {9, 14, 9};  // BT.2020 10-bit transfer, as x264 writes it
  }
  return {2, 2, 2};
}

std::string validate_config(const EncoderConfig& c) {
  const std::uint32_t max_w = qsv_max_width_px(c.codec);
  const std::uint32_t max_h = qsv_max_height_px(c.codec);
  if (c.width_px < 16 || c.width_px > max_w || c.width_px % 2 != 0) {
    return "width_px: " + std::to_string(c.width_px) + " is not an even size in 16.." + std::to_string(max_w);
  }
  if (c.height_px < 16 || c.height_px > max_h || c.height_px % 2 != 0) {
    return "height_px: " + std::to_string(c.height_px) + " is not an even size in 16.." + std::to_string(max_h);
  }
  if (c.frame_rate_x100 == 0 || c.frame_rate_x100 > 24000) return "frame_rate_x100: must be 1..24000";
  if (c.bitrate_kbps == 0 || c.bitrate_kbps > 1000000) return "bitrate_kbps: must be 1..1000000";
  if (c.slices_per_frame == 0 || c.slices_per_frame > 64) return "slices_per_frame: must be 1..64";
  if (c.max_reference_frames > 16) return "max_reference_frames: at most 16";
  if (c.ten_bit && c.codec == Codec::h264) return "ten_bit: H.264 is 8-bit only in GameStream (video.md §10.1)";
  return {};
}

RateFields rate_fields(std::uint32_t bitrate_kbps, std::uint32_t frame_rate_x100) {
  // One frame of the link: bits per frame = kbps * 1000 * 100 / rate_x100; oneVPL counts the
  // buffer in units of 1000 bytes (KB), so round up.
  const std::uint64_t frame_bytes = (static_cast<std::uint64_t>(bitrate_kbps) * 1000 * 100 / 8 + frame_rate_x100 - 1) /
                                    std::max<std::uint32_t>(frame_rate_x100, 1);
  const std::uint64_t buffer_kb = std::max<std::uint64_t>((frame_bytes + 999) / 1000, 1);
  const std::uint64_t largest = std::max<std::uint64_t>(bitrate_kbps, buffer_kb);
  // BRCParamMultiplier: every rate field is value × multiplier (mfxInfoMFX docs).
  const std::uint64_t multiplier = std::max<std::uint64_t>((largest + 0xFFFF - 1) / 0xFFFF, 1);
  RateFields r;
  r.multiplier = static_cast<std::uint16_t>(multiplier);
  r.target_kbps = static_cast<std::uint16_t>(bitrate_kbps / multiplier);
  r.max_kbps = r.target_kbps;
  r.buffer_size_kb = static_cast<std::uint16_t>((buffer_kb + multiplier - 1) / multiplier);
  r.initial_delay_kb = r.buffer_size_kb;
  return r;
}

void apply_rate(const RateFields& rate, mfxInfoMFX& mfx) {
  mfx.RateControlMethod = MFX_RATECONTROL_CBR;
  mfx.BRCParamMultiplier = rate.multiplier;
  mfx.TargetKbps = rate.target_kbps;
  mfx.MaxKbps = rate.max_kbps;
  mfx.BufferSizeInKB = rate.buffer_size_kb;
  mfx.InitialDelayInKB = rate.initial_delay_kb;
}

void build_encode_params(const EncoderConfig& config, const EncodeChoices& choices, EncodeParams& out) {
  out.param = {};
  mfxVideoParam& p = out.param;
  // Synchronous, one frame in flight: the lowest latency oneVPL offers (AsyncDepth docs).
  p.AsyncDepth = 1;
  p.IOPattern = MFX_IOPATTERN_IN_VIDEO_MEMORY;
  mfxInfoMFX& m = p.mfx;
  m.CodecId = codec_id(config.codec);
  m.CodecProfile = codec_profile(config.codec, config.ten_bit);
  m.CodecLevel = MFX_LEVEL_UNKNOWN;  // the runtime derives it from size, rate and bitrate
  m.LowPower = choices.low_power ? MFX_CODINGOPTION_ON : MFX_CODINGOPTION_OFF;
  m.TargetUsage = MFX_TARGETUSAGE_BEST_SPEED;
  // No B-frames: decode order = output order (video.md §8, §10.2).
  m.GopRefDist = 1;
  // "Infinite" GOP: the field is 16 bits, so an I frame at most every 65535 frames and never an
  // IDR by itself; IDRs come on request (mfxEncodeCtrl) only.
  m.GopPicSize = 0xFFFF;
  m.IdrInterval = 0xFFFF;
  m.GopOptFlag = MFX_GOP_CLOSED | MFX_GOP_STRICT;
  m.NumSlice = static_cast<mfxU16>(config.slices_per_frame);
  m.NumRefFrame = static_cast<mfxU16>(config.max_reference_frames == 0 ? 1 : config.max_reference_frames);
  apply_rate(rate_fields(config.bitrate_kbps, config.frame_rate_x100), m);
  frame_info(config, choices.width_alignment_px, m.FrameInfo);

  std::size_t n = 0;
  // H.264 / HEVC only: CodingOption (AUD, SEI, HRD) and CodingOption2 (intra refresh,
  // RepeatPPS) do not apply to AV1 in oneVPL's AV1 encoder.
  if (config.codec != Codec::av1) {
    header(out.co.Header, MFX_EXTBUFF_CODING_OPTION, sizeof out.co);
    out.co.AUDelimiter = MFX_CODINGOPTION_OFF;          // nothing before the SPS (video.md §10.2)
    out.co.PicTimingSEI = MFX_CODINGOPTION_OFF;         // no SEI between PPS and the first slice
    out.co.RecoveryPointSEI = MFX_CODINGOPTION_OFF;
    out.co.VuiNalHrdParameters = MFX_CODINGOPTION_OFF;  // no HRD / buffering-period SEI
    out.co.NalHrdConformance = MFX_CODINGOPTION_OFF;    // no filler to meet HRD: CBR without padding
    out.ext[n++] = &out.co.Header;

    header(out.co2.Header, MFX_EXTBUFF_CODING_OPTION2, sizeof out.co2);
    out.co2.RepeatPPS = MFX_CODINGOPTION_OFF;
    out.co2.AdaptiveI = MFX_CODINGOPTION_OFF;  // no scene-cut I frames: every IDR is asked for
    out.co2.AdaptiveB = MFX_CODINGOPTION_OFF;
    out.co2.BRefType = MFX_B_REF_OFF;
    if (choices.intra_refresh_cycle > 0) {
      out.co2.IntRefType = MFX_REFRESH_VERTICAL;
      out.co2.IntRefCycleSize = choices.intra_refresh_cycle;
    }
    out.ext[n++] = &out.co2.Header;
  }

  header(out.co3.Header, MFX_EXTBUFF_CODING_OPTION3, sizeof out.co3);
  out.co3.ScenarioInfo = MFX_SCENARIO_REMOTE_GAMING;
  out.co3.ContentInfo = MFX_CONTENT_NON_VIDEO_SCREEN;
  // Frame-level BRC that holds each frame near the average (LowDelayBRC docs: "strictly obey
  // average frame size set by MaxKbps").
  out.co3.LowDelayBRC = MFX_CODINGOPTION_ON;
  out.co3.PRefType = MFX_P_REF_SIMPLE;
  out.co3.TimingInfoPresent = MFX_CODINGOPTION_ON;
  out.co3.BitstreamRestriction = MFX_CODINGOPTION_ON;  // max_num_reorder_frames = 0 (video.md §10.2)
  if (config.codec == Codec::hevc) out.co3.GPB = MFX_CODINGOPTION_OFF;  // real P slices, not generalized B
  out.ext[n++] = &out.co3.Header;

  header(out.vsi.Header, MFX_EXTBUFF_VIDEO_SIGNAL_INFO, sizeof out.vsi);
  const ColourDescription colour = colour_description(config.color_space);
  out.vsi.VideoFormat = 5;  // unspecified (H.264 Table E-2), as x264 writes it
  out.vsi.VideoFullRange = config.full_range ? 1 : 0;
  out.vsi.ColourDescriptionPresent = 1;
  out.vsi.ColourPrimaries = colour.primaries;
  out.vsi.TransferCharacteristics = colour.transfer;
  out.vsi.MatrixCoefficients = colour.matrix;
  out.ext[n++] = &out.vsi.Header;

  p.ExtParam = out.ext.data();
  p.NumExtParam = static_cast<mfxU16>(n);
}

void build_vpp_params(const EncoderConfig& config, std::uint32_t input_fourcc, std::uint32_t input_width_px,
                      std::uint32_t input_height_px, VppParams& out) {
  out.param = {};
  mfxVideoParam& p = out.param;
  p.AsyncDepth = 1;
  p.IOPattern = MFX_IOPATTERN_IN_VIDEO_MEMORY | MFX_IOPATTERN_OUT_VIDEO_MEMORY;
  frame_info(config, 16, p.vpp.Out);
  mfxFrameInfo& in = p.vpp.In;
  in = p.vpp.Out;
  in.FourCC = input_fourcc;
  in.ChromaFormat = input_fourcc == MFX_FOURCC_NV12 ? MFX_CHROMAFORMAT_YUV420 : MFX_CHROMAFORMAT_YUV444;
  in.BitDepthLuma = 8;
  in.BitDepthChroma = 8;
  in.Shift = 0;
  in.Width = align_up(input_width_px, 16);
  in.Height = align_up(input_height_px, 16);
  in.CropW = static_cast<mfxU16>(input_width_px);
  in.CropH = static_cast<mfxU16>(input_height_px);

  // The matrix and range of the RGB→YUV conversion: the ones the client negotiated, also what
  // the encoder writes in the VUI (build_encode_params), so the decoder inverts the same matrix.
  header(out.signal.Header, MFX_EXTBUFF_VPP_VIDEO_SIGNAL_INFO, sizeof out.signal);
  out.signal.In.TransferMatrix = MFX_TRANSFERMATRIX_UNKNOWN;  // RGB in
  out.signal.In.NominalRange = MFX_NOMINALRANGE_0_255;
  out.signal.Out.TransferMatrix =
      config.color_space == ColorSpace::rec601 ? MFX_TRANSFERMATRIX_BT601 : MFX_TRANSFERMATRIX_BT709;
  out.signal.Out.NominalRange = config.full_range ? MFX_NOMINALRANGE_0_255 : MFX_NOMINALRANGE_16_235;
  if (input_fourcc == MFX_FOURCC_NV12) {
    // YUV in: already in the output matrix and range (the CPU fallback uploads NV12 as is).
    out.signal.In = out.signal.Out;
  }
  std::size_t n = 0;
  out.ext[n++] = &out.signal.Header;
  if (config.color_space == ColorSpace::rec2020) {
    // mfxExtVPPVideoSignalInfo has no BT.2020 matrix value; API 2.x takes the output's full
    // description in mfxExtVideoSignalInfo with the _OUT id (MFX_EXTBUFF_VIDEO_SIGNAL_INFO_OUT).
    header(out.signal_out.Header, MFX_EXTBUFF_VIDEO_SIGNAL_INFO_OUT, sizeof out.signal_out);
    const ColourDescription colour = colour_description(config.color_space);
    out.signal_out.VideoFormat = 5;
    out.signal_out.VideoFullRange = config.full_range ? 1 : 0;
    out.signal_out.ColourDescriptionPresent = 1;
    out.signal_out.ColourPrimaries = colour.primaries;
    out.signal_out.TransferCharacteristics = colour.transfer;
    out.signal_out.MatrixCoefficients = colour.matrix;
    out.ext[n++] = &out.signal_out.Header;
  }
  p.ExtParam = out.ext.data();
  p.NumExtParam = static_cast<mfxU16>(n);
}

std::uint32_t mfx_fourcc_for_drm(std::uint32_t drm) noexcept {
  if (drm == kDrmXrgb8888 || drm == kDrmArgb8888) return MFX_FOURCC_RGB4;  // bytes B,G,R,X
  if (drm == kDrmXbgr8888 || drm == kDrmAbgr8888) return MFX_FOURCC_BGR4;  // bytes R,G,B,X
  if (drm == kDrmNv12) return MFX_FOURCC_NV12;
  return 0;
}

std::uint32_t va_rt_format_for_drm(std::uint32_t drm) noexcept {
  if (drm == kDrmXrgb8888 || drm == kDrmArgb8888 || drm == kDrmXbgr8888 || drm == kDrmAbgr8888) {
    return VA_RT_FORMAT_RGB32;
  }
  if (drm == kDrmNv12) return VA_RT_FORMAT_YUV420;
  return 0;
}

PrimeImport describe_dmabuf(const DmaBufFrame& f, std::uint64_t buffer_size_bytes) {
  PrimeImport r;
  if (f.fd < 0) {
    r.error = "no dma-buf fd";
    return r;
  }
  r.rt_format = va_rt_format_for_drm(f.fourcc);
  if (r.rt_format == 0) {
    r.error = "fourcc " + std::to_string(f.fourcc) + " is not XRGB8888, ARGB8888, XBGR8888, ABGR8888 or NV12";
    return r;
  }
  const bool nv12 = f.fourcc == kDrmNv12;
  const std::uint32_t planes_needed = nv12 ? 2 : 1;
  if (f.plane_count != planes_needed) {
    r.error = "plane_count " + std::to_string(f.plane_count) + ", the format has " + std::to_string(planes_needed);
    return r;
  }
  if (f.fb_width_px == 0 || f.fb_height_px == 0 || f.fb_width_px > 16384 || f.fb_height_px > 16384) {
    r.error = "framebuffer size " + std::to_string(f.fb_width_px) + "x" + std::to_string(f.fb_height_px);
    return r;
  }
  const std::uint64_t min_pitch0 = static_cast<std::uint64_t>(f.fb_width_px) * (nv12 ? 1 : 4);
  if (f.planes[0].pitch_bytes < min_pitch0) {
    r.error = "pitch " + std::to_string(f.planes[0].pitch_bytes) + " below width × bytes per pixel (" +
              std::to_string(min_pitch0) + ")";
    return r;
  }
  if (nv12 && f.planes[1].pitch_bytes < (f.fb_width_px + 1) / 2 * 2) {
    r.error = "chroma pitch " + std::to_string(f.planes[1].pitch_bytes) + " below the width";
    return r;
  }
  const std::uint32_t crop_w = f.crop_width_px == 0 ? f.fb_width_px : f.crop_width_px;
  const std::uint32_t crop_h = f.crop_height_px == 0 ? f.fb_height_px : f.crop_height_px;
  if (static_cast<std::uint64_t>(f.crop_x_px) + crop_w > f.fb_width_px ||
      static_cast<std::uint64_t>(f.crop_y_px) + crop_h > f.fb_height_px) {
    r.error = "crop rectangle outside the framebuffer";
    return r;
  }
  // With a linear buffer the extent is known; a tiled one (Y/4-tiled, CCS) may be larger than
  // pitch × height, so only linear layouts are checked against the size.
  if (buffer_size_bytes != 0 && f.modifier == 0) {
    for (std::uint32_t i = 0; i < planes_needed; ++i) {
      const std::uint64_t rows = i == 0 ? f.fb_height_px : (f.fb_height_px + 1) / 2;
      const std::uint64_t end = f.planes[i].offset_bytes + static_cast<std::uint64_t>(f.planes[i].pitch_bytes) * rows;
      if (end > buffer_size_bytes) {
        r.error = "plane " + std::to_string(i) + " ends at byte " + std::to_string(end) + ", past the buffer (" +
                  std::to_string(buffer_size_bytes) + ")";
        return r;
      }
    }
  }
  VADRMPRIMESurfaceDescriptor& d = r.descriptor;
  d.fourcc = nv12 ? VA_FOURCC_NV12 : (f.fourcc == kDrmXbgr8888 || f.fourcc == kDrmAbgr8888 ? VA_FOURCC_RGBX
                                                                                              : VA_FOURCC_BGRX);
  d.width = f.fb_width_px;
  d.height = f.fb_height_px;
  d.num_objects = 1;
  d.objects[0].fd = f.fd;
  d.objects[0].size = static_cast<std::uint32_t>(std::min<std::uint64_t>(buffer_size_bytes, 0xFFFFFFFFu));
  d.objects[0].drm_format_modifier = f.modifier;
  d.num_layers = 1;
  // One layer in the buffer's own DRM format: X/A variants are described as what they are, so
  // the driver reads the 4th byte as padding (XRGB) or alpha it then ignores (ARGB).
  d.layers[0].drm_format = f.fourcc;
  d.layers[0].num_planes = planes_needed;
  for (std::uint32_t i = 0; i < planes_needed; ++i) {
    d.layers[0].object_index[i] = 0;
    d.layers[0].offset[i] = f.planes[i].offset_bytes;
    d.layers[0].pitch[i] = f.planes[i].pitch_bytes;
  }
  return r;
}

const char* status_name(int s) noexcept {
  switch (s) {
    case MFX_ERR_NONE: return "MFX_ERR_NONE";
    case MFX_ERR_UNKNOWN: return "MFX_ERR_UNKNOWN";
    case MFX_ERR_NULL_PTR: return "MFX_ERR_NULL_PTR";
    case MFX_ERR_UNSUPPORTED: return "MFX_ERR_UNSUPPORTED";
    case MFX_ERR_MEMORY_ALLOC: return "MFX_ERR_MEMORY_ALLOC";
    case MFX_ERR_NOT_ENOUGH_BUFFER: return "MFX_ERR_NOT_ENOUGH_BUFFER";
    case MFX_ERR_INVALID_HANDLE: return "MFX_ERR_INVALID_HANDLE";
    case MFX_ERR_LOCK_MEMORY: return "MFX_ERR_LOCK_MEMORY";
    case MFX_ERR_NOT_INITIALIZED: return "MFX_ERR_NOT_INITIALIZED";
    case MFX_ERR_NOT_FOUND: return "MFX_ERR_NOT_FOUND";
    case MFX_ERR_MORE_DATA: return "MFX_ERR_MORE_DATA";
    case MFX_ERR_MORE_SURFACE: return "MFX_ERR_MORE_SURFACE";
    case MFX_ERR_ABORTED: return "MFX_ERR_ABORTED";
    case MFX_ERR_DEVICE_LOST: return "MFX_ERR_DEVICE_LOST";
    case MFX_ERR_INCOMPATIBLE_VIDEO_PARAM: return "MFX_ERR_INCOMPATIBLE_VIDEO_PARAM";
    case MFX_ERR_INVALID_VIDEO_PARAM: return "MFX_ERR_INVALID_VIDEO_PARAM";
    case MFX_ERR_UNDEFINED_BEHAVIOR: return "MFX_ERR_UNDEFINED_BEHAVIOR";
    case MFX_ERR_DEVICE_FAILED: return "MFX_ERR_DEVICE_FAILED";
    case MFX_ERR_MORE_BITSTREAM: return "MFX_ERR_MORE_BITSTREAM";
    case MFX_ERR_GPU_HANG: return "MFX_ERR_GPU_HANG";
    case MFX_ERR_NOT_IMPLEMENTED: return "MFX_ERR_NOT_IMPLEMENTED";
    case MFX_WRN_IN_EXECUTION: return "MFX_WRN_IN_EXECUTION";
    case MFX_WRN_DEVICE_BUSY: return "MFX_WRN_DEVICE_BUSY";
    case MFX_WRN_PARTIAL_ACCELERATION: return "MFX_WRN_PARTIAL_ACCELERATION";
    case MFX_WRN_INCOMPATIBLE_VIDEO_PARAM: return "MFX_WRN_INCOMPATIBLE_VIDEO_PARAM";
    case MFX_WRN_VALUE_NOT_CHANGED: return "MFX_WRN_VALUE_NOT_CHANGED";
    case MFX_WRN_OUT_OF_RANGE: return "MFX_WRN_OUT_OF_RANGE";
    default: return "MFX status";
  }
}

}  // namespace lightwell::encode::qsv
