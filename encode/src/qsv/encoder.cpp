// The Quick Sync encoder (qsv.hpp): VA display → oneVPL session → VPP (RGB/NV12 → NV12/P010
// in the negotiated matrix) → ENCODE, synchronously, one frame in and one access unit out.
// Settings and their reasons: params.cpp and docs/qsv.md.
#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <thread>

#include "lightwell/encode/qsv.hpp"
#include "params.hpp"
#include "session.hpp"
#include "surfaces.hpp"
#include "va_device.hpp"

namespace lightwell::encode {
namespace {

using qsv::status_name;

constexpr mfxU32 kSyncTimeoutMs = 5000;  // a frame never takes this long; a hung GPU does

std::filesystem::path choose_node(const QsvOptions& o, std::unique_ptr<qsv::VaDevice>& device) {
  std::string error;
  if (!o.render_node.empty()) {
    device = qsv::VaDevice::open(o.render_node, error);
    if (!device) throw std::runtime_error("Quick Sync unavailable: " + error);
    return o.render_node;
  }
  if (!o.kms_card.empty()) {
    const auto node = render_node_for_card(o.kms_card, o.dri_dir, o.sysfs_drm);
    if (node.empty()) {
      throw std::runtime_error("Quick Sync unavailable: no render node for " + o.kms_card.string() + " in " +
                               o.sysfs_drm.string());
    }
    device = qsv::VaDevice::open(node, error);
    if (!device) throw std::runtime_error("Quick Sync unavailable: " + error);
    return node;
  }
  const auto nodes = qsv::render_nodes(o.dri_dir);
  if (nodes.empty()) throw std::runtime_error("Quick Sync unavailable: no " + o.dri_dir.string() + " render node");
  std::string other;
  for (const auto& node : nodes) {
    auto d = qsv::VaDevice::open(node, error);
    if (!d) continue;
    if (va_driver_from_vendor(d->vendor()) == "iHD") {
      device = std::move(d);
      return node;
    }
    if (other.empty()) other = va_driver_from_vendor(d->vendor());
  }
  throw std::runtime_error("Quick Sync unavailable: " +
                           (other.empty() ? error : "VA driver is " + other + ", not iHD"));
}

class QsvEncoder final : public QsvVideoEncoder {
 public:
  QsvEncoder(const EncoderConfig& config, const QsvOptions& options) : config_(config) {
    if (const std::string bad = qsv::validate_config(config); !bad.empty()) throw std::invalid_argument(bad);
    choose_node(options, device_);
    if (const std::string driver = va_driver_from_vendor(device_->vendor()); driver != "iHD") {
      throw std::runtime_error("Quick Sync unavailable: VA driver is " + driver + ", not iHD");
    }
    if (void* h = ::dlopen("libmfx-gen.so.1.2", RTLD_LAZY | RTLD_LOCAL)) {
      ::dlclose(h);
    } else {
      const char* why = dlerror();
      throw std::runtime_error(std::string("Quick Sync unavailable: libmfx-gen not loadable: ") + (why ? why : "?"));
    }
    std::string error;
    pool_ = std::make_unique<qsv::SurfacePool>(device_->display());
    session_ = qsv::Session::create(device_->display(), error);
    if (!session_) throw std::runtime_error("Quick Sync unavailable: " + error);
    check(MFXVideoCORE_SetFrameAllocator(session_->get(), pool_->allocator()), "MFXVideoCORE_SetFrameAllocator");

    // Low-power (VDEnc) first when asked (AV1 has nothing else), then the full-power path.
    choices_.intra_refresh_cycle = options.intra_refresh_cycle_frames;
    const bool try_lp = options.prefer_low_power || config.codec == Codec::av1;
    mfxStatus st = MFX_ERR_UNSUPPORTED;
    if (try_lp) st = qsv::query_encode(session_->get(), config, true, false);
    choices_.low_power = try_lp && st >= MFX_ERR_NONE;
    if (!choices_.low_power) st = qsv::query_encode(session_->get(), config, false, false);
    if (st < MFX_ERR_NONE) {
      throw std::runtime_error(std::string("Quick Sync refused the configuration: MFXVideoENCODE_Query ") +
                               status_name(st));
    }
    // Reference invalidation needs a reference to fall back on: more than one reference frame
    // and the runtime accepting mfxExtAVCRefListCtrl (AV1: not offered by oneVPL 2.8).
    ref_list_ctrl_ = config.codec != Codec::av1 && config.max_reference_frames != 1 &&
                     qsv::query_encode(session_->get(), config, choices_.low_power, true) >= MFX_ERR_NONE;

    qsv::build_encode_params(config, choices_, params_);
    check(MFXVideoENCODE_Init(session_->get(), &params_.param), "MFXVideoENCODE_Init");
    mfxFrameAllocRequest request{};
    check(MFXVideoENCODE_QueryIOSurf(session_->get(), &params_.param, &request), "MFXVideoENCODE_QueryIOSurf");
    const mfxU16 count = static_cast<mfxU16>(std::max<int>(request.NumFrameSuggested, 1) + 2);
    for (mfxU16 i = 0; i < count; ++i) {
      qsv::SurfacePool::Record* r = pool_->create(params_.param.mfx.FrameInfo, error);
      if (r == nullptr) throw std::runtime_error("Quick Sync: " + error);
      mfxFrameSurface1 s{};
      s.Info = params_.param.mfx.FrameInfo;
      s.Data.MemId = r;
      encode_surfaces_.push_back(s);
    }
    const std::size_t w = config.width_px;
    const std::size_t h = config.height_px;
    bitstream_.resize(w * h * (config.ten_bit ? 3 : 2) + 65536);
  }

  ~QsvEncoder() override {
    if (session_) {
      MFXVideoENCODE_Close(session_->get());
      if (vpp_ready_) MFXVideoVPP_Close(session_->get());
    }
    session_.reset();  // before the pool: the runtime may still reference surfaces until closed
    pool_.reset();
  }

  EncodeResult encode(const capture::Frame& frame, bool force_idr) override {
    if (frame.width_px != config_.width_px || frame.height_px != config_.height_px) {
      return fail("frame is " + std::to_string(frame.width_px) + "x" + std::to_string(frame.height_px) +
                  ", the encoder was configured for " + std::to_string(config_.width_px) + "x" +
                  std::to_string(config_.height_px));
    }
    const bool rgb = frame.format == capture::PixelFormat::bgrx8888;
    const std::size_t planes_needed = frame.format == capture::PixelFormat::i420 ? 3 : rgb ? 1 : 2;
    if (frame.plane_count < planes_needed) return fail("frame has too few planes");
    for (std::size_t i = 0; i < planes_needed; ++i) {
      if (frame.planes[i].data == nullptr) return fail("frame plane " + std::to_string(i) + " is missing");
    }
    const std::uint32_t fourcc = rgb ? MFX_FOURCC_RGB4 : MFX_FOURCC_NV12;
    if (std::string e = ensure_vpp(fourcc, frame.width_px, frame.height_px, {}); !e.empty()) return fail(e);
    if (upload_ == nullptr || upload_fourcc_ != fourcc) {
      if (upload_ != nullptr) pool_->destroy(upload_);
      upload_ = pool_->create(vpp_.param.vpp.In, upload_error_);
      upload_fourcc_ = fourcc;
      if (upload_ == nullptr) return fail("upload surface: " + upload_error_);
    }
    if (std::string e = upload(frame); !e.empty()) return fail(e);
    mfxFrameSurface1 in{};
    in.Info = vpp_.param.vpp.In;
    in.Data.MemId = upload_;
    return run(in, frame, force_idr);
  }

  EncodeResult encode_dmabuf(const DmaBufFrame& buffer, const capture::Frame& meta, bool force_idr) override {
    struct stat st {};
    if (buffer.fd < 0 || ::fstat(buffer.fd, &st) != 0) return fail("dma-buf fd is not open");
    const off_t size = ::lseek(buffer.fd, 0, SEEK_END);  // dma-buf size (dma-buf(7): lseek SEEK_END)
    qsv::PrimeImport prime = qsv::describe_dmabuf(buffer, size > 0 ? static_cast<std::uint64_t>(size) : 0);
    if (!prime.error.empty()) return fail("dma-buf: " + prime.error);
    const std::uint32_t fourcc = qsv::mfx_fourcc_for_drm(buffer.fourcc);
    const std::uint32_t crop_w = buffer.crop_width_px != 0 ? buffer.crop_width_px : buffer.fb_width_px;
    const std::uint32_t crop_h = buffer.crop_height_px != 0 ? buffer.crop_height_px : buffer.fb_height_px;
    if (std::string e = ensure_vpp(fourcc, buffer.fb_width_px, buffer.fb_height_px, {}); !e.empty()) return fail(e);
    qsv::SurfacePool::Record* surface = imported(st, prime);
    if (surface == nullptr) return fail(import_error_);
    mfxFrameSurface1 in{};
    in.Info = vpp_.param.vpp.In;
    in.Info.CropX = static_cast<mfxU16>(buffer.crop_x_px);
    in.Info.CropY = static_cast<mfxU16>(buffer.crop_y_px);
    in.Info.CropW = static_cast<mfxU16>(crop_w);
    in.Info.CropH = static_cast<mfxU16>(crop_h);
    in.Data.MemId = surface;
    return run(in, meta, force_idr);
  }

  bool can_invalidate_references() const noexcept override { return ref_list_ctrl_; }

  bool invalidate_references(std::uint64_t first, std::uint64_t last) override {
    if (!ref_list_ctrl_) return false;
    for (const auto& [sequence, order] : recent_) {
      if (sequence >= first && sequence <= last) rejected_.push_back(order);
    }
    if (rejected_.size() > 16) rejected_.erase(rejected_.begin(), rejected_.end() - 16);
    return true;
  }

  bool set_bitrate_kbps(std::uint32_t bitrate_kbps) override {
    if (bitrate_kbps == 0 || bitrate_kbps > 1000000) return false;
    qsv::apply_rate(qsv::rate_fields(bitrate_kbps, config_.frame_rate_x100), params_.param.mfx);
    if (MFXVideoENCODE_Reset(session_->get(), &params_.param) < MFX_ERR_NONE) {
      qsv::apply_rate(qsv::rate_fields(config_.bitrate_kbps, config_.frame_rate_x100), params_.param.mfx);
      return false;
    }
    config_.bitrate_kbps = bitrate_kbps;
    return true;
  }

  std::string_view name() const noexcept override { return "qsv"; }
  bool low_power() const noexcept override { return choices_.low_power; }

 private:
  void check(mfxStatus st, const char* what) {
    if (st < MFX_ERR_NONE) throw std::runtime_error(std::string("Quick Sync: ") + what + ": " + status_name(st));
  }

  EncodeResult fail(std::string message) {
    EncodeResult r;
    r.status = EncodeStatus::error;
    r.error = std::move(message);
    return r;
  }

  // (Re)initialises VPP for an input format and size; the output is always the encoder's.
  std::string ensure_vpp(std::uint32_t fourcc, std::uint32_t width, std::uint32_t height, std::string_view) {
    if (vpp_ready_ && vpp_fourcc_ == fourcc && vpp_width_ == width && vpp_height_ == height) return {};
    if (vpp_ready_) MFXVideoVPP_Close(session_->get());
    vpp_ready_ = false;
    qsv::build_vpp_params(config_, fourcc, width, height, vpp_);
    const mfxStatus st = MFXVideoVPP_Init(session_->get(), &vpp_.param);
    if (st < MFX_ERR_NONE) return std::string("MFXVideoVPP_Init: ") + status_name(st);
    vpp_ready_ = true;
    vpp_fourcc_ = fourcc;
    vpp_width_ = width;
    vpp_height_ = height;
    return {};
  }

  // Copies a CPU frame into the upload surface (the fallback path: one copy, on the CPU).
  std::string upload(const capture::Frame& f) {
    mfxFrameData d{};
    if (const mfxStatus st = pool_->lock(upload_, d); st != MFX_ERR_NONE) {
      return std::string("mapping the upload surface: ") + status_name(st);
    }
    const std::size_t pitch = static_cast<std::size_t>(d.PitchHigh) << 16 | d.PitchLow;
    const std::uint32_t w = f.width_px;
    const std::uint32_t h = f.height_px;
    if (f.format == capture::PixelFormat::bgrx8888) {
      for (std::uint32_t y = 0; y < h; ++y) {
        std::memcpy(d.B + y * pitch, f.planes[0].data + y * f.planes[0].stride_bytes, std::size_t{w} * 4);
      }
    } else {
      for (std::uint32_t y = 0; y < h; ++y) {
        std::memcpy(d.Y + y * pitch, f.planes[0].data + y * f.planes[0].stride_bytes, w);
      }
      for (std::uint32_t y = 0; y < h / 2; ++y) {
        std::uint8_t* uv = d.UV + y * pitch;
        if (f.format == capture::PixelFormat::nv12) {
          std::memcpy(uv, f.planes[1].data + y * f.planes[1].stride_bytes, w);
        } else {  // i420: interleave U and V
          const std::uint8_t* u = f.planes[1].data + y * f.planes[1].stride_bytes;
          const std::uint8_t* v = f.planes[2].data + y * f.planes[2].stride_bytes;
          for (std::uint32_t x = 0; x < w / 2; ++x) {
            uv[2 * x] = u[x];
            uv[2 * x + 1] = v[x];
          }
        }
      }
    }
    pool_->unlock(upload_);
    return {};
  }

  // Imported surfaces, cached by the dma-buf's inode (unique per buffer while it lives, unlike
  // the fd number) and layout; a small cache: a KMS source flips between 2–3 framebuffers.
  qsv::SurfacePool::Record* imported(const struct stat& st, const qsv::PrimeImport& prime) {
    for (auto& e : imports_) {
      if (e.inode == st.st_ino && e.fourcc == prime.descriptor.fourcc && e.pitch == prime.descriptor.layers[0].pitch[0] &&
          e.modifier == prime.descriptor.objects[0].drm_format_modifier) {
        return e.record;
      }
    }
    qsv::SurfacePool::Record* r = pool_->import(prime, import_error_);
    if (r == nullptr) return nullptr;
    if (imports_.size() >= 4) {
      pool_->destroy(imports_.front().record);
      imports_.pop_front();
    }
    imports_.push_back(Import{st.st_ino, prime.descriptor.fourcc, prime.descriptor.layers[0].pitch[0],
                              prime.descriptor.objects[0].drm_format_modifier, r});
    return r;
  }

  mfxFrameSurface1* free_surface() {
    for (auto& s : encode_surfaces_) {
      if (s.Data.Locked == 0) return &s;
    }
    return nullptr;
  }

  EncodeResult run(mfxFrameSurface1& in, const capture::Frame& meta, bool force_idr) {
    mfxFrameSurface1* out = free_surface();
    if (out == nullptr) return fail("no free encoder surface (the runtime holds them all)");
    mfxSyncPoint vpp_sync = nullptr;
    mfxStatus st = MFX_ERR_NONE;
    for (int tries = 0; tries < 1000; ++tries) {
      st = MFXVideoVPP_RunFrameVPPAsync(session_->get(), &in, out, nullptr, &vpp_sync);
      if (st != MFX_WRN_DEVICE_BUSY) break;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    if (st < MFX_ERR_NONE) return fail(std::string("VPP: ") + status_name(st));

    out->Data.FrameOrder = frame_order_;
    mfxEncodeCtrl ctrl{};
    mfxExtAVCRefListCtrl refs{};
    std::array<mfxExtBuffer*, 1> ctrl_ext{};
    const bool idr = force_idr || first_;
    if (idr) ctrl.FrameType = MFX_FRAMETYPE_I | MFX_FRAMETYPE_IDR | MFX_FRAMETYPE_REF;
    if (!rejected_.empty() && !idr) {
      refs.Header.BufferId = MFX_EXTBUFF_AVC_REFLIST_CTRL;
      refs.Header.BufferSz = sizeof refs;
      for (auto& e : refs.PreferredRefList) e.FrameOrder = static_cast<mfxU32>(MFX_FRAMEORDER_UNKNOWN);
      for (auto& e : refs.LongTermRefList) e.FrameOrder = static_cast<mfxU32>(MFX_FRAMEORDER_UNKNOWN);
      for (auto& e : refs.RejectedRefList) e.FrameOrder = static_cast<mfxU32>(MFX_FRAMEORDER_UNKNOWN);
      for (std::size_t i = 0; i < rejected_.size() && i < 16; ++i) {
        refs.RejectedRefList[i].FrameOrder = rejected_[i];
        refs.RejectedRefList[i].PicStruct = MFX_PICSTRUCT_PROGRESSIVE;
      }
      ctrl_ext[0] = &refs.Header;
      ctrl.ExtParam = ctrl_ext.data();
      ctrl.NumExtParam = 1;
    }
    rejected_.clear();

    mfxBitstream bs{};
    bs.Data = bitstream_.data();
    bs.MaxLength = static_cast<mfxU32>(bitstream_.size());
    mfxSyncPoint sync = nullptr;
    const bool use_ctrl = idr || ctrl.NumExtParam != 0;
    for (int tries = 0; tries < 1000; ++tries) {
      st = MFXVideoENCODE_EncodeFrameAsync(session_->get(), use_ctrl ? &ctrl : nullptr, out, &bs, &sync);
      if (st != MFX_WRN_DEVICE_BUSY) break;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    if (st == MFX_ERR_MORE_DATA) return fail("the encoder held the frame back (MFX_ERR_MORE_DATA): not low-delay");
    if (st < MFX_ERR_NONE) return fail(std::string("encode: ") + status_name(st));
    st = MFXVideoCORE_SyncOperation(session_->get(), sync, kSyncTimeoutMs);
    if (st < MFX_ERR_NONE) return fail(std::string("encode sync: ") + status_name(st));

    recent_.emplace_back(meta.sequence, frame_order_);
    if (recent_.size() > 32) recent_.pop_front();
    ++frame_order_;
    first_ = false;

    EncodeResult r;
    r.frame.bitstream = std::span<const std::uint8_t>(bs.Data + bs.DataOffset, bs.DataLength);
    r.frame.idr = (bs.FrameType & (MFX_FRAMETYPE_IDR | MFX_FRAMETYPE_xIDR)) != 0;
    r.frame.source_sequence = meta.sequence;
    return r;
  }

  struct Import {
    ino_t inode;
    std::uint32_t fourcc;
    std::uint32_t pitch;
    std::uint64_t modifier;
    qsv::SurfacePool::Record* record;
  };

  EncoderConfig config_;
  qsv::EncodeChoices choices_;
  std::unique_ptr<qsv::VaDevice> device_;
  std::unique_ptr<qsv::SurfacePool> pool_;
  std::unique_ptr<qsv::Session> session_;
  qsv::EncodeParams params_;
  qsv::VppParams vpp_;
  bool vpp_ready_ = false;
  std::uint32_t vpp_fourcc_ = 0;
  std::uint32_t vpp_width_ = 0;
  std::uint32_t vpp_height_ = 0;
  bool ref_list_ctrl_ = false;
  std::vector<mfxFrameSurface1> encode_surfaces_;
  qsv::SurfacePool::Record* upload_ = nullptr;
  std::uint32_t upload_fourcc_ = 0;
  std::string upload_error_;
  std::string import_error_;
  std::deque<Import> imports_;
  std::vector<std::uint8_t> bitstream_;
  std::deque<std::pair<std::uint64_t, mfxU32>> recent_;  // source sequence → FrameOrder
  std::vector<mfxU32> rejected_;
  mfxU32 frame_order_ = 0;
  bool first_ = true;
};

}  // namespace

std::unique_ptr<QsvVideoEncoder> make_qsv_encoder(const EncoderConfig& config, const QsvOptions& options) {
  return std::make_unique<QsvEncoder>(config, options);
}

}  // namespace lightwell::encode
