// Encoder probe: software encoders compiled in, render nodes from a fake dri directory.
#include <stdlib.h>

#include <cstdint>  // x264.h needs the fixed-width types first

#include <x264.h>
#include <x265.h>
#include <svt-av1/EbSvtAv1Enc.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "lightwell/encode/probe.hpp"

using lightwell::encode::probe_encode;
namespace fs = std::filesystem;

TEST_CASE("x264, x265 and SVT-AV1 are reported as compiled in, with their library versions", "[probe]") {
  const auto p = probe_encode("/nonexistent/dri");
  REQUIRE(p.software.size() == 3);
  CHECK(p.software[0].name == "x264");
  CHECK(p.software[0].codec == "H.264");
  CHECK(p.software[0].compiled_in);
  CHECK(p.software[0].detail.find("X264_BUILD " + std::to_string(X264_BUILD)) != std::string::npos);
  CHECK(p.software[1].name == "x265");
  CHECK(p.software[1].codec == "HEVC");
  CHECK(p.software[1].compiled_in);
  CHECK(p.software[1].detail.find(x265_version_str) != std::string::npos);
  CHECK(p.software[2].name == "svt-av1");
  CHECK(p.software[2].codec == "AV1");
  CHECK(p.software[2].compiled_in);
  CHECK(p.software[2].detail.find(svt_av1_get_version()) != std::string::npos);
  CHECK(p.render_nodes.empty());
}

TEST_CASE("render nodes are listed, and a fake one fails VA-API with a reason", "[probe]") {
  std::string t = (fs::temp_directory_path() / "lightwell-encode-XXXXXX").string();
  REQUIRE(::mkdtemp(t.data()) != nullptr);
  const fs::path dir = t;
  std::ofstream(dir / "renderD129") << "";
  std::ofstream(dir / "renderD128") << "";
  std::ofstream(dir / "card0") << "";
  const auto p = probe_encode(dir);
  fs::remove_all(dir);
  REQUIRE(p.render_nodes.size() == 2);
  CHECK(p.render_nodes[0].path.filename() == "renderD128");
  CHECK(p.render_nodes[1].path.filename() == "renderD129");
  for (const auto& n : p.render_nodes) {
    CHECK_FALSE(n.error.empty());
    CHECK(n.vendor.empty());
  }
}
