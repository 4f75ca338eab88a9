// KMS probe against fake /dev/dri directories: absent, empty, and a node that is not a DRM
// device. The probe must answer (never crash or hang) and say what it found.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "lightwell/capture/probe.hpp"

using lightwell::capture::probe_capture;
namespace fs = std::filesystem;

namespace {
struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "lightwell-capture-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempDir() { fs::remove_all(path); }
};
}  // namespace

TEST_CASE("no dri directory: no KMS capture, no cards", "[probe]") {
  TempDir tmp;
  const auto p = probe_capture(tmp.path / "dri");
  CHECK_FALSE(p.dri_present);
  CHECK(p.cards.empty());
  CHECK(p.dri_dir == tmp.path / "dri");
}

TEST_CASE("an empty dri directory has no cards", "[probe]") {
  TempDir tmp;
  const auto p = probe_capture(tmp.path);
  CHECK(p.dri_present);
  CHECK(p.cards.empty());
}

TEST_CASE("a card node that is not a DRM device is reported with the reason", "[probe]") {
  TempDir tmp;
  std::ofstream(tmp.path / "card1") << "not a device";
  std::ofstream(tmp.path / "card0") << "";
  std::ofstream(tmp.path / "renderD128") << "";  // render nodes are the encoder's business
  const auto p = probe_capture(tmp.path);
  REQUIRE(p.cards.size() == 2);
  CHECK(p.cards[0].path == tmp.path / "card0");  // sorted
  CHECK(p.cards[1].path == tmp.path / "card1");
  for (const auto& card : p.cards) {
    CHECK(card.error.find("not a DRM device") != std::string::npos);
    CHECK(card.connectors.empty());
    CHECK(card.crtcs_lit == 0);
  }
}

TEST_CASE("the real /dev/dri answers without crashing", "[probe]") {
  const auto p = probe_capture();
  CHECK(p.dri_present == fs::is_directory("/dev/dri"));
  for (const auto& card : p.cards) CHECK(card.crtcs_lit <= card.crtcs_total);
}
