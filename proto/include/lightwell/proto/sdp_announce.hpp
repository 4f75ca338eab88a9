// The client's ANNOUNCE body -> StreamParams (shared/protocol/rtsp.md §4.4), and the host's
// decision whether it can serve those parameters (rtsp.md §6: 400 / 403).
//
// Rules (docs/rtsp-sdp.md):
//  - attribute values are trimmed (the client appends one space to each) and must be plain
//    decimal (no sign, no hex, no trailing garbage: "1360x" is rejected);
//  - every attribute a host uses is range-checked; an error names the attribute;
//  - required attributes (Sunshine's "req" set) must be present; the others default as in
//    Sunshine;
//  - a used attribute that appears twice is rejected, even with equal values;
//  - unknown attributes and the GFE tuning knobs are ignored (the client sends many);
//  - all or nothing: on error no StreamParams is returned.
// Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "lightwell/proto/result.hpp"
#include "lightwell/proto/sdp.hpp"
#include "lightwell/proto/sdp_describe.hpp"
#include "lightwell/proto/stream_params.hpp"

namespace lightwell::proto {

Result<StreamParams> parse_announce_sdp(std::string_view body,
                                        const SdpLimits& limits = kDefaultSdpLimits);
// Same, from an already parsed document.
Result<StreamParams> stream_params_from_sdp(const SdpDocument& doc);

// Host-side acceptance of an ANNOUNCE against what DESCRIBE advertised (rtsp.md §4.4, §6).
struct AnnounceVerdict {
  int rtsp_status = 200;  // 200, 400 (codec/format not offered), 403 (encryption required)
  std::string reason;     // empty when accepted; otherwise names the mismatch for the log
  bool accepted() const noexcept { return rtsp_status == 200; }
};
// 400 if the codec, 10-bit or 4:4:4 variant, or the channel count was not offered; 403 if the
// host requested VIDEO and/or AUDIO encryption (mandatory mode) and the client did not enable
// it (Sunshine checks VIDEO|AUDIO together in mandatory mode; we check each requested bit).
AnnounceVerdict check_announce(const StreamParams& params, const HostCapabilities& caps);

}  // namespace lightwell::proto
