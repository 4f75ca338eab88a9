// ServiceNotifier: `lightwell serve` as a systemd Type=notify service (issue 9; sd_notify(3),
// systemd.service(5) Type=notify, WatchdogSec=). Each call sends one datagram of
// newline-separated VAR=VALUE lines to $NOTIFY_SOCKET through libsystemd's sd_notify():
//   ready(status)  "READY=1\nSTATUS=<status>"  once every listener accepts and mDNS started
//   status(text)   "STATUS=<text>"             a stream started or ended
//   stopping()     "STOPPING=1\nSTATUS=stopping" first thing on SIGINT/SIGTERM; later
//                                              status() calls (a stream ending) send nothing
//   watchdog()     "WATCHDOG=1"                from the io thread's timer (start_watchdog)
// Without $NOTIFY_SOCKET (not started by systemd, or Type=simple/exec) every call is a no-op.
//
// The watchdog: when $WATCHDOG_USEC is set (and $WATCHDOG_PID is unset or this process),
// sd_watchdog_enabled(3) gives the interval after which systemd considers the service hung;
// start_watchdog() pings at half of it (the man page's recommendation) from a steady timer on
// the given io_context, the control-plane loop. The point is that a hung io thread (a handler
// that never returns) stops the pings, so systemd restarts the server (Restart=on-failure).
//
// Threads: ready/status/stopping/watchdog may be called from any thread (sd_notify is
// thread-safe; the only other shared state is an atomic flag); start_watchdog() and
// stop_watchdog() only on the io thread (or before io.run()). The io_context and the log must
// outlive this object. A STATUS text containing a newline has it replaced by a space, so it
// cannot smuggle in another VAR= line.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "lightwell/server/log.hpp"

namespace lightwell::server {

struct StreamSummary;  // stream_controller.hpp

class ServiceNotifier {
 public:
  // Reads $NOTIFY_SOCKET and the watchdog variables once (logged at debug); sends nothing.
  ServiceNotifier(boost::asio::io_context& io, Log log);
  ~ServiceNotifier() = default;
  ServiceNotifier(const ServiceNotifier&) = delete;
  ServiceNotifier& operator=(const ServiceNotifier&) = delete;

  // True when $NOTIFY_SOCKET was set at construction.
  bool enabled() const noexcept { return enabled_; }
  // systemd's watchdog timeout (WatchdogSec=, as $WATCHDOG_USEC), nullopt when not expected.
  std::optional<std::chrono::microseconds> watchdog_timeout_us() const noexcept { return watchdog_timeout_us_; }
  // The ping period start_watchdog() uses: half the timeout, at least 1 ms.
  std::optional<std::chrono::milliseconds> watchdog_period_ms() const noexcept;

  void ready(std::string_view status) const;
  void status(std::string_view text) const;
  void stopping();
  void watchdog() const;

  // Arms the periodic WATCHDOG=1 on the io thread; no-op without a watchdog timeout.
  void start_watchdog();
  // Cancels the timer (so io.run() can return); STOPPING=1 has told systemd already.
  void stop_watchdog();

 private:
  void send(const std::string& message) const;
  void arm();

  Log log_;
  bool enabled_ = false;
  std::optional<std::chrono::microseconds> watchdog_timeout_us_;
  boost::asio::steady_timer timer_;
  bool watchdog_running_ = false;
  std::atomic<bool> stopping_{false};
};

// The STATUS= text while idle: "idle; 2 paired clients; HTTP port 47989" (the port lets an
// operator find the host, the count shows whether pairing worked).
std::string idle_status(std::size_t paired_clients, std::uint16_t http_port);
// The STATUS= text while a stream runs: "streaming to 192.0.2.7: 1920x1080 at 60 fps, H.264,
// app Desktop" (no quotes: systemctl status prints the text in quotes itself).
std::string streaming_status(const StreamSummary& stream);

}  // namespace lightwell::server
