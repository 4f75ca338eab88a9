// Audio probe: the PipeWire socket lookup order and a real listening UNIX socket.
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>

#include "lightwell/audio/probe.hpp"

using lightwell::audio::AudioProbeEnv;
using lightwell::audio::probe_audio;
namespace fs = std::filesystem;

namespace {

struct Listener {
  fs::path dir;
  int fd = -1;
  Listener() {
    std::string t = (fs::temp_directory_path() / "lightwell-audio-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    dir = t;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string p = (dir / "pipewire-0").string();
    std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
    fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd, 4) == 0);
  }
  ~Listener() {
    ::close(fd);
    fs::remove_all(dir);
  }
};

}  // namespace

TEST_CASE("Opus version is reported", "[probe]") {
  const auto p = probe_audio({});
  CHECK(p.opus_version.rfind("libopus ", 0) == 0);
}

TEST_CASE("without XDG_RUNTIME_DIR there is no socket to try", "[probe]") {
  const auto p = probe_audio({});
  CHECK(p.pipewire_socket.empty());
  CHECK_FALSE(p.pipewire_reachable);
  CHECK(p.pipewire_detail.find("XDG_RUNTIME_DIR") != std::string::npos);
}

TEST_CASE("a socket nobody listens on is not reachable", "[probe]") {
  const auto p = probe_audio({"", "", "/nonexistent-runtime"});
  CHECK(p.pipewire_socket == "/nonexistent-runtime/pipewire-0");
  CHECK_FALSE(p.pipewire_reachable);
  CHECK_FALSE(p.pipewire_detail.empty());
}

TEST_CASE("a listening socket is reachable; lookup order remote > runtime dir > XDG", "[probe]") {
  Listener l;
  CHECK(probe_audio({"", "", l.dir.string()}).pipewire_reachable);
  CHECK(probe_audio({"", l.dir.string(), "/elsewhere"}).pipewire_reachable);
  const auto absolute = probe_audio({(l.dir / "pipewire-0").string(), "/x", "/y"});
  CHECK(absolute.pipewire_socket == l.dir / "pipewire-0");
  CHECK(absolute.pipewire_reachable);
  const auto named = probe_audio({"other-0", "", l.dir.string()});
  CHECK(named.pipewire_socket == l.dir / "other-0");
  CHECK_FALSE(named.pipewire_reachable);
}
