// One PipeWire connection of the capture source (internal to audio/, see
// pipewire_source.hpp): core, registry, the "default" metadata, the optional virtual sink and
// the capture stream, all driven by a pw_thread_loop this object owns. The stream's real-time
// callback pushes into a ring the caller owns (it outlives this object).
//
// Construction blocks (at most a few step_timeouts) and throws std::runtime_error with the
// reason. broken() turns true when the daemon goes away, the stream fails, or the captured
// sink disappears; the owner then destroys this object and makes a new one. The destructor
// restores the default sink (if this connection changed it) and removes the virtual sink.
#pragma once

#include <memory>
#include <stop_token>
#include <string>

#include "lightwell/audio/pipewire_source.hpp"
#include "pipewire_ring.hpp"

namespace lightwell::audio::detail {

class PipeWireCapture {
 public:
  // `cancel`: a stop request makes a waiting step give up within ~50 ms (the session is
  // ending while a connection attempt waits, e.g. for an absent session manager).
  PipeWireCapture(const PipeWireSourceOptions& options, FloatRing& ring, std::stop_token cancel = {});
  ~PipeWireCapture();
  PipeWireCapture(const PipeWireCapture&) = delete;
  PipeWireCapture& operator=(const PipeWireCapture&) = delete;

  bool broken() const noexcept;
  // "virtual sink lightwell-sink (6 channels), default while streaming", for the log.
  const std::string& description() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace lightwell::audio::detail
