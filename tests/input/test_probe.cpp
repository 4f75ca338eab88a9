// uinput probe: missing node (with the modprobe fix), and an openable stand-in file.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "lightwell/input/probe.hpp"

using lightwell::input::probe_input;
namespace fs = std::filesystem;

TEST_CASE("a missing uinput node is reported with the modprobe fix", "[probe]") {
  const auto p = probe_input("/nonexistent/uinput");
  CHECK_FALSE(p.present);
  CHECK_FALSE(p.writable);
  CHECK(p.detail == "No such file or directory");
  CHECK(p.fix.find("modprobe uinput") != std::string::npos);
}

TEST_CASE("a writable node is reported usable with no fix", "[probe]") {
  std::string t = (fs::temp_directory_path() / "lightwell-input-XXXXXX").string();
  REQUIRE(::mkdtemp(t.data()) != nullptr);
  const fs::path node = fs::path(t) / "uinput";
  std::ofstream(node) << "";
  const auto p = probe_input(node);
  fs::remove_all(t);
  CHECK(p.present);
  CHECK(p.writable);
  CHECK(p.fix.empty());
}

TEST_CASE("the real /dev/uinput answers without hanging", "[probe]") {
  const auto p = probe_input();
  CHECK(p.present == fs::exists("/dev/uinput"));
  if (!p.present) CHECK_FALSE(p.fix.empty());
}
