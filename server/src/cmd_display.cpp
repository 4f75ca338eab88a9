// `lightwell display edid | kernel-params | install` (docs/display.md): headless guests. The
// EDID and the parameters come from the pure generator in capture/edid.hpp; this file only
// writes bytes and prints. It never edits a boot loader configuration.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "lightwell/capture/edid.hpp"
#include "lightwell/server/startup_error.hpp"

namespace lightwell::server {
namespace {

// The parser already validated modes and name (cli_args.cpp), so a failure here is a bug.
std::vector<std::uint8_t> edid_for(const Invocation& inv) {
  capture::EdidRequest request;
  for (const std::string& text : inv.display_modes) request.modes.push_back(*capture::parse_display_mode(text));
  if (!inv.monitor_name.empty()) request.monitor_name = inv.monitor_name;
  auto edid = capture::build_edid(request);
  if (!edid) throw StartupError("EDID: " + edid.error().message, "");
  return *edid;
}

// Atomic replace: write a temporary file in the same directory, fsync, rename over the
// target (rename(2) is atomic within one file system), so a reader (the kernel's firmware
// loader, an initramfs hook) never sees half a file.
void write_atomically(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  const std::filesystem::path tmp = path.string() + fmt::format(".tmp-{}", ::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw StartupError(fmt::format("cannot create {}: {}", tmp.string(), std::strerror(errno)),
                       "check the directory exists and is writable (installing to /lib/firmware needs root)");
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int saved = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw StartupError(fmt::format("cannot write {}: {}", tmp.string(), std::strerror(saved)), "");
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  const bool closed = ::close(fd) == 0;
  if (!synced || !closed || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    throw StartupError(fmt::format("cannot write {}: {}", path.string(), std::strerror(saved)), "");
  }
}

void print_boot_instructions(std::ostream& out, const std::string& params, const std::string& firmware) {
  out << "Add to the kernel command line (the boot loader is not changed by lightwell):\n"
      << "  " << params << "\n"
      << "If the GPU driver loads from the initramfs, the EDID file must be in it too:\n"
      << "  Debian/Ubuntu: an initramfs-tools hook that runs `copy_file firmware /lib/firmware/" << firmware
      << "`, then `update-initramfs -u`\n"
      << "  Arch (mkinitcpio): FILES=(/lib/firmware/" << firmware << ") in /etc/mkinitcpio.conf, then `mkinitcpio -P`\n"
      << "  NixOS: hardware.firmware and boot.kernelParams (docs/display.md)\n"
      << "Then reboot and check with `lightwell probe` (the connector shows a lit mode).\n";
}

}  // namespace

int run_display(const Invocation& inv, std::ostream& out, std::ostream& err) {
  switch (inv.command) {
    case Command::display_edid: {
      const auto edid = edid_for(inv);
      if (!inv.display_output.empty()) {
        write_atomically(inv.display_output, edid);
        return 0;
      }
      // Binary on a terminal is noise at best and terminal escape sequences at worst.
      if (&out == &std::cout && ::isatty(STDOUT_FILENO) != 0) {
        err << "lightwell: refusing to write a binary EDID to a terminal\n"
            << "  fix: add --output FILE, or redirect: lightwell display edid ... > lightwell.bin\n";
        return 1;
      }
      out.write(reinterpret_cast<const char*>(edid.data()), static_cast<std::streamsize>(edid.size()));
      out.flush();
      return out ? 0 : 1;
    }
    case Command::display_kernel_params:
      out << *capture::kernel_parameters(inv.connector, inv.firmware) << "\n";
      return 0;
    case Command::display_install: {
      const auto edid = edid_for(inv);
      const std::filesystem::path target = std::filesystem::path("/lib/firmware") / inv.firmware;
      std::error_code ec;
      std::filesystem::create_directories(target.parent_path(), ec);
      if (ec) {
        throw StartupError(fmt::format("cannot create {}: {}", target.parent_path().string(), ec.message()),
                           "run `lightwell display install` as root");
      }
      write_atomically(target, edid);
      out << "Wrote " << edid.size() << "-byte EDID to " << target.string() << "\n";
      print_boot_instructions(out, *capture::kernel_parameters(inv.connector, inv.firmware), inv.firmware);
      return 0;
    }
    default:
      return 2;
  }
}

}  // namespace lightwell::server
