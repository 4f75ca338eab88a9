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
#include "lightwell/encode/probe.hpp"
#include "lightwell/encode/qsv.hpp"
#include "lightwell/input/probe.hpp"

namespace lightwell::server {

struct ProbeReport {
  capture::CaptureProbe capture;
  encode::EncodeProbe encode;
  encode::QsvProbe qsv;
  audio::AudioProbe audio;
  input::InputProbe input;
};

ProbeReport gather_probe_report();
void print_probe_report(std::ostream& out, const ProbeReport& report);

}  // namespace lightwell::server
