// PipeWire capture (issue 6, docs/audio-pipewire.md).
//
// What it does while a session streams:
//  - by default creates a virtual sink ("lightwell-sink") with the session's layout, makes it
//    the default sink (metadata "default", key default.configured.audio.sink) so the guest's
//    sound goes there, and restores the previous default when the session ends;
//  - or captures a named existing sink, or the current default sink (options below);
//  - a pw_stream with stream.capture.sink=true on PipeWire's own thread loop captures the
//    sink's monitor as F32 interleaved 48 kHz, in the encoder's channel order (audio.md §2.3:
//    FL FR FC LFE BL BR SL SR; PipeWire calls BL/BR RL/RR; PipeWire's channel mixer maps
//    from the sink's positions and resamples if needed). The real-time callback only copies
//    into a lock-free ring; read() takes one frame's worth;
//  - when PipeWire is not running or goes away (restart), read() returns silence (the stream
//    keeps its timing, audio.md §6) and a supervisor thread reconnects every
//    reconnect_interval; the session is never ended for it.
//
// Threads: read() from one thread (the session's audio thread). The object owns the PipeWire
// thread loop of the current connection and one supervisor thread (joined in the destructor).
// on_event is called from the supervisor thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "lightwell/audio/audio_source.hpp"

namespace lightwell::audio {

struct PipeWireSourceOptions {
  std::uint32_t channels = 2;  // 2, 6 or 8: the session's layout, what read() delivers
  // The most channels taken from PipeWire (2, 6 or 8; config [audio] max_channels): the virtual
  // sink and the capture use min(channels, max_channels), so the guest sees e.g. a stereo
  // device, and read() leaves the session's extra channels silent (the first channels of the
  // encoder order are the same in every layout: FL FR, then FC LFE BL BR).
  std::uint32_t max_channels = 8;
  // node.name of an existing sink to capture. Non-empty: no virtual sink, default untouched.
  std::string target_sink;
  // With target_sink empty: true creates the virtual sink (above); false captures whatever the
  // default sink is (and follows it when it changes).
  bool virtual_sink = true;
  std::string virtual_sink_name = "lightwell-sink";
  std::uint32_t ring_ms = 200;        // ring capacity
  // Audio older than this when read() runs is dropped, so a stall never becomes lasting delay.
  std::uint32_t max_backlog_ms = 20;
  std::chrono::milliseconds reconnect_interval{1000};
  // Each step of a connection (daemon answers, sink appears, stream is linked) must finish
  // within this, else the attempt fails and is retried.
  std::chrono::milliseconds step_timeout{3000};
  // One line per state change ("capturing …", "PipeWire went away …", "not running …"),
  // for the server's log. May be empty.
  std::function<void(std::string_view)> on_event;
};

// One connection attempt, no retry: throws std::runtime_error with a clear reason when
// PipeWire is not reachable, a named sink does not exist, or no session manager links the
// stream. Used by `lightwell probe` and tests.
std::unique_ptr<AudioSource> connect_pipewire_source(const PipeWireSourceOptions& options);

// The session's source: never throws for PipeWire being absent (streams silence, reports it
// through on_event, reconnects). Throws std::invalid_argument for bad options.
std::unique_ptr<AudioSource> make_pipewire_source(const PipeWireSourceOptions& options);

}  // namespace lightwell::audio
