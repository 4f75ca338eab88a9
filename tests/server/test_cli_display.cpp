// `lightwell display ...` through run_cli (in process): the EDID bytes on standard output and
// in --output FILE, the kernel parameters, and usage errors (exit 2) for every bad option.
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <sstream>

#include "lightwell/capture/edid.hpp"
#include "lightwell/server/cli.hpp"
#include "temp_dir.hpp"

using namespace lightwell::server;
using lightwell::test::TempDir;

namespace {

struct Run {
  int code = -1;
  std::string out;
  std::string err;
};

Run run(std::vector<std::string> args) {
  std::ostringstream out;
  std::ostringstream err;
  std::ostringstream log;
  Run r;
  r.code = run_cli(args, CliIo{out, err, &log});
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::string expected_edid(std::vector<lightwell::capture::DisplayMode> modes, std::string name = "Lightwell") {
  lightwell::capture::EdidRequest request;
  request.modes = std::move(modes);
  request.monitor_name = std::move(name);
  const auto edid = lightwell::capture::build_edid(request);
  REQUIRE(edid.has_value());
  return std::string(edid->begin(), edid->end());
}

}  // namespace

TEST_CASE("display edid writes the generator's bytes to stdout or --output", "[cli][display]") {
  const Run r = run({"display", "edid", "--mode", "1920x1080@60", "--mode=3840x2160@30", "--name", "Den TV"});
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  CHECK(r.out == expected_edid({{1920, 1080, 60}, {3840, 2160, 30}}, "Den TV"));
  CHECK(r.out.size() == 128);

  TempDir tmp;
  const auto file = tmp / "lightwell.bin";
  const Run w = run({"display", "edid", "--mode", "1920x1080", "--output", file.string()});
  REQUIRE(w.code == 0);
  CHECK(w.out.empty());
  std::ifstream in(file, std::ios::binary);
  const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(written == expected_edid({{1920, 1080, 60}}));
  // Three or more modes need the CTA-861 extension block.
  CHECK(run({"display", "edid", "--mode", "1920x1080", "--mode", "1280x720", "--mode", "2560x1440"}).out.size() == 256);
}

TEST_CASE("display kernel-params prints drm.edid_firmware and video=CONN:e", "[cli][display]") {
  const Run r = run({"display", "kernel-params", "--connector", "HDMI-A-1"});
  CHECK(r.code == 0);
  CHECK(r.out == "drm.edid_firmware=HDMI-A-1:edid/lightwell.bin video=HDMI-A-1:e\n");
  const Run f = run({"display", "kernel-params", "--connector=DP-2", "--firmware", "edid/den.bin"});
  CHECK(f.code == 0);
  CHECK(f.out == "drm.edid_firmware=DP-2:edid/den.bin video=DP-2:e\n");
}

TEST_CASE("display usage errors exit 2 before anything is written", "[cli][display]") {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"display"},
           {"display", "frobnicate"},
           {"display", "edid"},                                  // no --mode
           {"display", "edid", "--mode", "1920by1080"},          // malformed mode
           {"display", "edid", "--mode", "4096x2160@30"},        // 12-bit DTD field
           {"display", "edid", "--mode", "3840x2160@120"},       // pixel clock over 655.35 MHz
           {"display", "edid", "--mode", "1920x1080", "--name", "a name far too long"},
           {"display", "edid", "--mode", "1920x1080", "--connector", "DP-1"},
           {"display", "edid", "--mode", "1920x1080", "--output", ""},
           {"display", "edid", "--mode", "1920x1080", "extra"},
           {"display", "kernel-params"},                         // no --connector
           {"display", "kernel-params", "--connector", "DP 1"},
           {"display", "kernel-params", "--connector", "DP-1", "--firmware", "/abs/path.bin"},
           {"display", "kernel-params", "--connector", "DP-1", "--mode", "1920x1080"},
           {"display", "install", "--connector", "DP-1"},        // no --mode
           {"pair", "1234", "--mode", "1920x1080"},              // only display takes --mode
           {"probe", "--connector", "DP-1"},
       }) {
    const Run r = run(args);
    INFO(args.size() << " args, first " << args.back() << ": " << r.err);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("--help") != std::string::npos);
  }
  const Run help = run({"display", "--help"});
  CHECK(help.code == 0);
  CHECK(help.out.rfind("Usage: lightwell display edid", 0) == 0);
  CHECK(run({"--help"}).out.find("display edid|kernel-params|install") != std::string::npos);
}
