// `lightwell probe`'s printed report: against fake reports (an Alder Lake-N with Quick Sync,
// a machine with another VA driver) and against this machine.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <sstream>

#include "lightwell/server/host_caps.hpp"
#include "lightwell/server/probe_report.hpp"

using namespace lightwell;
using lightwell::server::print_probe_report;
using lightwell::server::ProbeReport;

namespace {

bool contains(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

std::string print(const ProbeReport& r) {
  std::ostringstream out;
  print_probe_report(out, r);
  return out.str();
}

encode::QsvCodecSupport support(encode::Codec c, bool ok, bool ten_bit = false) {
  encode::QsvCodecSupport s;
  s.codec = c;
  s.encode = ok;
  s.low_power = ok;
  s.ten_bit = ten_bit;
  s.reference_invalidation = ok && c != encode::Codec::av1;
  if (!ok) s.detail = "LowPower=ON: MFX_ERR_UNSUPPORTED, LowPower=OFF: MFX_ERR_UNSUPPORTED";
  return s;
}

// What an Alder Lake-N (UHD Graphics, Gen12) reports: H.264 and HEVC on VDEnc only, no AV1.
ProbeReport alder_lake_n() {
  ProbeReport r;
  r.capture.dri_dir = "/dev/dri";
  r.capture.dri_present = true;
  capture::DrmCard card;
  card.path = "/dev/dri/card0";
  card.driver = "i915";
  card.crtcs_total = 3;
  card.crtcs_lit = 1;
  card.connectors.push_back({"HDMI-A-1", "connected", 1920, 1080});
  card.connectors.push_back({"DP-1", "disconnected", 0, 0});
  r.capture.cards.push_back(card);
  r.encode.software.push_back({"x264", "H.264", true, "X264_BUILD 164 (libx264)"});
  r.encode.dri_dir = "/dev/dri";
  encode::RenderNode node;
  node.path = "/dev/dri/renderD128";
  node.vendor = "Intel iHD driver for Intel(R) Gen Graphics - 23.1.1 ()";
  node.driver = "i915";
  node.encode = {{"H.264", false, true}, {"HEVC", false, true}, {"AV1", false, false}};
  r.encode.render_nodes.push_back(node);
  r.qsv.dri_dir = "/dev/dri";
  r.qsv.render_node = "/dev/dri/renderD128";
  r.qsv.va_driver = "iHD";
  r.qsv.va_vendor = node.vendor;
  r.qsv.runtime_loadable = true;
  r.qsv.huc = "i915 enable_guc=3 (HuC loading requested)";
  r.qsv.implementations.push_back({"mfx-gen", "2.8", 0x8086, "46d0/0", true, {"H.264", "HEVC", "MPEG-2", "JPEG"}});
  r.qsv.codecs = {support(encode::Codec::h264, true), support(encode::Codec::hevc, true, true),
                  support(encode::Codec::av1, false)};
  r.audio.opus_version = "libopus 1.3.1";
  r.input.uinput_path = "/dev/uinput";
  r.input.present = true;
  r.input.writable = true;
  return r;
}

}  // namespace

TEST_CASE("probe report of an Alder Lake-N: entrypoints, oneVPL codecs, HuC, no AV1 said plainly", "[cli][probe]") {
  const std::string out = print(alder_lake_n());
  INFO(out);
  CHECK(contains(out, "  /dev/dri/card0: driver i915, 1 of 3 CRTCs lit\n    HDMI-A-1: connected (1920x1080)\n"));
  CHECK(contains(out, "  /dev/dri/renderD128 (kernel driver i915): VA-API Intel iHD driver"));
  CHECK(contains(out, "    H.264 encode entrypoints: EncSliceLP\n"));
  CHECK(contains(out, "    AV1 encode entrypoints: none\n"));
  CHECK(contains(out, "  oneVPL GPU runtime libmfx-gen: loadable\n"));
  CHECK(contains(out, "  HuC: i915 enable_guc=3 (HuC loading requested)\n"));
  CHECK(contains(out, "  Quick Sync: /dev/dri/renderD128 (VA driver iHD, "));
  CHECK(contains(out, "oneVPL implementation mfx-gen (API 2.8, device 46d0/0): encodes H.264, HEVC, MPEG-2, JPEG\n"));
  CHECK(contains(out, "    H.264: encodes (low-power, reference invalidation)\n"));
  CHECK(contains(out, "    HEVC: encodes (low-power, 10-bit, reference invalidation)\n"));
  CHECK(contains(out, "    AV1: refused (LowPower=ON: MFX_ERR_UNSUPPORTED"));
  CHECK(contains(out, "  AV1 encode: not available on this GPU (Iris Xe / Alder Lake-N have no AV1 encode)\n"));
  // serverinfo's mask for H.264 alone is 0x1 (http-pairing.md §2, SCM_H264).
  CHECK(contains(out, "codecs offered to clients: H.264 (serverinfo ServerCodecModeSupport 0x1)\n"));
}

TEST_CASE("codecs offered to clients follow serve's own rule (offered_capabilities)", "[cli][probe]") {
  ProbeReport r = alder_lake_n();
  r.available.software_h264 = r.available.software_hevc = r.available.software_av1 = true;
  // Defaults: software HEVC / AV1 are not offered (x265 fits no 60 fps mode on 2 cores).
  CHECK(contains(print(r), "codecs offered to clients: H.264 (serverinfo ServerCodecModeSupport 0x1)\n"));
  r.video.software_hevc = r.video.software_av1 = true;
  const auto mask = server::codec_support(server::offered_capabilities(r.available, r.video)).mask();
  // SCM_H264 0x1 | SCM_HEVC 0x100 | SCM_AV1_MAIN8 0x10000 (http-pairing.md §2).
  CHECK(mask == 0x10101);
  CHECK(contains(print(r), "codecs offered to clients: H.264, HEVC (Main), AV1 (8-bit) (serverinfo ServerCodecModeSupport 0x10101)\n"));
  // Quick Sync's HEVC is offered without the software switches, unless encoder = "software".
  r.video = {};
  r.available.hardware_hevc = true;
  CHECK(contains(print(r), "codecs offered to clients: H.264, HEVC (Main) (serverinfo ServerCodecModeSupport 0x101)\n"));
  r.video.encoder = server::EncoderPreference::software;
  CHECK(contains(print(r), "(serverinfo ServerCodecModeSupport 0x1)\n"));
}

TEST_CASE("probe report of a machine with another VA driver says why Quick Sync is out", "[cli][probe]") {
  ProbeReport r = alder_lake_n();
  r.qsv = {};
  r.qsv.unavailable = "VA driver is Mesa, not iHD";
  r.qsv.runtime_loadable = false;
  r.qsv.runtime_detail = "libmfx-gen.so.1.2: cannot open shared object file";
  const std::string out = print(r);
  CHECK(contains(out, "  oneVPL GPU runtime libmfx-gen: not loadable (libmfx-gen.so.1.2: cannot open shared object file)\n"));
  CHECK(contains(out, "  Quick Sync: unavailable: VA driver is Mesa, not iHD\n"));
  CHECK(contains(out, "  AV1 encode: no hardware encoder on this machine\n"));
  CHECK_FALSE(contains(out, "not available on this GPU"));
}

TEST_CASE("probe report on this machine tells the truth about Quick Sync", "[cli][probe]") {
  const ProbeReport r = server::gather_probe_report();
  const std::string out = print(r);
  INFO(out);
  if (!std::filesystem::exists("/dev/dri")) {
    CHECK(contains(out, "  Quick Sync: unavailable: no /dev/dri render node\n"));
    CHECK(contains(out, "  AV1 encode: no hardware encoder on this machine\n"));
  }
  const auto mask = server::codec_support(server::offered_capabilities(r.available, r.video)).mask();
  CHECK(contains(out, fmt::format("(serverinfo ServerCodecModeSupport 0x{:x})\n", mask)));
  // The table's software rows encode all three codecs here; by default only H.264 is offered.
  CHECK(r.available.software_h264);
  CHECK(r.available.software_hevc);
  CHECK(r.available.software_av1);
  CHECK(mask == 0x1);
}
