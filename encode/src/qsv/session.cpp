// oneVPL loader/session (session.hpp) and the per-codec Query the probe and encoder share.
#include "session.hpp"

#include <cstring>

#include "params.hpp"

namespace lightwell::encode::qsv {
namespace {

void add_u32(mfxLoader loader, const char* name, mfxU32 value) {
  mfxConfig config = MFXCreateConfig(loader);
  if (config == nullptr) return;
  mfxVariant v{};
  v.Version.Version = MFX_VARIANT_VERSION;
  v.Type = MFX_VARIANT_TYPE_U32;
  v.Data.U32 = value;
  MFXSetConfigFilterProperty(config, reinterpret_cast<const mfxU8*>(name), v);
}

}  // namespace

Loader::Loader() : loader_(MFXLoad()) {
  if (loader_ == nullptr) return;
  // oneVPL dispatcher filter properties (mfxdispatcher.h, "oneVPL Dispatcher" in the spec):
  // a hardware implementation, through VA-API, with API 2.0 or newer (the minimum: the
  // dispatcher treats ApiVersion as "at least").
  add_u32(loader_, "mfxImplDescription.Impl", MFX_IMPL_TYPE_HARDWARE);
  add_u32(loader_, "mfxImplDescription.AccelerationMode", MFX_ACCEL_MODE_VIA_VAAPI);
  add_u32(loader_, "mfxImplDescription.ApiVersion.Version", (2u << 16) | 0u);
}

Loader::~Loader() {
  if (loader_ != nullptr) MFXUnload(loader_);
}

std::string codec_name(std::uint32_t id) {
  switch (id) {
    case MFX_CODEC_AVC: return "H.264";
    case MFX_CODEC_HEVC: return "HEVC";
    case MFX_CODEC_AV1: return "AV1";
    case MFX_CODEC_VP9: return "VP9";
    case MFX_CODEC_MPEG2: return "MPEG-2";
    case MFX_CODEC_JPEG: return "JPEG";
    default: {
      std::string s(4, ' ');
      for (int i = 0; i < 4; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>((id >> (8 * i)) & 0xFF);
      return s;
    }
  }
}

std::vector<QsvImplementation> Loader::implementations() const {
  std::vector<QsvImplementation> out;
  if (loader_ == nullptr) return out;
  for (mfxU32 i = 0;; ++i) {
    mfxHDL handle = nullptr;
    if (MFXEnumImplementations(loader_, i, MFX_IMPLCAPS_IMPLDESCSTRUCTURE, &handle) != MFX_ERR_NONE) break;
    const auto* d = static_cast<const mfxImplDescription*>(handle);
    QsvImplementation impl;
    impl.name = std::string(d->ImplName, strnlen(d->ImplName, sizeof d->ImplName));
    impl.api_version = std::to_string(d->ApiVersion.Major) + "." + std::to_string(d->ApiVersion.Minor);
    impl.vendor_id = d->VendorID;
    impl.device_id = std::string(d->Dev.DeviceID, strnlen(d->Dev.DeviceID, sizeof d->Dev.DeviceID));
    impl.hardware = d->Impl == MFX_IMPL_TYPE_HARDWARE;
    for (mfxU16 c = 0; c < d->Enc.NumCodecs && d->Enc.Codecs != nullptr; ++c) {
      impl.encode_codecs.push_back(codec_name(d->Enc.Codecs[c].CodecID));
    }
    MFXDispReleaseImplDescription(loader_, handle);
    out.push_back(std::move(impl));
  }
  return out;
}

std::unique_ptr<Session> Session::create(VADisplay display, std::string& error) {
  std::unique_ptr<Session> s(new Session());
  if (s->loader_.loader() == nullptr) {
    error = "MFXLoad failed";
    return nullptr;
  }
  mfxStatus st = MFXCreateSession(s->loader_.loader(), 0, &s->session_);
  if (st != MFX_ERR_NONE) {
    s->session_ = nullptr;
    error = std::string("MFXCreateSession: ") + status_name(st) + " (no oneVPL GPU implementation)";
    return nullptr;
  }
  st = MFXVideoCORE_SetHandle(s->session_, MFX_HANDLE_VA_DISPLAY, display);
  if (st != MFX_ERR_NONE) {
    error = std::string("MFXVideoCORE_SetHandle(MFX_HANDLE_VA_DISPLAY): ") + status_name(st);
    return nullptr;
  }
  return s;
}

Session::~Session() {
  if (session_ != nullptr) MFXClose(session_);
}

mfxStatus query_encode(mfxSession session, const EncoderConfig& config, bool low_power, bool ref_list) {
  EncodeParams in;
  build_encode_params(config, EncodeChoices{low_power, 0, 16}, in);
  mfxExtAVCRefListCtrl ctrl{};
  std::array<mfxExtBuffer*, 5> ext{};
  if (ref_list) {
    for (mfxU16 i = 0; i < in.param.NumExtParam; ++i) ext[i] = in.param.ExtParam[i];
    ctrl.Header.BufferId = MFX_EXTBUFF_AVC_REFLIST_CTRL;
    ctrl.Header.BufferSz = sizeof ctrl;
    ext[in.param.NumExtParam] = &ctrl.Header;
    in.param.ExtParam = ext.data();
    in.param.NumExtParam = static_cast<mfxU16>(in.param.NumExtParam + 1);
  }
  // Query(in, out) with out = a copy of in carrying its own ext buffers (the runtime writes the
  // corrected values into out; an unsupported field comes back zeroed with an error status).
  EncodeParams out;
  build_encode_params(config, EncodeChoices{low_power, 0, 16}, out);
  mfxExtAVCRefListCtrl ctrl_out = ctrl;
  std::array<mfxExtBuffer*, 5> ext_out{};
  if (ref_list) {
    for (mfxU16 i = 0; i < out.param.NumExtParam; ++i) ext_out[i] = out.param.ExtParam[i];
    ext_out[out.param.NumExtParam] = &ctrl_out.Header;
    out.param.ExtParam = ext_out.data();
    out.param.NumExtParam = static_cast<mfxU16>(out.param.NumExtParam + 1);
  }
  return MFXVideoENCODE_Query(session, &in.param, &out.param);
}

QsvCodecSupport query_codec(mfxSession session, Codec codec) {
  QsvCodecSupport r;
  r.codec = codec;
  EncoderConfig config;
  config.codec = codec;
  config.width_px = 1920;
  config.height_px = 1080;
  config.frame_rate_x100 = 6000;
  config.bitrate_kbps = 20000;
  config.max_reference_frames = 2;
  // Warnings (> 0) mean "accepted with corrections"; errors (< 0) mean refused.
  const mfxStatus lp = query_encode(session, config, true, false);
  const mfxStatus full = query_encode(session, config, false, false);
  r.low_power = lp >= MFX_ERR_NONE;
  r.full_power = full >= MFX_ERR_NONE;
  r.encode = r.low_power || r.full_power;
  if (!r.encode) {
    r.detail = std::string("LowPower=ON: ") + status_name(lp) + ", LowPower=OFF: " + status_name(full);
    return r;
  }
  if (codec != Codec::h264) {
    config.ten_bit = true;
    r.ten_bit = query_encode(session, config, r.low_power, false) >= MFX_ERR_NONE;
    config.ten_bit = false;
  }
  if (codec != Codec::av1) r.reference_invalidation = query_encode(session, config, r.low_power, true) >= MFX_ERR_NONE;
  return r;
}

}  // namespace lightwell::encode::qsv
