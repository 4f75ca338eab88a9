// oneVPL loader and session on a VA display (docs/qsv.md "Session"): MFXLoad, filter properties
// for a hardware implementation reached through VA-API with API ≥ 2.0, MFXCreateSession, then
// the VA display handed over as MFX_HANDLE_VA_DISPLAY so every surface lives on that display.
// Ownership: Session owns the loader and the session (closed before the loader is unloaded).
#pragma once

#include <va/va.h>
#include <vpl/mfx.h>

#include <memory>
#include <string>
#include <vector>

#include "lightwell/encode/qsv.hpp"

namespace lightwell::encode::qsv {

class Loader {
 public:
  Loader();  // MFXLoad + the filters; loader() is null if the dispatcher failed
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;
  mfxLoader loader() const noexcept { return loader_; }
  // Every implementation the filters let through (MFXEnumImplementations).
  std::vector<QsvImplementation> implementations() const;

 private:
  mfxLoader loader_ = nullptr;
};

class Session {
 public:
  // nullptr with `error` set when no implementation could be created or took the display.
  static std::unique_ptr<Session> create(VADisplay display, std::string& error);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  mfxSession get() const noexcept { return session_; }

 private:
  Session() = default;
  Loader loader_;
  mfxSession session_ = nullptr;
};

// MFXVideoENCODE_Query of build_encode_params(config, low_power) (+ mfxExtAVCRefListCtrl when
// ref_list): ≥ 0 accepted (warnings = corrected), < 0 refused.
mfxStatus query_encode(mfxSession session, const EncoderConfig& config, bool low_power, bool ref_list);

// Queries ENCODE for one codec with the settings make_qsv_encoder uses at 1920x1080@60.
QsvCodecSupport query_codec(mfxSession session, Codec codec);

std::string codec_name(std::uint32_t mfx_codec_id);

}  // namespace lightwell::encode::qsv
