// Logging: every line names its component ("config", "state", "rtsp", ...) and, where there
// is one, its session. Modules receive a Log by value (cheap: two shared pointers and a
// prefix) with the component already set, and write `log.info("...", args)`. There is no
// global logger: the CLI builds one LogHub from the options and hands Logs down.
//
// Never pass secrets (private keys, PINs, AES keys, passwords) to a Log call; reviews and
// tests check the pairing path for this.
//
// Thread rules: a LogHub and the Logs made from it may be used from any thread (spdlog sinks
// here are the mutex-protected *_mt kinds). set_level() is safe at any time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace spdlog {
class logger;
namespace sinks {
class sink;
}
}  // namespace spdlog

namespace lightwell::server {

enum class LogLevel { trace, debug, info, warn, error };

std::string_view to_string(LogLevel level) noexcept;
// Accepts exactly "trace", "debug", "info", "warn", "error".
std::optional<LogLevel> parse_log_level(std::string_view text) noexcept;

class Log {
 public:
  template <class... A>
  void trace(fmt::format_string<A...> f, A&&... a) const { emit(LogLevel::trace, f, std::forward<A>(a)...); }
  template <class... A>
  void debug(fmt::format_string<A...> f, A&&... a) const { emit(LogLevel::debug, f, std::forward<A>(a)...); }
  template <class... A>
  void info(fmt::format_string<A...> f, A&&... a) const { emit(LogLevel::info, f, std::forward<A>(a)...); }
  template <class... A>
  void warn(fmt::format_string<A...> f, A&&... a) const { emit(LogLevel::warn, f, std::forward<A>(a)...); }
  template <class... A>
  void error(fmt::format_string<A...> f, A&&... a) const { emit(LogLevel::error, f, std::forward<A>(a)...); }

  // The same component, every line tagged "session=<id>".
  Log with_session(std::uint32_t session_id) const;
  bool enabled(LogLevel level) const noexcept;
  const std::string& component() const noexcept { return component_; }

 private:
  friend class LogHub;
  Log(std::shared_ptr<spdlog::logger> logger, std::string component, std::string prefix)
      : logger_(std::move(logger)), component_(std::move(component)), prefix_(std::move(prefix)) {}

  template <class... A>
  void emit(LogLevel level, fmt::format_string<A...> f, A&&... a) const {
    if (enabled(level)) write(level, fmt::format(f, std::forward<A>(a)...));
  }
  void write(LogLevel level, std::string_view message) const;

  std::shared_ptr<spdlog::logger> logger_;
  std::string component_;
  std::string prefix_;  // "" or "session=<id> "
};

// Owns the sinks and the level; makes component Logs that share them.
class LogHub {
 public:
  // Colourless lines on stderr: "2026-11-21 13:32:28.123 info  [config] message".
  static LogHub to_stderr(LogLevel level);
  // The same format into a stream the caller keeps alive longer than the hub (tests).
  static LogHub to_stream(std::ostream& out, LogLevel level);

  Log get(std::string component) const;
  void set_level(LogLevel level);
  LogLevel level() const noexcept;
  // The last lines logged (up to kRecentLines, oldest first, formatted as on stderr without
  // the line break), for the web page's Status view. Any thread.
  static constexpr std::size_t kRecentLines = 200;
  std::vector<std::string> recent_lines() const;

 private:
  explicit LogHub(std::shared_ptr<spdlog::sinks::sink> sink, LogLevel level);
  std::shared_ptr<spdlog::sinks::sink> sink_;
  std::shared_ptr<spdlog::sinks::sink> ring_;  // spdlog ringbuffer_sink_mt, same level and format
};

}  // namespace lightwell::server
