// VA display on a render node (va_device.hpp), and the sysfs link from a KMS card to it.
#include "va_device.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <va/va_drm.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include "lightwell/encode/qsv.hpp"

namespace lightwell::encode {
namespace qsv {
namespace {
// libva prints "libva info: ..." to stderr by default; errors reach the caller as text instead.
void quiet(void*, const char*) {}
}  // namespace

std::unique_ptr<VaDevice> VaDevice::open(const std::filesystem::path& node, std::string& error) {
  std::unique_ptr<VaDevice> d(new VaDevice());
  d->node_ = node;
  d->fd_ = ::open(node.c_str(), O_RDWR | O_CLOEXEC);
  if (d->fd_ < 0) {
    error = node.string() + ": cannot open: " + std::strerror(errno);
    return nullptr;
  }
  d->display_ = vaGetDisplayDRM(d->fd_);
  if (d->display_ == nullptr) {
    error = node.string() + ": vaGetDisplayDRM failed";
    return nullptr;
  }
  vaSetInfoCallback(d->display_, quiet, nullptr);
  vaSetErrorCallback(d->display_, quiet, nullptr);
  int major = 0;
  int minor = 0;
  const VAStatus status = vaInitialize(d->display_, &major, &minor);
  if (status != VA_STATUS_SUCCESS) {
    error = node.string() + ": VA-API did not initialise: " + vaErrorStr(status);
    vaTerminate(d->display_);
    d->display_ = nullptr;
    return nullptr;
  }
  const char* vendor = vaQueryVendorString(d->display_);
  d->vendor_ = vendor != nullptr ? vendor : "";
  return d;
}

VaDevice::~VaDevice() {
  if (display_ != nullptr) vaTerminate(display_);
  if (fd_ >= 0) ::close(fd_);
}

std::vector<std::filesystem::path> render_nodes(const std::filesystem::path& dri_dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dri_dir, ec)) {
    if (entry.path().filename().string().rfind("renderD", 0) == 0) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace qsv

std::filesystem::path render_node_for_card(const std::filesystem::path& card, const std::filesystem::path& dri_dir,
                                           const std::filesystem::path& sysfs_drm) {
  // sysfs ABI: /sys/class/drm/cardN/device is the GPU's device; its drm/ directory lists every
  // DRM minor of that device (cardN and renderD12M).
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(sysfs_drm / card.filename() / "device" / "drm", ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("renderD", 0) == 0) names.push_back(name);
  }
  if (names.empty()) return {};
  std::sort(names.begin(), names.end());
  return dri_dir / names.front();
}

std::string va_driver_from_vendor(const std::string& vendor) {
  // libva driver vendor strings: "Intel iHD driver for Intel(R) Gen Graphics - 23.1.1 ()",
  // "Intel i965 driver for Intel(R) ... - 2.4.1", "Mesa Gallium driver 22.3.6 for ...".
  if (vendor.find("iHD") != std::string::npos) return "iHD";
  if (vendor.find("i965") != std::string::npos) return "i965";
  if (vendor.rfind("Mesa", 0) == 0) return "Mesa";
  const auto space = vendor.find(' ');
  return vendor.substr(0, space);
}

}  // namespace lightwell::encode
