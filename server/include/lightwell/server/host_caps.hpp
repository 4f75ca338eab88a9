// What this host offers clients, derived from the encoder probe (encode/probe.hpp): the
// codecs that go into /serverinfo ServerCodecModeSupport (http-pairing.md §2) and, later, the
// RTSP DESCRIBE markers (rtsp.md §4.2), from one HostCapabilities so the two never disagree.
//
// Rule: advertise only what this machine can encode. The probe reports software encoders
// compiled in (x264 → H.264; x265 → HEVC; SVT-AV1 → AV1) and VA-API render nodes, but not
// which codecs a node can encode, so a render node alone advertises nothing. H.264 is always
// in the mask (clients refuse a mask of 0), which matches x264 being compiled in.
//
// Ownership: values. Thread rules: pure functions.
#pragma once

#include "lightwell/encode/probe.hpp"
#include "lightwell/proto/nvhttp_xml.hpp"
#include "lightwell/proto/sdp_describe.hpp"

namespace lightwell::server {

proto::HostCapabilities host_capabilities(const encode::EncodeProbe& probe);

// The /serverinfo form of the same capabilities; codec_support(c).mask() ==
// proto::server_codec_mode_support(c) for every consistent c.
proto::CodecSupport codec_support(const proto::HostCapabilities& caps);

}  // namespace lightwell::server
