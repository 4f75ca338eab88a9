// Audio probe: PipeWire socket reachability (the same lookup order as libpipewire's
// connection code: PIPEWIRE_REMOTE, then PIPEWIRE_RUNTIME_DIR, then XDG_RUNTIME_DIR, with
// the default socket name "pipewire-0"), and the linked Opus version.
#include "lightwell/audio/probe.hpp"

#include <opus.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace lightwell::audio {
namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// A connect() on a UNIX stream socket completes or fails at once (no network wait).
std::string try_connect(const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = path.string();
  if (p.size() >= sizeof(addr.sun_path)) return "socket path too long";
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::string("socket(): ") + std::strerror(errno);
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  const int err = errno;
  ::close(fd);
  return rc == 0 ? std::string() : std::strerror(err);
}

}  // namespace

AudioProbeEnv audio_probe_env_from_process() {
  return {env_or_empty("PIPEWIRE_REMOTE"), env_or_empty("PIPEWIRE_RUNTIME_DIR"),
          env_or_empty("XDG_RUNTIME_DIR")};
}

AudioProbe probe_audio(const AudioProbeEnv& env) {
  AudioProbe probe;
  probe.opus_version = opus_get_version_string();

  const std::string name = env.pipewire_remote.empty() ? "pipewire-0" : env.pipewire_remote;
  if (!name.empty() && name.front() == '/') {
    probe.pipewire_socket = name;
  } else if (!env.pipewire_runtime_dir.empty()) {
    probe.pipewire_socket = std::filesystem::path(env.pipewire_runtime_dir) / name;
  } else if (!env.xdg_runtime_dir.empty()) {
    probe.pipewire_socket = std::filesystem::path(env.xdg_runtime_dir) / name;
  } else {
    probe.pipewire_detail =
        "XDG_RUNTIME_DIR is not set: no user session, so no PipeWire socket to find";
    return probe;
  }
  const std::string err = try_connect(probe.pipewire_socket);
  probe.pipewire_reachable = err.empty();
  probe.pipewire_detail = err.empty() ? "accepts connections" : err;
  return probe;
}

}  // namespace lightwell::audio
