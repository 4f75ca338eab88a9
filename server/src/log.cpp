#include "lightwell/server/log.hpp"

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace lightwell::server {
namespace {

spdlog::level::level_enum to_spdlog(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::trace: return spdlog::level::trace;
    case LogLevel::debug: return spdlog::level::debug;
    case LogLevel::info: return spdlog::level::info;
    case LogLevel::warn: return spdlog::level::warn;
    case LogLevel::error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

// %n is the logger name, which is the component.
constexpr const char* kPattern = "%Y-%m-%d %H:%M:%S.%e %-5l [%n] %v";

}  // namespace

std::string_view to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::trace: return "trace";
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

std::optional<LogLevel> parse_log_level(std::string_view text) noexcept {
  for (LogLevel l : {LogLevel::trace, LogLevel::debug, LogLevel::info, LogLevel::warn,
                     LogLevel::error}) {
    if (text == to_string(l)) return l;
  }
  return std::nullopt;
}

Log Log::with_session(std::uint32_t session_id) const {
  return Log(logger_, component_, "session=" + std::to_string(session_id) + " ");
}

bool Log::enabled(LogLevel level) const noexcept {
  return logger_ && logger_->should_log(to_spdlog(level)) &&
         logger_->sinks().front()->should_log(to_spdlog(level));
}

void Log::write(LogLevel level, std::string_view message) const {
  if (prefix_.empty()) {
    logger_->log(to_spdlog(level), "{}", message);
  } else {
    logger_->log(to_spdlog(level), "{}{}", prefix_, message);
  }
}

LogHub::LogHub(std::shared_ptr<spdlog::sinks::sink> sink, LogLevel level)
    : sink_(std::move(sink)), ring_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(kRecentLines)) {
  for (const auto& s : {sink_, ring_}) {
    s->set_pattern(kPattern);
    s->set_level(to_spdlog(level));
  }
}

std::vector<std::string> LogHub::recent_lines() const {
  std::vector<std::string> lines =
      std::static_pointer_cast<spdlog::sinks::ringbuffer_sink_mt>(ring_)->last_formatted(kRecentLines);
  for (auto& line : lines) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  }
  return lines;
}

LogHub LogHub::to_stderr(LogLevel level) {
  return LogHub(std::make_shared<spdlog::sinks::stderr_sink_mt>(), level);
}

LogHub LogHub::to_stream(std::ostream& out, LogLevel level) {
  return LogHub(std::make_shared<spdlog::sinks::ostream_sink_mt>(out, /*force_flush=*/true), level);
}

Log LogHub::get(std::string component) const {
  // Not registered in spdlog's registry: each Log owns its logger, the sink is shared.
  auto logger = std::make_shared<spdlog::logger>(component, spdlog::sinks_init_list{sink_, ring_});
  logger->set_level(spdlog::level::trace);  // the sink filters, so set_level() reaches all
  logger->flush_on(spdlog::level::trace);
  return Log(std::move(logger), std::move(component), {});
}

void LogHub::set_level(LogLevel level) {
  sink_->set_level(to_spdlog(level));
  ring_->set_level(to_spdlog(level));
}

LogLevel LogHub::level() const noexcept {
  switch (sink_->level()) {
    case spdlog::level::trace: return LogLevel::trace;
    case spdlog::level::debug: return LogLevel::debug;
    case spdlog::level::info: return LogLevel::info;
    case spdlog::level::warn: return LogLevel::warn;
    default: return LogLevel::error;
  }
}

}  // namespace lightwell::server
