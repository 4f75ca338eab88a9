// KmsFrameSource opening on machines without a usable display (this CI host has no /dev/dri):
// the answer must be one clear message that points at the headless options, never a crash.
// The pixel path is tested for real in QEMU guests (tests/guest/kms_guest_main.cpp).
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "lightwell/capture/kms.hpp"

using lightwell::capture::KmsOptions;
using lightwell::capture::open_kms_source;
namespace fs = std::filesystem;

namespace {
struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "lightwell-kms-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempDir() { fs::remove_all(path); }
};
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("no card at all: the error names the headless options", "[kms]") {
  TempDir tmp;
  KmsOptions o;
  o.dri_dir = tmp.path;
  const auto r = open_kms_source(o);
  CHECK_FALSE(r.source);
  CHECK(contains(r.error, "no DRM card in " + tmp.path.string()));
  CHECK(contains(r.error, "lightwell display"));
  CHECK(contains(r.error, "vkms"));
}

TEST_CASE("a missing dri directory is the same answer as an empty one", "[kms]") {
  TempDir tmp;
  KmsOptions o;
  o.dri_dir = tmp.path / "dri";
  const auto r = open_kms_source(o);
  CHECK_FALSE(r.source);
  CHECK(contains(r.error, "lightwell display"));
}

TEST_CASE("an explicit card that does not exist: says which and why", "[kms]") {
  TempDir tmp;
  KmsOptions o;
  o.card = tmp.path / "card7";
  const auto r = open_kms_source(o);
  CHECK_FALSE(r.source);
  CHECK(contains(r.error, "cannot open " + o.card.string()));
}

TEST_CASE("a card node that is not a DRM device is refused, not trusted", "[kms]") {
  TempDir tmp;
  std::ofstream(tmp.path / "card0") << "not a device";
  KmsOptions o;
  o.dri_dir = tmp.path;
  const auto r = open_kms_source(o);
  CHECK_FALSE(r.source);
  CHECK(contains(r.error, (tmp.path / "card0").string()));
  // Not "nothing is lit": the node is broken, so no headless hint.
  CHECK_FALSE(contains(r.error, "lightwell display"));
}
