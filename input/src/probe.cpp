// uinput probe: existence and write access, with the usual fixes spelled out.
#include "lightwell/input/probe.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace lightwell::input {

InputProbe probe_input(const std::filesystem::path& uinput_path) {
  InputProbe probe;
  probe.uinput_path = uinput_path;
  struct stat st {};
  if (::stat(uinput_path.c_str(), &st) != 0) {
    probe.detail = std::strerror(errno);
    probe.fix = "load the module: `sudo modprobe uinput` (and add `uinput` to "
                "/etc/modules-load.d/lightwell.conf to load it at boot)";
    return probe;
  }
  probe.present = true;
  // O_NONBLOCK: opening uinput never blocks, but a fake path in a test might be a FIFO.
  const int fd = ::open(uinput_path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    probe.detail = std::strerror(errno);
    probe.fix = "allow the service user to write it: install the package's udev rule "
                "/usr/lib/udev/rules.d/60-lightwell-uinput.rules (KERNEL==\"uinput\", GROUP=\"uinput\", "
                "MODE=\"0660\", TAG+=\"uaccess\"), add the user to group `uinput`, then "
                "`sudo udevadm trigger /dev/uinput` and log in again";
    return probe;
  }
  ::close(fd);
  probe.writable = true;
  return probe;
}

}  // namespace lightwell::input
