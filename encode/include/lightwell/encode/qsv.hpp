// Intel Quick Sync encoding through oneVPL (issue 5 "Encode (encode/)", docs/qsv.md): the probe
// that says what this machine's GPU can encode, and the encoder behind VideoEncoder.
//
// The encoder opens ONE VADisplay on the render node of the GPU (the same GPU as the KMS card
// when the caller names it), hands it to oneVPL as MFX_HANDLE_VA_DISPLAY, imports dma-buf
// frames into VA surfaces on that display (no CPU copy), converts them to NV12 / P010 in the
// negotiated matrix and range with oneVPL's VPP and encodes them. CPU frames (i420, nv12,
// bgrx8888) are uploaded into a VA surface first (the fallback path).
//
// Ownership: probe results are values. The encoder owns the VA display, the oneVPL session and
// every surface; a dma-buf fd passed in is borrowed for the call (VA keeps its own reference
// on imported buffers, cached per buffer while the buffer lives). Thread rules: probe_qsv and
// the pure helpers from any thread; one encoder is used by one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lightwell/encode/video_encoder.hpp"

namespace lightwell::encode {

// ---- dma-buf frames (proposed as capture::Frame's optional dma-buf description) ----------

struct DmaBufPlaneLayout {
  std::uint32_t offset_bytes = 0;  // into the buffer behind fd
  std::uint32_t pitch_bytes = 0;
};

// A framebuffer as the KMS source exports it (drmModeGetFB2 + drmPrimeHandleToFD). All planes
// of the formats Lightwell takes (XRGB8888 / ARGB8888 / XBGR8888 / ABGR8888, NV12) live in one
// buffer object; the fd is lent for the call.
struct DmaBufFrame {
  int fd = -1;
  std::uint32_t fourcc = 0;       // DRM_FORMAT_* (drm_fourcc.h)
  std::uint64_t modifier = 0;     // DRM_FORMAT_MOD_*; 0 = LINEAR
  std::uint32_t fb_width_px = 0;  // the whole framebuffer
  std::uint32_t fb_height_px = 0;
  std::uint32_t plane_count = 1;  // 1..4
  std::array<DmaBufPlaneLayout, 4> planes{};
  // The CRTC's view inside the framebuffer (its source rectangle); 0 size = the whole buffer.
  std::uint32_t crop_x_px = 0;
  std::uint32_t crop_y_px = 0;
  std::uint32_t crop_width_px = 0;
  std::uint32_t crop_height_px = 0;
};

// ---- the probe ---------------------------------------------------------------------------

// What MFXEnumImplementations said about one implementation (mfxImplDescription).
struct QsvImplementation {
  std::string name;              // ImplName, e.g. "mfx-gen"
  std::string api_version;       // "2.8"
  std::uint32_t vendor_id = 0;   // 0x8086 for Intel
  std::string device_id;         // Dev.DeviceID, e.g. "46a8/0"
  bool hardware = false;         // Impl == MFX_IMPL_TYPE_HARDWARE
  std::vector<std::string> encode_codecs;  // "H.264", "HEVC", "AV1", ... as the runtime lists them
};

// The answer of MFXVideoENCODE_Query for one codec on this GPU (1920x1080, 60 fps, CBR, the
// settings make_qsv_encoder uses), tried with the low-power entrypoint and without.
struct QsvCodecSupport {
  Codec codec = Codec::h264;
  bool encode = false;       // some entrypoint accepted the parameters
  bool low_power = false;    // LowPower=ON accepted (VDEnc; on Gen11+ its rate control needs HuC)
  bool full_power = false;   // LowPower=OFF accepted (the shader-assisted VME path)
  bool ten_bit = false;      // Main10 / AV1 10-bit accepted
  bool reference_invalidation = false;  // mfxExtAVCRefListCtrl accepted by Query
  std::string detail;        // the status when it was refused, e.g. "MFX_ERR_UNSUPPORTED"
};

struct QsvProbe {
  std::filesystem::path dri_dir;         // where render nodes were looked for
  std::filesystem::path render_node;     // the node VA initialised on; empty if none
  std::string va_vendor;                 // vaQueryVendorString
  std::string va_driver;                 // "iHD", "i965", "radeonsi", ... (from the vendor string)
  std::string kernel_driver;             // sysfs, e.g. "i915", "xe"
  bool runtime_loadable = false;         // libmfx-gen.so.1.2 dlopen'able
  std::string runtime_detail;            // dlerror() when not
  std::vector<QsvImplementation> implementations;
  std::vector<QsvCodecSupport> codecs;   // H.264, HEVC, AV1 when a session could be created
  // HuC: the i915 enable_guc module parameter (bit 1 = load HuC); empty when unknown.
  std::string huc;
  // Empty when the encoder can be used; otherwise exactly why not, e.g. "no /dev/dri render
  // node", "VA driver is i965, not iHD", "libmfx-gen not loadable: ...".
  std::string unavailable;

  bool usable() const noexcept { return unavailable.empty(); }
  const QsvCodecSupport* codec(Codec c) const noexcept;
};

struct QsvProbeOptions {
  std::filesystem::path dri_dir = "/dev/dri";
  std::filesystem::path sysfs_drm = "/sys/class/drm";
  std::filesystem::path enable_guc_param = "/sys/module/i915/parameters/enable_guc";
  std::string runtime_library = "libmfx-gen.so.1.2";
  // Run MFXVideoENCODE_Query per codec (needs a session; a few ms). Off: VA and enumeration only.
  bool query_codecs = true;
};

// Never throws; absent hardware is a normal answer (unavailable says why).
QsvProbe probe_qsv(const QsvProbeOptions& options = {});

// The largest picture the Intel encoders take (oneVPL / VA-API caps on Gen12: 4096x2304 for
// H.264, 8192x8192 for HEVC and AV1).
std::uint32_t qsv_max_width_px(Codec codec) noexcept;
std::uint32_t qsv_max_height_px(Codec codec) noexcept;

// The row for the encoder table (probe decides): true when probe says this GPU encodes
// `codec` (and 10-bit if asked) and the size is within the limits above. Frame rate: Quick Sync
// runs 1080p at several hundred fps and 4K60 on every supported GPU, so any rate up to 240 is
// accepted.
bool qsv_can_encode(const QsvProbe& probe, Codec codec, bool ten_bit, std::uint32_t width_px,
                    std::uint32_t height_px, std::uint32_t frame_rate_x100) noexcept;

// This machine's probe, run once per process on first use (thread-safe): the GPU does not
// change while the host runs, and the encoder table's probe() is called per mode; the table's
// first row (encode/src/encoder_table.cpp) answers through qsv_availability.
const QsvProbe& machine_qsv_probe();
struct QsvAvailability {
  bool usable = false;
  std::string detail;  // "Quick Sync on /dev/dri/renderD128 (iHD)" or why not
};
QsvAvailability qsv_availability(Codec codec, bool ten_bit, std::uint32_t width_px, std::uint32_t height_px,
                                 std::uint32_t frame_rate_x100);

// ---- the encoder -------------------------------------------------------------------------

struct QsvOptions {
  // The render node to open. Empty: the node of kms_card's GPU if given, else the first render
  // node whose VA driver is iHD.
  std::filesystem::path render_node;
  std::filesystem::path kms_card;        // e.g. /dev/dri/card0: encode on the GPU that scans out
  std::filesystem::path dri_dir = "/dev/dri";
  std::filesystem::path sysfs_drm = "/sys/class/drm";
  // Intra refresh (mfxExtCodingOption2::IntRefType = vertical) over this many frames instead of
  // relying on IDRs for recovery; 0 = off.
  std::uint16_t intra_refresh_cycle_frames = 0;
  // Try the low-power (VDEnc) entrypoint first (AV1 has only that one).
  bool prefer_low_power = true;
};

// A Quick Sync encoder also takes dma-buf frames directly (zero copy).
class QsvVideoEncoder : public VideoEncoder {
 public:
  // Imports the buffer into a VA surface on the encoder's display (cached per buffer), converts
  // the crop rectangle to NV12/P010 on the GPU and encodes it. meta supplies sequence and
  // captured_at; its planes are ignored.
  virtual EncodeResult encode_dmabuf(const DmaBufFrame& buffer, const capture::Frame& meta, bool force_idr) = 0;
  virtual bool low_power() const noexcept = 0;  // which entrypoint the session got
};

// Throws std::invalid_argument naming the field for a configuration no Quick Sync encoder can
// take (size odd or outside 16..limit, zero rate or bitrate, slices 0, ten_bit for H.264), and
// std::runtime_error saying why when this machine cannot: "Quick Sync unavailable: no /dev/dri
// render node", "... VA driver is i965, not iHD", "... libmfx-gen not loadable", or oneVPL's
// refusal of the parameters (with the status name).
std::unique_ptr<QsvVideoEncoder> make_qsv_encoder(const EncoderConfig& config, const QsvOptions& options = {});

// The render node of the GPU behind a KMS card: /sys/class/drm/<card>/device/drm/renderD*.
// Empty when sysfs does not say (a test points sysfs_drm at a fake tree).
std::filesystem::path render_node_for_card(const std::filesystem::path& card,
                                           const std::filesystem::path& dri_dir = "/dev/dri",
                                           const std::filesystem::path& sysfs_drm = "/sys/class/drm");

// "iHD" for "Intel iHD driver for Intel(R) Gen Graphics - 23.1.1 ()", "i965" for "Intel i965
// driver ...", "radeonsi"/"nouveau"/... from Mesa's "Mesa Gallium driver 22.3.6 for AMD ...
// (radeonsi, ...)" is not parsed: anything else is returned as the first word. Pure.
std::string va_driver_from_vendor(const std::string& vendor);

}  // namespace lightwell::encode
