// The host side of the ENet control stream (shared/protocol/control.md) on top of
// net::EnetHost: ties a connecting peer to the session that expects it (by connect data,
// control.md §2), opens the AES-GCM envelope (§3), decodes client messages (§4) and hands
// them to the session's hooks, and seals host messages (§5) — rumble, HDR, termination.
//
// Sessions: expect() registers what the RTSP ANNOUNCE produced; a peer whose CONNECT data
// matches no expected session without a peer is disconnected at once (logged "rejected"). A
// bad GCM tag or an unencrypted packet on an encrypted session ends that session's control
// stream (Sunshine: session stop) — on_disconnected(false) is reported. Replayed sequence
// numbers, malformed envelopes and malformed messages are dropped (logged), the stream stays.
// Once a session's peer has gone (disconnect, timeout, auth failure) the session is not
// matched again: the owner forget()s it.
//
// Threads: the hooks run ON THE ENET THREAD without any ControlService lock held (keep them
// short: set atomics, post to the io thread; they may call send()/terminate()/forget(), never
// stop()). expect()/forget()/send()/terminate()/connected()/last_activity() may be called from
// any thread (a mutex guards the session table; sealing happens under it, so sequence
// numbers stay in order).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>

#include "lightwell/net/enet_host.hpp"
#include "lightwell/proto/control_feedback.hpp"
#include "lightwell/proto/control_messages.hpp"
#include "lightwell/server/log.hpp"

namespace lightwell::server {

struct ControlHooks {
  std::function<void()> on_connected;                   // the peer arrived (start A follows)
  std::function<void()> on_idr_request;                 // 0x0302 (also "start A")
  std::function<void(std::uint32_t first_frame, std::uint32_t last_frame)> on_invalidate_references;  // 0x0301
  std::function<void(std::span<const std::uint8_t> packet)> on_input;  // 0x0206 payload (input.md)
  std::function<void(const proto::FrameFecStatus&)> on_fec_status;    // 0x5502
  // DISCONNECT, timeout, or auth failure / plaintext packet (timed_out = false). Not called
  // after terminate(), forget() or stop(): the host ended those itself.
  std::function<void(bool timed_out)> on_disconnected;
};

struct ExpectedControlSession {
  std::uint32_t session_id = 0;     // for log lines
  std::uint32_t connect_data = 0;   // X-SS-Connect-Data (control.md §2)
  std::array<std::uint8_t, 16> rikey{};  // SECRET: AES key for the envelope
  bool encrypted = true;            // ANNOUNCE useReliableUdp == 13; false: expect() logs and ignores it
  ControlHooks hooks;
};

class ControlService {
 public:
  ControlService(net::EnetHostOptions options, Log log);
  ~ControlService();  // = stop()

  // Registers (or replaces, dropping the old peer) the session with this id.
  void expect(ExpectedControlSession session);
  // Drops the peer (disconnect_now) without a message or hook. A hook already running on the
  // ENet thread at that moment still completes.
  void forget(std::uint32_t session_id);

  // Host → client messages (sealed, reliable, channel 0). False if the session has no peer.
  bool send(std::uint32_t session_id, const proto::HostMessage& message);
  // Sends the termination (control.md §5: 0x0109 with the HRESULT, graceful =
  // kTerminationGraceful) and disconnects the peer after it (the client resets at once).
  // False if the session has no peer. Afterwards the session counts as not connected and its
  // incoming packets are ignored.
  bool terminate(std::uint32_t session_id, std::uint32_t hresult);

  // A peer is attached and neither gone nor terminated.
  bool connected(std::uint32_t session_id) const;
  // Last packet or connect from the session's peer (steady clock); nullopt before it connects.
  std::optional<std::chrono::steady_clock::time_point> last_activity(std::uint32_t session_id) const;

  // Terminates nothing; flushes and stops the ENet host, lingering up to 500 ms for queued
  // packets (call terminate() first for a graceful shutdown); peers still attached get an ENet
  // disconnect. Idempotent; not from a hook.
  void stop();
  std::uint16_t port() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace lightwell::server
