// Host capabilities from the encoder probe (host_caps.hpp).
#include "lightwell/server/host_caps.hpp"

namespace lightwell::server {

proto::HostCapabilities host_capabilities(std::span<const encode::EncoderEntry> table) {
  proto::HostCapabilities caps;
  encode::EncodeMode mode;  // the advertised mode: 1080p60, 8-bit 4:2:0
  mode.codec = encode::Codec::hevc;
  caps.hevc = encode::can_encode(mode, table);
  mode.codec = encode::Codec::av1;
  caps.av1 = encode::can_encode(mode, table);
  // 10-bit / 4:4:4 stay off: the capture and conversion path delivers 8-bit 4:2:0 only.
  // RFI: no entry can invalidate references yet (x264/x265/SVT-AV1 answer false).
  return caps;
}

namespace {

bool hardware_allowed(EncoderPreference e) { return e != EncoderPreference::software; }
bool software_allowed(EncoderPreference e) {
  return e == EncoderPreference::automatic || e == EncoderPreference::software;
}

bool usable(const encode::EncoderEntry& entry, encode::Codec codec) {
  encode::EncodeMode mode;  // the advertised mode: 1080p60, 8-bit 4:2:0
  mode.codec = codec;
  return entry.probe != nullptr && entry.probe(mode).usable;
}

}  // namespace

CodecAvailability codec_availability(std::span<const encode::EncoderEntry> table) {
  CodecAvailability a;
  for (const auto& entry : table) {
    const bool h264 = usable(entry, encode::Codec::h264);
    const bool hevc = usable(entry, encode::Codec::hevc);
    const bool av1 = usable(entry, encode::Codec::av1);
    (entry.hardware ? a.hardware_h264 : a.software_h264) |= h264;
    (entry.hardware ? a.hardware_hevc : a.software_hevc) |= hevc;
    (entry.hardware ? a.hardware_av1 : a.software_av1) |= av1;
  }
  return a;
}

proto::HostCapabilities offered_capabilities(const CodecAvailability& a, const VideoOptions& video) {
  proto::HostCapabilities caps;
  const bool hw = hardware_allowed(video.encoder);
  const bool sw = software_allowed(video.encoder);
  caps.hevc = (hw && a.hardware_hevc) || (sw && video.software_hevc && a.software_hevc);
  caps.av1 = (hw && a.hardware_av1) || (sw && video.software_av1 && a.software_av1);
  return caps;
}

std::vector<encode::EncoderEntry> offered_encoders(std::span<const encode::EncoderEntry> table,
                                                   const VideoOptions& video) {
  std::vector<encode::EncoderEntry> rows;
  for (const auto& entry : table) {
    if (entry.hardware) {
      if (hardware_allowed(video.encoder)) rows.push_back(entry);
      continue;
    }
    if (!software_allowed(video.encoder)) continue;
    if (usable(entry, encode::Codec::h264) || (video.software_hevc && usable(entry, encode::Codec::hevc)) ||
        (video.software_av1 && usable(entry, encode::Codec::av1))) {
      rows.push_back(entry);
    }
  }
  return rows;
}

proto::HostCapabilities host_capabilities(const encode::EncodeProbe& probe) {
  proto::HostCapabilities caps;
  for (const auto& encoder : probe.software) {
    if (!encoder.compiled_in) continue;
    // 8-bit 4:2:0 only: the software paths are not configured for 10-bit or 4:4:4 yet, so
    // Main10 / RExt / 4:4:4 bits stay off (video.md §10.1: never advertise what we cannot do).
    if (encoder.codec == "HEVC") caps.hevc = true;
    if (encoder.codec == "AV1") caps.av1 = true;
  }
  return caps;
}

// Same conditions as proto::server_codec_mode_support (the test checks every combination).
proto::CodecSupport codec_support(const proto::HostCapabilities& caps) {
  proto::CodecSupport s;
  s.hevc = caps.hevc;
  s.hevc_main10 = caps.hevc && caps.hevc_main10;
  s.av1_main8 = caps.av1;
  s.av1_main10 = caps.av1 && caps.av1_main10;
  s.h264_high8_444 = caps.h264_444;
  s.hevc_rext8_444 = caps.hevc && caps.hevc_444;
  s.hevc_rext10_444 = caps.hevc && caps.hevc_main10 && caps.hevc_444 && caps.hevc_444_10;
  s.av1_high8_444 = caps.av1 && caps.av1_444;
  s.av1_high10_444 = caps.av1 && caps.av1_main10 && caps.av1_444 && caps.av1_444_10;
  return s;
}

}  // namespace lightwell::server
