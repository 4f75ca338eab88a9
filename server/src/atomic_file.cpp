#include "lightwell/server/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace lightwell::server {
namespace {

constexpr std::string_view kTempMarker = ".tmp-";

[[noreturn]] void throw_errno(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

// Closes on scope exit; unlinks the temporary unless committed.
class TempFile {
 public:
  TempFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  int fd() const noexcept { return fd_; }
  const std::string& path() const noexcept { return path_; }
  void close_or_throw() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw_errno(errno, "close " + path_);
  }
  void commit() noexcept { committed_ = true; }

 private:
  int fd_;
  std::string path_;
  bool committed_ = false;
};

}  // namespace

bool is_temp_file_name(std::string_view name) noexcept {
  return !name.empty() && name.front() == '.' && name.find(kTempMarker) != std::string_view::npos;
}

void write_file_atomic(const std::filesystem::path& file, std::string_view contents, mode_t mode) {
  const std::filesystem::path dir = file.parent_path().empty() ? "." : file.parent_path();
  std::string templ = (dir / ("." + file.filename().string() + std::string(kTempMarker) + "XXXXXX")).string();
  const int fd = ::mkostemp(templ.data(), O_CLOEXEC);
  if (fd < 0) throw_errno(errno, "create a temporary file in " + dir.string());
  TempFile tmp(fd, templ);
  if (::fchmod(fd, mode) != 0) throw_errno(errno, "chmod " + tmp.path());
  std::size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(errno, "write " + tmp.path());
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) throw_errno(errno, "fsync " + tmp.path());
  tmp.close_or_throw();
  if (::rename(tmp.path().c_str(), file.c_str()) != 0) throw_errno(errno, "rename to " + file.string());
  tmp.commit();
  // The rename is durable only once the directory entry is on disk.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) throw_errno(errno, "open directory " + dir.string());
  const int rc = ::fsync(dfd);
  const int err = errno;
  ::close(dfd);
  if (rc != 0) throw_errno(err, "fsync directory " + dir.string());
}

std::optional<std::string> read_file_if_exists(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw_errno(errno, "open " + file.string());
  }
  std::string out;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      throw_errno(err, "read " + file.string());
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

std::vector<std::string> remove_stale_temp_files(const std::filesystem::path& dir) {
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (is_temp_file_name(name) && entry.is_regular_file(ec)) {
      if (std::filesystem::remove(entry.path(), ec)) removed.push_back(name);
    }
  }
  return removed;
}

}  // namespace lightwell::server
