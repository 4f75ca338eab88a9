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
