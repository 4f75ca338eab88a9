// The headless PipeWire fixture (tests/support/pipewire_fixture.hpp) comes up with its null
// sink as the default sink, and goes down leaving none of its processes or files behind,
// repeatedly (issue 6, "Tests").
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>

#include "pipewire_fixture.hpp"

using lightwell::test::PipeWireFixture;

TEST_CASE("pipewire fixture starts and stops cleanly, three times", "[pipewire]") {
  if (!PipeWireFixture::available()) {
    WARN("pipewire, wireplumber or dbus-daemon not installed: skipped");
    return;
  }
  for (int round = 0; round < 3; ++round) {
    std::vector<pid_t> pids;
    std::filesystem::path runtime;
    {
      PipeWireFixture pw;
      pids = pw.daemon_pids();
      runtime = pw.runtime_dir();
      REQUIRE(pids.size() == 3);
      CHECK(pw.default_sink(std::chrono::seconds(5)) == pw.sink_name());
      CHECK(std::filesystem::exists(runtime / "pipewire-0"));
      const auto perms = std::filesystem::status(runtime).permissions();
      CHECK((perms & std::filesystem::perms::all) == std::filesystem::perms::owner_all);
      for (pid_t pid : pids) CHECK(::kill(pid, 0) == 0);
    }
    for (pid_t pid : pids) CHECK(::kill(pid, 0) != 0);  // reaped: no zombie, no survivor
    CHECK_FALSE(std::filesystem::exists(runtime));
  }
}

TEST_CASE("pipewire fixture kills a client that hangs", "[pipewire]") {
  REQUIRE(PipeWireFixture::available());  // packaging/install-deps.sh installs the daemons
  PipeWireFixture pw;
  const auto start = std::chrono::steady_clock::now();
  CHECK(pw.run_client({"sleep", "30"}, std::chrono::milliseconds(200)) == -1);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  CHECK(pw.run_client({"true"}, std::chrono::seconds(5)) == 0);
}
