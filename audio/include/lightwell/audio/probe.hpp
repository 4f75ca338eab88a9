// What this machine offers for audio, for `lightwell probe`: whether a PipeWire server socket
// answers a connect() and which Opus library is linked. It does not start a PipeWire client
// (no loop, no threads). Thread rules: a plain function; call from any thread.
#pragma once

#include <filesystem>
#include <string>

namespace lightwell::audio {

// The environment the probe reads, passed in so tests control it (no getenv inside).
struct AudioProbeEnv {
  std::string pipewire_remote;       // $PIPEWIRE_REMOTE (socket name or absolute path)
  std::string pipewire_runtime_dir;  // $PIPEWIRE_RUNTIME_DIR
  std::string xdg_runtime_dir;       // $XDG_RUNTIME_DIR
};

AudioProbeEnv audio_probe_env_from_process();

struct AudioProbe {
  std::filesystem::path pipewire_socket;  // the socket tried; empty if none could be named
  bool pipewire_reachable = false;
  std::string pipewire_detail;            // why not reachable, or "accepts connections"
  std::string opus_version;               // opus_get_version_string(), e.g. "libopus 1.3.1"
};

AudioProbe probe_audio(const AudioProbeEnv& env);

}  // namespace lightwell::audio
