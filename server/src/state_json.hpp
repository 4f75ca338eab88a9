// JSON helpers shared by the identity and client files (internal). Every failure throws
// StartupError naming the file and what is wrong; nothing here ever writes a file it failed
// to read.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace lightwell::server::state_json {

[[noreturn]] void corrupt(const std::filesystem::path& file, const std::string& what);
// Reads the file (nullopt when absent); unreadable → StartupError.
std::optional<std::string> read(const std::filesystem::path& file);
boost::json::object parse_object(const std::filesystem::path& file, const std::string& text);
void check_format_version(const std::filesystem::path& file, const boost::json::object& root);
std::string get_string(const std::filesystem::path& file, const boost::json::object& o, std::string_view key,
                       std::string_view where = {});
std::int64_t get_int(const std::filesystem::path& file, const boost::json::object& o, std::string_view key,
                     std::string_view where = {});
// Serialises (pretty enough for a human to read) and writes atomically with mode 0600.
void write(const std::filesystem::path& file, const boost::json::object& root);

}  // namespace lightwell::server::state_json
