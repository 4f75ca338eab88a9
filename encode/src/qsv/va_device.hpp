// One VA display on one DRM render node (the display the capture import and oneVPL share,
// docs/qsv.md "One display"). Owns the node's fd and the display; move-only.
// Thread rules: VA-API calls on one display may come from any thread (libva is thread-safe per
// display), but the encoder uses it from its one thread.
#pragma once

#include <va/va.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace lightwell::encode::qsv {

class VaDevice {
 public:
  // Opens the node and vaInitialize's it; nullptr with `error` set when either fails.
  static std::unique_ptr<VaDevice> open(const std::filesystem::path& node, std::string& error);
  ~VaDevice();
  VaDevice(const VaDevice&) = delete;
  VaDevice& operator=(const VaDevice&) = delete;

  VADisplay display() const noexcept { return display_; }
  const std::string& vendor() const noexcept { return vendor_; }
  const std::filesystem::path& node() const noexcept { return node_; }

 private:
  VaDevice() = default;
  int fd_ = -1;
  VADisplay display_ = nullptr;
  std::string vendor_;
  std::filesystem::path node_;
};

// Render nodes (renderD*) under dri_dir, sorted by name.
std::vector<std::filesystem::path> render_nodes(const std::filesystem::path& dri_dir);

}  // namespace lightwell::encode::qsv
