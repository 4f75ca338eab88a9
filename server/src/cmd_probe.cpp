// `lightwell probe`: asks each module for its typed report and prints it. Nothing here
// touches hardware itself; each module's probe says what it could and could not do.
#include <sstream>

#include <fmt/format.h>

#include "commands.hpp"
#include "lightwell/audio/probe.hpp"
#include "lightwell/capture/probe.hpp"
#include "lightwell/encode/probe.hpp"
#include "lightwell/input/probe.hpp"

namespace lightwell::server {
namespace {

void print_capture(std::ostream& out, const capture::CaptureProbe& p) {
  out << "capture:\n";
  if (!p.dri_present) {
    out << fmt::format("  no {}: no KMS capture\n", p.dri_dir.string());
    return;
  }
  if (p.cards.empty()) out << fmt::format("  {} has no card* nodes: no KMS capture\n", p.dri_dir.string());
  for (const auto& card : p.cards) {
    out << fmt::format("  {}: driver {}", card.path.string(), card.driver.empty() ? "?" : card.driver);
    if (!card.error.empty()) {
      out << fmt::format(", {}\n", card.error);
      continue;
    }
    out << fmt::format(", {} of {} CRTCs lit\n", card.crtcs_lit, card.crtcs_total);
    for (const auto& c : card.connectors) {
      out << fmt::format("    {}: {}", c.name, c.status);
      if (c.width_px != 0) out << fmt::format(" ({}x{})", c.width_px, c.height_px);
      out << "\n";
    }
  }
}

void print_encode(std::ostream& out, const encode::EncodeProbe& p) {
  out << "encode:\n";
  for (const auto& e : p.software) {
    out << fmt::format("  {} ({}): {}\n", e.name, e.codec, e.compiled_in ? "compiled in, " + e.detail : e.detail);
  }
  if (p.render_nodes.empty()) {
    out << fmt::format("  no VA-API render nodes under {}: no hardware encoding\n", p.dri_dir.string());
  }
  for (const auto& n : p.render_nodes) {
    out << fmt::format("  {}: {}\n", n.path.string(), n.error.empty() ? "VA-API " + n.vendor : n.error);
  }
}

void print_audio(std::ostream& out, const audio::AudioProbe& p) {
  out << "audio:\n";
  if (p.pipewire_socket.empty()) {
    out << fmt::format("  PipeWire: {}\n", p.pipewire_detail);
  } else {
    out << fmt::format("  PipeWire socket {}: {}\n", p.pipewire_socket.string(),
                       p.pipewire_reachable ? "reachable" : "not reachable (" + p.pipewire_detail + ")");
  }
  out << fmt::format("  Opus: {}\n", p.opus_version);
}

void print_input(std::ostream& out, const input::InputProbe& p) {
  out << "input:\n";
  if (!p.present) {
    out << fmt::format("  no {} ({}): no input injection\n", p.uinput_path.string(), p.detail);
  } else if (!p.writable) {
    out << fmt::format("  {} present but not writable ({})\n", p.uinput_path.string(), p.detail);
  } else {
    out << fmt::format("  {} present and writable\n", p.uinput_path.string());
  }
  if (!p.fix.empty()) out << fmt::format("  fix: {}\n", p.fix);
}

}  // namespace

int run_probe(std::ostream& out) {
  print_capture(out, capture::probe_capture());
  print_encode(out, encode::probe_encode());
  print_audio(out, audio::probe_audio(audio::audio_probe_env_from_process()));
  print_input(out, input::probe_input());
  return 0;
}

std::string probe_report() {
  std::ostringstream text;
  run_probe(text);
  return text.str();
}

}  // namespace lightwell::server
