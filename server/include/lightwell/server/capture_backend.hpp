// Which frame source `lightwell serve` streams ([video] capture, docs/capture-kms.md), decided
// once at start-up, and the factory MediaBackends::frame_source uses for every session.
//
// auto: the KMS framebuffer when a CRTC is lit and one frame can be read at start, else the
// test pattern, with one log line saying why (it names the headless options: `lightwell
// display`, vkms, docs/display.md). kms: always KMS; when nothing is lit at start the same
// message is logged as a warning and each launch fails with it until a screen is lit.
// test-pattern: never touches /dev/dri.
//
// Capabilities: reading the framebuffer handles needs CAP_SYS_ADMIN (drm_mode_getfb2_ioctl
// fills handles only for the DRM master or a CAP_SYS_ADMIN caller). The KMS options carry a
// `privileged` hook that raises it into the calling thread's effective set around GetFB2 +
// export and lowers it right after (privileges.hpp set_effective); serve keeps it permitted
// (dormant) only when KMS is chosen.
//
// Thread rules: choose_capture on the main thread at start-up; the factory is called on the
// thread that builds a session (and on the video thread for a rebuild); the sources it makes
// are used by one thread at a time (FrameSource rules).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "lightwell/capture/frame_source.hpp"
#include "lightwell/capture/kms.hpp"
#include "lightwell/server/config.hpp"
#include "lightwell/server/log.hpp"

namespace lightwell::server {

struct CaptureChoice {
  CaptureKind kind = CaptureKind::test_pattern;  // kms or test_pattern, never automatic
  capture::KmsOptions kms;                       // card, connector, privileged hook
  std::string message;                           // what was decided and why (logged by serve)
  bool warning = false;                          // the message is a warning (nothing lit for kms)
};

// The KmsOptions for `video` ([video] card, connector) with the CAP_SYS_ADMIN hook when
// `raise_sys_admin` (a capability the caller keeps dormant in its permitted set).
capture::KmsOptions kms_options(const VideoOptions& video, bool raise_sys_admin);

// Decides the source. For auto and kms it opens the KMS source and reads one frame (with
// `kms.privileged` raised), so "auto" only picks KMS when reading really works.
CaptureChoice choose_capture(const VideoOptions& video, const capture::KmsOptions& kms);

using FrameSourceFactory = std::function<std::unique_ptr<capture::FrameSource>(std::uint32_t, std::uint32_t)>;

// kms: a fresh KmsFrameSource per call (the stream size is not used: frames come at the
// screen's size, the session scales them, docs/capture-kms.md "Size"); throws
// std::runtime_error with the operator message when no screen can be opened.
// test_pattern: capture::make_test_pattern_source at the stream size.
FrameSourceFactory frame_source_factory(const CaptureChoice& choice);

}  // namespace lightwell::server
