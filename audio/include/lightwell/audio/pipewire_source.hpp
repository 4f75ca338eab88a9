// PipeWire capture (issue 6, docs/audio-pipewire.md): a pw_stream on PipeWire's own thread
// loop captures a sink's monitor (stream.capture.sink=true) as F32 interleaved 48 kHz in the
// encoder's channel order (audio.md §2.3: FL FR FC LFE BL BR SL SR; PipeWire calls BL/BR
// RL/RR). The real-time callback only copies into a lock-free SPSC ring; read() takes one
// frame's worth. Threads: read() from one thread (the session's audio thread).
#pragma once

#include <memory>
#include <string>

#include "lightwell/audio/audio_source.hpp"

namespace lightwell::audio {

struct PipeWireSourceOptions {
  std::uint32_t channels = 2;     // 2, 6 or 8
  std::string target_sink;        // node.name of the sink to capture; "" = default sink
  std::uint32_t ring_ms = 200;    // ring capacity; older audio is dropped when full
};

// Throws std::runtime_error when PipeWire is not reachable (not running, no runtime dir) or
// the channel count is unsupported. The session then streams silence (issue 6).
std::unique_ptr<AudioSource> make_pipewire_source(const PipeWireSourceOptions& options);

}  // namespace lightwell::audio
