// ServiceNotifier: see service_notifier.hpp (sd_notify(3), sd_watchdog_enabled(3)).
#include "lightwell/server/service_notifier.hpp"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "lightwell/server/stream_controller.hpp"

namespace lightwell::server {
namespace {

// One line of a notification: a newline would start another VAR=VALUE (sd_notify(3)).
std::string one_line(std::string_view text) {
  std::string s(text);
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

const char* codec_name(proto::VideoCodec codec) {
  switch (codec) {
    case proto::VideoCodec::hevc: return "HEVC";
    case proto::VideoCodec::av1: return "AV1";
    case proto::VideoCodec::h264: break;
  }
  return "H.264";
}

}  // namespace

ServiceNotifier::ServiceNotifier(boost::asio::io_context& io, Log log) : log_(std::move(log)), timer_(io) {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && socket[0] != '\0';
  std::uint64_t usec = 0;
  // unset_environment=0: the variables stay; apps we launch see $WATCHDOG_PID (set by systemd
  // to our pid) and therefore ignore $WATCHDOG_USEC themselves (sd_watchdog_enabled(3)).
  const int r = sd_watchdog_enabled(0, &usec);
  if (r > 0 && usec > 0) watchdog_timeout_us_ = std::chrono::microseconds(usec);
  if (r < 0) log_.warn("systemd watchdog: cannot read $WATCHDOG_USEC/$WATCHDOG_PID ({})", std::strerror(-r));
  if (enabled_) {
    log_.debug("systemd notification socket {}; watchdog {}", socket,
               watchdog_timeout_us_ ? fmt::format("every {} ms (timeout {} us)", watchdog_period_ms()->count(),
                                                  watchdog_timeout_us_->count())
                                    : std::string("not requested"));
  }
}

std::optional<std::chrono::milliseconds> ServiceNotifier::watchdog_period_ms() const noexcept {
  if (!watchdog_timeout_us_) return std::nullopt;
  const auto half = std::chrono::duration_cast<std::chrono::milliseconds>(*watchdog_timeout_us_ / 2);
  return std::max(half, std::chrono::milliseconds(1));
}

void ServiceNotifier::send(const std::string& message) const {
  if (!enabled_) return;
  // unset_environment=0: later calls (and other threads) still find $NOTIFY_SOCKET.
  const int r = sd_notify(0, message.c_str());
  if (r < 0) log_.warn("sd_notify(\"{}\") failed: {}", message.substr(0, message.find('\n')), std::strerror(-r));
}

void ServiceNotifier::ready(std::string_view status) const { send("READY=1\nSTATUS=" + one_line(status)); }

void ServiceNotifier::status(std::string_view text) const {
  // After STOPPING=1 the stream ending at shutdown must not make the service look idle again.
  if (!stopping_.load()) send("STATUS=" + one_line(text));
}

void ServiceNotifier::stopping() {
  stopping_.store(true);
  send("STOPPING=1\nSTATUS=stopping");
}

void ServiceNotifier::watchdog() const { send("WATCHDOG=1"); }

void ServiceNotifier::start_watchdog() {
  if (!watchdog_period_ms() || watchdog_running_) return;
  watchdog_running_ = true;
  arm();
}

void ServiceNotifier::stop_watchdog() {
  watchdog_running_ = false;
  timer_.cancel();
}

void ServiceNotifier::arm() {
  // Pinged from the io thread itself: if a handler on it hangs, the pings stop and systemd
  // acts after WatchdogSec= (systemd.service(5)). The first ping goes out right away.
  watchdog();
  timer_.expires_after(*watchdog_period_ms());
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && watchdog_running_) arm();
  });
}

std::string idle_status(std::size_t paired_clients, std::uint16_t http_port) {
  return fmt::format("idle; {} paired client{}; HTTP port {}", paired_clients, paired_clients == 1 ? "" : "s",
                     http_port);
}

std::string streaming_status(const StreamSummary& stream) {
  return fmt::format("streaming to {}: {}x{} at {} fps, {}{}", stream.client_address, stream.width_px,
                     stream.height_px, stream.fps, codec_name(stream.codec),
                     stream.app_name.empty() ? std::string() : ", app " + stream.app_name);
}

}  // namespace lightwell::server
