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

#include "lightwell/encode/encoder_table.hpp"
#include "lightwell/encode/probe.hpp"
#include "lightwell/proto/nvhttp_xml.hpp"
#include "lightwell/proto/sdp_describe.hpp"

namespace lightwell::server {

proto::HostCapabilities host_capabilities(std::span<const encode::EncoderEntry> table);

// The same from the probe report's software list (`lightwell doctor`, older callers): a
// codec is offered when an encoder for it is compiled in. For the encoders in the table the
// two agree (probe_encode() fills `compiled_in` from the table's probes).
proto::HostCapabilities host_capabilities(const encode::EncodeProbe& probe);

// The /serverinfo form of the same capabilities; codec_support(c).mask() ==
// proto::server_codec_mode_support(c) for every consistent c.
proto::CodecSupport codec_support(const proto::HostCapabilities& caps);

}  // namespace lightwell::server
