// Pure mappings of the Quick Sync path (docs/qsv.md): EncoderConfig → mfxVideoParam + ext
// buffers for ENCODE and VPP, and DmaBufFrame → the VA-API DRM PRIME 2 import descriptor.
// No session, no display, no allocation beyond the structs: tests/encode/test_qsv_params.cpp
// checks every field without a GPU. Internal to encode/ (the tests include it by path).
//
// Thread rules: pure functions; each struct is owned by its caller. The param structs point
// into themselves (ExtParam), so they are neither copyable nor movable.
#pragma once

#include <va/va.h>
#include <va/va_drmcommon.h>
#include <vpl/mfxstructures.h>

#include <array>
#include <cstdint>
#include <string>

#include "lightwell/encode/qsv.hpp"

namespace lightwell::encode::qsv {

// Choices made from the probe / runtime answers rather than from the client's config.
struct EncodeChoices {
  bool low_power = true;                   // mfxInfoMFX::LowPower ON / OFF
  std::uint16_t intra_refresh_cycle = 0;   // 0 = no intra refresh
  std::uint16_t width_alignment_px = 16;   // surface alignment (oneVPL: multiple of 16)
};

struct EncodeParams {
  EncodeParams() = default;
  EncodeParams(const EncodeParams&) = delete;
  EncodeParams& operator=(const EncodeParams&) = delete;

  mfxVideoParam param{};
  mfxExtCodingOption co{};
  mfxExtCodingOption2 co2{};
  mfxExtCodingOption3 co3{};
  mfxExtVideoSignalInfo vsi{};
  std::array<mfxExtBuffer*, 4> ext{};
};

// Fills `out` for MFXVideoENCODE_Query/Init. Assumes a config validate_config accepted.
void build_encode_params(const EncoderConfig& config, const EncodeChoices& choices, EncodeParams& out);

// CBR figures with the BRCParamMultiplier oneVPL needs when a value exceeds 16 bits:
// TargetKbps = MaxKbps = bitrate, BufferSizeInKB = InitialDelayInKB = one frame at that rate
// (bitrate / fps, in units of 1000 bytes, rounded up).
struct RateFields {
  std::uint16_t multiplier = 1;
  std::uint16_t target_kbps = 0;
  std::uint16_t max_kbps = 0;
  std::uint16_t buffer_size_kb = 0;
  std::uint16_t initial_delay_kb = 0;
};
RateFields rate_fields(std::uint32_t bitrate_kbps, std::uint32_t frame_rate_x100);
void apply_rate(const RateFields& rate, mfxInfoMFX& mfx);

// VPP: input RGB4 (B,G,R,X bytes = DRM XRGB8888) or NV12, output NV12 (P010 for ten_bit) with
// the negotiated matrix and range (mfxExtVPPVideoSignalInfo: BT.601 or BT.709; BT.2020 through
// mfxExtVideoSignalInfo with the _OUT id, which needs hardware to verify: docs/qsv.md).
struct VppParams {
  VppParams() = default;
  VppParams(const VppParams&) = delete;
  VppParams& operator=(const VppParams&) = delete;

  mfxVideoParam param{};
  mfxExtVPPVideoSignalInfo signal{};
  mfxExtVideoSignalInfo signal_out{};  // BT.2020 only (see build_vpp_params)
  std::array<mfxExtBuffer*, 2> ext{};
};
void build_vpp_params(const EncoderConfig& config, std::uint32_t input_fourcc, std::uint32_t input_width_px,
                      std::uint32_t input_height_px, VppParams& out);

// The VUI / sequence-header colour description of the negotiated space (same table as x264:
// video.md §10.2): primaries, transfer, matrix.
struct ColourDescription {
  std::uint16_t primaries = 0;
  std::uint16_t transfer = 0;
  std::uint16_t matrix = 0;
};
ColourDescription colour_description(ColorSpace space) noexcept;

// Empty when oneVPL can take it, else "<field>: why" (std::invalid_argument text).
std::string validate_config(const EncoderConfig& config);

// oneVPL codec id and profile for the config.
std::uint32_t codec_id(Codec codec) noexcept;
std::uint16_t codec_profile(Codec codec, bool ten_bit) noexcept;

// DRM fourcc → what oneVPL's VPP reads (MFX_FOURCC_RGB4 for XRGB/ARGB, BGR4 for XBGR/ABGR,
// NV12) and the VA render-target format; 0 when not supported.
std::uint32_t mfx_fourcc_for_drm(std::uint32_t drm_fourcc) noexcept;
std::uint32_t va_rt_format_for_drm(std::uint32_t drm_fourcc) noexcept;

// The VASurfaceAttribExternalBufferDescriptor of a DRM PRIME 2 import (va_drmcommon.h): one
// object (the fd, its size, the modifier), one layer with the buffer's planes. Returns an error
// text instead when the description cannot be imported (no fd, unknown fourcc, plane count or
// pitch that does not fit the format, planes beyond buffer_size_bytes when known).
struct PrimeImport {
  VADRMPRIMESurfaceDescriptor descriptor{};
  std::uint32_t rt_format = 0;  // VA_RT_FORMAT_* for vaCreateSurfaces
  std::string error;            // empty on success
};
PrimeImport describe_dmabuf(const DmaBufFrame& frame, std::uint64_t buffer_size_bytes);

// mfxStatus → "MFX_ERR_UNSUPPORTED" etc. (for messages).
const char* status_name(int status) noexcept;

}  // namespace lightwell::encode::qsv
