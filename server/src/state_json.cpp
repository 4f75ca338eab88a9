#include "state_json.hpp"

#include <system_error>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "lightwell/server/atomic_file.hpp"
#include "lightwell/server/startup_error.hpp"
#include "lightwell/server/state_store.hpp"

namespace lightwell::server::state_json {
namespace json = boost::json;

void corrupt(const std::filesystem::path& file, const std::string& what) {
  throw StartupError(fmt::format("{}: corrupt state file: {}", file.string(), what),
                     "the file was left untouched; restore it from a backup, or move it away to start "
                     "over (moving identity.json away gives the host a new identity and unpairs every client)");
}

std::optional<std::string> read(const std::filesystem::path& file) {
  try {
    return read_file_if_exists(file);
  } catch (const std::system_error& e) {
    throw StartupError(fmt::format("{}: cannot read state file: {}", file.string(), e.code().message()),
                       "fix its owner/permissions; the file was left untouched");
  }
}

json::object parse_object(const std::filesystem::path& file, const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) corrupt(file, "not valid JSON (" + ec.message() + ")");
  if (!v.is_object()) corrupt(file, "the top level is not a JSON object");
  return std::move(v.as_object());
}

void check_format_version(const std::filesystem::path& file, const json::object& root) {
  const std::int64_t version = get_int(file, root, "format_version");
  if (version > kStateFormatVersion) {
    throw StartupError(fmt::format("{}: written by a newer lightwell (format_version {}, this version reads {})",
                                   file.string(), version, kStateFormatVersion),
                       "run the newer lightwell version, or restore a backup from this version");
  }
  if (version < 1) corrupt(file, fmt::format("format_version {} is not valid", version));
}

std::string get_string(const std::filesystem::path& file, const json::object& o, std::string_view key,
                       std::string_view where) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    corrupt(file, fmt::format("{}\"{}\" is missing or not a string", where, key));
  }
  return std::string(v->as_string());
}

std::int64_t get_int(const std::filesystem::path& file, const json::object& o, std::string_view key,
                     std::string_view where) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_int64()) {
    if (v != nullptr && v->is_uint64()) corrupt(file, fmt::format("{}\"{}\" is out of range", where, key));
    corrupt(file, fmt::format("{}\"{}\" is missing or not an integer", where, key));
  }
  return v->as_int64();
}

void write(const std::filesystem::path& file, const json::object& root) {
  // One member per line keeps the files diffable and readable with any editor.
  std::string text = "{\n";
  bool first = true;
  for (const auto& [k, v] : root) {
    if (!first) text += ",\n";
    first = false;
    text += "  " + json::serialize(json::string(k)) + ": " + json::serialize(v);
  }
  text += "\n}\n";
  write_file_atomic(file, text, 0600);
}

}  // namespace lightwell::server::state_json
