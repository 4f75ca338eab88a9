// What this host offers clients, derived from the encoder probe (encode/probe.hpp): the
// codecs that go into /serverinfo ServerCodecModeSupport (http-pairing.md §2) and, later, the
// RTSP DESCRIBE markers (rtsp.md §4.2), from one HostCapabilities so the two never disagree.
//
// Rule: advertise only what this machine can encode (video.md §10.1). The serve path asks the
// encoder table (encode/encoder_table.hpp): a codec is offered when some entry's probe()
// accepts it at the advertised mode (1080p60), the same probes that pick the session's
// encoder. HEVC Main10 / AV1 10-bit are offered only when an entry accepts the 10-bit mode
// AND the capture path can deliver 10-bit frames — not yet (8-bit capture and no HDR
// metadata, control.md 0x010E), so they stay off. H.264 is always in the mask (clients refuse
// a mask of 0), which matches x264 being in the table.
//
// Ownership: values. Thread rules: pure functions.
#pragma once

#include <span>
#include <vector>

#include "lightwell/encode/encoder_table.hpp"
#include "lightwell/encode/probe.hpp"
#include "lightwell/proto/nvhttp_xml.hpp"
#include "lightwell/proto/sdp_describe.hpp"
#include "lightwell/server/config.hpp"

namespace lightwell::server {

proto::HostCapabilities host_capabilities(std::span<const encode::EncoderEntry> table);

// Which codecs this machine can encode at the advertised mode (1080p60, 8-bit), by kind: the
// encoder table's probes, split into hardware and software rows.
struct CodecAvailability {
  bool hardware_h264 = false, hardware_hevc = false, hardware_av1 = false;
  bool software_h264 = false, software_hevc = false, software_av1 = false;
};
CodecAvailability codec_availability(std::span<const encode::EncoderEntry> table);

// What is offered to clients, the one rule for serve (serverinfo, DESCRIBE) and `lightwell
// probe`: hardware codecs when [video] encoder allows hardware (auto, qsv, vaapi); software
// HEVC / AV1 only when [video] software_hevc / software_av1 say so and encoder allows
// software (auto, software) — docs/video-encoding.md "What fits". H.264 is always offered.
proto::HostCapabilities offered_capabilities(const CodecAvailability& available, const VideoOptions& video);

// The table rows a session may use under the same rule, in table order (create_encoder's
// table): a software row is kept for H.264 always and for HEVC / AV1 when offered.
std::vector<encode::EncoderEntry> offered_encoders(std::span<const encode::EncoderEntry> table,
                                                   const VideoOptions& video);

// The same from the probe report's software list (`lightwell doctor`, older callers): a
// codec is offered when an encoder for it is compiled in. For the encoders in the table the
// two agree (probe_encode() fills `compiled_in` from the table's probes).
proto::HostCapabilities host_capabilities(const encode::EncodeProbe& probe);

// The /serverinfo form of the same capabilities; codec_support(c).mask() ==
// proto::server_codec_mode_support(c) for every consistent c.
proto::CodecSupport codec_support(const proto::HostCapabilities& caps);

}  // namespace lightwell::server
