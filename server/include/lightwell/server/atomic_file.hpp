// Crash-safe files in the state directory. A write goes to a temporary file in the same
// directory (".<name>.tmp-XXXXXX"), is fsync'ed, renamed over the target and the directory is
// fsync'ed, so after a crash the target holds either the old or the new contents, never a
// mix. Leftover temporaries from a crash are removed by remove_stale_temp_files().
// Thread rules: plain functions; callers serialise writes to the same file.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lightwell::server {

// Throws std::system_error naming the file on any failure; the target is untouched then.
void write_file_atomic(const std::filesystem::path& file, std::string_view contents, mode_t mode);

// nullopt when the file does not exist; throws std::system_error naming the file when it
// exists but cannot be read.
std::optional<std::string> read_file_if_exists(const std::filesystem::path& file);

// True for names write_file_atomic uses for its temporaries.
bool is_temp_file_name(std::string_view name) noexcept;

// Removes leftover temporaries in dir; returns the names removed (for the log).
std::vector<std::string> remove_stale_temp_files(const std::filesystem::path& dir);

}  // namespace lightwell::server
