// `lightwell probe` (docs/cli.md): every module's typed report gathered once, then printed by a
// pure function, so the text is tested against fake reports as well as against this machine.
// The last line ("codecs offered to clients") comes from host_capabilities(), the same function
// serve uses for serverinfo and DESCRIBE, so the probe never disagrees with what is advertised.
// Ownership: values. Thread rules: gather_probe_report touches hardware read-only; call from
// any thread. print_probe_report is pure.
#pragma once

#include <ostream>

#include "lightwell/audio/probe.hpp"
#include "lightwell/capture/probe.hpp"
#include "lightwell/encode/encoder_table.hpp"
#include "lightwell/encode/probe.hpp"
#include "lightwell/encode/qsv.hpp"
#include "lightwell/input/probe.hpp"
#include "lightwell/server/config.hpp"
#include "lightwell/server/host_caps.hpp"

namespace lightwell::server {

struct ProbeReport {
  capture::CaptureProbe capture;
  encode::EncodeProbe encode;
  encode::QsvProbe qsv;
  audio::AudioProbe audio;
  input::InputProbe input;
  // The codecs offered to clients come from these two, through offered_capabilities().
  CodecAvailability available;  // codec_availability(encoder_table()) on this machine
  VideoOptions video;           // the configuration's [video] (defaults without a file)
  // Measured by `lightwell probe` only (encodes for seconds); empty elsewhere (web status).
  std::vector<encode::SoftwareFit> software_fit;
};

ProbeReport gather_probe_report(const VideoOptions& video = {});
void print_probe_report(std::ostream& out, const ProbeReport& report);

}  // namespace lightwell::server
