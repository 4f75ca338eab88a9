// `lightwell probe`: asks each module for its typed report and prints it. Nothing here
// touches hardware itself; each module's probe says what it could and could not do.
#include <sstream>

#include <fmt/format.h>

#include "commands.hpp"
#include "lightwell/server/host_caps.hpp"
#include "lightwell/server/probe_report.hpp"

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

const char* codec_name(encode::Codec c) {
  return c == encode::Codec::h264 ? "H.264" : c == encode::Codec::hevc ? "HEVC" : "AV1";
}

// VA-API per render node: driver, and the encode entrypoints per codec (EncSliceLP = the
// low-power VDEnc path).
void print_va(std::ostream& out, const encode::EncodeProbe& p) {
  if (p.render_nodes.empty()) {
    out << fmt::format("  no VA-API render nodes under {}: no hardware encoding\n", p.dri_dir.string());
  }
  for (const auto& n : p.render_nodes) {
    const std::string kernel = n.driver.empty() ? "" : fmt::format(" (kernel driver {})", n.driver);
    if (!n.error.empty()) {
      out << fmt::format("  {}{}: {}\n", n.path.string(), kernel, n.error);
      continue;
    }
    out << fmt::format("  {}{}: VA-API {}\n", n.path.string(), kernel, n.vendor);
    for (const auto& c : n.encode) {
      std::string eps;
      if (c.enc_slice) eps += "EncSlice";
      if (c.enc_slice_lp) eps += eps.empty() ? "EncSliceLP" : ", EncSliceLP";
      out << fmt::format("    {} encode entrypoints: {}\n", c.codec, eps.empty() ? "none" : eps);
    }
  }
}

void print_qsv(std::ostream& out, const encode::QsvProbe& q) {
  out << fmt::format("  oneVPL GPU runtime libmfx-gen: {}\n",
                     q.runtime_loadable ? "loadable" : "not loadable (" + q.runtime_detail + ")");
  if (!q.huc.empty()) out << fmt::format("  HuC: {}\n", q.huc);
  if (!q.usable()) {
    out << fmt::format("  Quick Sync: unavailable: {}\n", q.unavailable);
  } else {
    out << fmt::format("  Quick Sync: {} (VA driver {}, {})\n", q.render_node.string(), q.va_driver, q.va_vendor);
  }
  for (const auto& impl : q.implementations) {
    std::string codecs;
    for (const auto& c : impl.encode_codecs) codecs += (codecs.empty() ? "" : ", ") + c;
    out << fmt::format("    oneVPL implementation {} (API {}, device {}): encodes {}\n", impl.name, impl.api_version,
                       impl.device_id.empty() ? "?" : impl.device_id, codecs.empty() ? "nothing" : codecs);
  }
  for (const auto& c : q.codecs) {
    if (!c.encode) {
      out << fmt::format("    {}: refused ({})\n", codec_name(c.codec), c.detail);
      continue;
    }
    std::string modes = c.low_power ? "low-power" : "";
    if (c.full_power) modes += modes.empty() ? "full-power" : " and full-power";
    out << fmt::format("    {}: encodes ({}{}{})\n", codec_name(c.codec), modes,
                       c.codec == encode::Codec::h264 ? "" : (c.ten_bit ? ", 10-bit" : ", 8-bit only"),
                       c.reference_invalidation ? ", reference invalidation" : "");
  }
  // Issue 5: say it plainly when the GPU has no AV1 encoder (Iris Xe and Alder Lake-N).
  if (q.usable()) {
    const auto* av1 = q.codec(encode::Codec::av1);
    if (av1 == nullptr || !av1->encode) {
      out << "  AV1 encode: not available on this GPU (Iris Xe / Alder Lake-N have no AV1 encode)\n";
    }
  } else {
    out << "  AV1 encode: no hardware encoder on this machine\n";
  }
}

// The software encoders and, when measured (`lightwell probe`, not the web page's status),
// which modes they fit on this CPU (issue 5: "say in the probe output which software codecs
// fit which modes"; encode/encoder_table.hpp software_fit).
void print_software_fit(std::ostream& out, const encode::EncodeProbe& p, const std::vector<encode::SoftwareFit>& fit) {
  for (const auto& e : p.software) {
    out << fmt::format("  {} ({}): {}\n", e.name, e.codec, e.compiled_in ? "compiled in, " + e.detail : e.detail);
  }
  for (const auto& f : fit) {
    out << fmt::format("    {}\n", f.summary);
    if (!f.note.empty()) out << fmt::format("      {}\n", f.note);
  }
}

void print_offered(std::ostream& out, const ProbeReport& r) {
  const proto::HostCapabilities caps = offered_capabilities(r.available, r.video);
  const proto::CodecSupport support = codec_support(caps);
  std::string list = "H.264";
  if (support.hevc) list += support.hevc_main10 ? ", HEVC (Main, Main10)" : ", HEVC (Main)";
  if (support.av1_main8) list += support.av1_main10 ? ", AV1 (8-bit, 10-bit)" : ", AV1 (8-bit)";
  out << fmt::format("codecs offered to clients: {} (serverinfo ServerCodecModeSupport 0x{:x})\n", list,
                     support.mask());
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

ProbeReport gather_probe_report(const VideoOptions& video) {
  ProbeReport r;
  r.capture = capture::probe_capture();
  r.encode = encode::probe_encode();
  r.qsv = encode::probe_qsv();
  r.audio = audio::probe_audio(audio::audio_probe_env_from_process());
  r.input = input::probe_input();
  r.available = codec_availability(encode::encoder_table());
  r.video = video;
  return r;
}

void print_probe_report(std::ostream& out, const ProbeReport& r) {
  print_capture(out, r.capture);
  out << "encode:\n";
  print_software_fit(out, r.encode, r.software_fit);
  print_va(out, r.encode);
  print_qsv(out, r.qsv);
  print_audio(out, r.audio);
  print_input(out, r.input);
  print_offered(out, r);
}

// The configuration is read (not required) because it decides what is offered ([video]
// encoder, software_hevc, software_av1).
int run_probe(const Invocation& inv, LogHub& hub, std::ostream& out) {
  const VideoOptions video = load_setup(inv.global, hub).config.video;
  ProbeReport report = gather_probe_report(video);
  out << "(measuring the software encoders on this CPU: a few seconds)\n" << std::flush;
  report.software_fit = encode::software_fit();
  print_probe_report(out, report);
  return 0;
}

std::string probe_report(const VideoOptions& video) {
  std::ostringstream text;
  print_probe_report(text, gather_probe_report(video));
  return text.str();
}

}  // namespace lightwell::server
