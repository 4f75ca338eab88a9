// The session's input thread (issue 7, input.md, control.md §4): input packets arrive on the
// ENet thread (ControlHooks::on_input, already authenticated and decrypted), are queued, and
// the "input" thread parses each with proto::input::parse_input_packet and injects it through
// an input::Injector into an InputSink (uinput in production). The same thread answers the
// guest's force-feedback requests on the gamepads and reports rumble through `on_rumble`.
//
// When the sink cannot be made (no /dev/uinput, no permission) the session streams without
// input: one log line says why and how to fix it; packets are counted and dropped.
// Destruction releases everything held (keys, buttons, touches, pads) and removes the devices
// before the thread is joined — no stuck key survives a session.
//
// Threads: submit() from any one thread (the ENet thread); stats() from any thread; the
// callbacks run on the input thread. Construct and destroy on the owner's thread (io).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "lightwell/input/sink.hpp"
#include "lightwell/proto/result.hpp"
#include "lightwell/server/log.hpp"

namespace lightwell::server {

struct InputSessionOptions {
  input::ScreenSize screen;              // absolute pointer, touch, pen scale to this
  std::size_t queue_packets = 256;       // more pending packets than this are dropped
  // Makes the sink on the input thread's behalf (called once, on the owner's thread).
  // Default (empty): input::UinputSink::open("/dev/uinput", screen).
  std::function<proto::Result<std::unique_ptr<input::InputSink>>()> make_sink;
  std::function<void(const input::Rumble&)> on_rumble;  // input thread; may be empty
};

struct InputStats {
  std::uint64_t packets = 0;   // injected (parsed and handed to the injector)
  std::uint64_t rejected = 0;  // failed parse_input_packet (malformed, hostile, unknown)
  std::uint64_t dropped = 0;   // queue full, or no sink
  std::uint64_t rumbles = 0;   // reported through on_rumble
};

class InputSession {
 public:
  InputSession(InputSessionOptions options, Log log);
  ~InputSession();
  InputSession(const InputSession&) = delete;
  InputSession& operator=(const InputSession&) = delete;

  // Copies the packet into the queue and wakes the input thread. Never blocks on injection.
  void submit(std::span<const std::uint8_t> packet);
  bool injecting() const noexcept;  // false when the sink could not be made
  InputStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lightwell::server
