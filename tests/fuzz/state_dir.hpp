// A private state directory for the state-file fuzz targets: created once per process under
// $TMPDIR (run-target.sh points it into the run directory), removed at exit. The state loaders
// read files by path (state_store.hpp), so each input is written to the file they read, mode
// 0600 as the loader demands of identity.json.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace lightwell::fuzz {

class StateDir {
 public:
  StateDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/lightwell-fuzz-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~StateDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  StateDir(const StateDir&) = delete;
  StateDir& operator=(const StateDir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }

  // Replaces <dir>/name with exactly these bytes, mode 0600.
  void write(const char* name, const std::uint8_t* data, std::size_t size) const {
    const std::filesystem::path file = path_ / name;
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) std::abort();
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::write(fd, data + done, size - done);
      if (n <= 0) std::abort();
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
  }

 private:
  std::filesystem::path path_;
};

}  // namespace lightwell::fuzz
