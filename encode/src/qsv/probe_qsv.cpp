// probe_qsv (qsv.hpp): render node → VA driver → oneVPL runtime → implementations → per-codec
// Query. Every step that fails leaves `unavailable` saying exactly which one.
#include <dlfcn.h>

#include <fstream>
#include <system_error>

#include "lightwell/encode/qsv.hpp"
#include "session.hpp"
#include "va_device.hpp"

namespace lightwell::encode {
namespace {

std::string kernel_driver_of(const std::filesystem::path& sysfs_drm, const std::filesystem::path& node) {
  std::error_code ec;
  const auto target = std::filesystem::read_symlink(sysfs_drm / node.filename() / "device" / "driver", ec);
  return ec ? std::string() : target.filename().string();
}

// i915's enable_guc parameter (drivers/gpu/drm/i915/i915_params.c): bit 0 = GuC submission,
// bit 1 = load HuC; -1 = the platform default (GuC+HuC on Alder Lake and later, HuC only on
// Tiger Lake / Gen12 before it). The low-power encoder's bitrate control needs HuC on Gen11+.
std::string huc_hint(const std::filesystem::path& param) {
  std::ifstream in(param);
  std::string value;
  if (!(in >> value)) return {};
  if (value == "-1") return "i915 enable_guc=-1 (platform default: HuC loaded on Gen12 and later)";
  try {
    const int v = std::stoi(value);
    return "i915 enable_guc=" + value + ((v & 2) != 0 ? " (HuC loading requested)" : " (HuC NOT loaded: low-power CBR needs enable_guc=2 or 3)");
  } catch (const std::exception&) {
    return "i915 enable_guc=" + value;
  }
}

}  // namespace

const QsvCodecSupport* QsvProbe::codec(Codec c) const noexcept {
  for (const auto& s : codecs) {
    if (s.codec == c) return &s;
  }
  return nullptr;
}

std::uint32_t qsv_max_width_px(Codec codec) noexcept { return codec == Codec::h264 ? 4096 : 8192; }
std::uint32_t qsv_max_height_px(Codec codec) noexcept { return codec == Codec::h264 ? 4096 : 8192; }

bool qsv_can_encode(const QsvProbe& probe, Codec codec, bool ten_bit, std::uint32_t width_px, std::uint32_t height_px,
                    std::uint32_t frame_rate_x100) noexcept {
  if (!probe.usable()) return false;
  const QsvCodecSupport* s = probe.codec(codec);
  if (s == nullptr || !s->encode) return false;
  if (ten_bit && !s->ten_bit) return false;
  if (width_px < 16 || height_px < 16 || width_px > qsv_max_width_px(codec) || height_px > qsv_max_height_px(codec)) {
    return false;
  }
  return frame_rate_x100 > 0 && frame_rate_x100 <= 24000;
}

const QsvProbe& machine_qsv_probe() {
  static const QsvProbe probe = probe_qsv();  // C++11 magic static: initialised once, thread-safe
  return probe;
}

QsvAvailability qsv_availability(Codec codec, bool ten_bit, std::uint32_t width_px, std::uint32_t height_px,
                                 std::uint32_t frame_rate_x100) {
  const QsvProbe& p = machine_qsv_probe();
  if (!p.usable()) return {false, "Quick Sync unavailable: " + p.unavailable};
  if (!qsv_can_encode(p, codec, ten_bit, width_px, height_px, frame_rate_x100)) {
    const QsvCodecSupport* s = p.codec(codec);
    if (s == nullptr || !s->encode) return {false, "this GPU does not encode the codec"};
    if (ten_bit && !s->ten_bit) return {false, "this GPU does not encode the codec in 10-bit"};
    return {false, "size or frame rate outside Quick Sync's limits"};
  }
  return {true, "Quick Sync on " + p.render_node.string() + " (" + p.va_driver + ")"};
}

QsvProbe probe_qsv(const QsvProbeOptions& options) {
  QsvProbe p;
  p.dri_dir = options.dri_dir;

  dlerror();
  if (void* h = ::dlopen(options.runtime_library.c_str(), RTLD_LAZY | RTLD_LOCAL)) {
    p.runtime_loadable = true;
    ::dlclose(h);
  } else {
    const char* why = dlerror();
    p.runtime_detail = why != nullptr ? why : "dlopen failed";
  }
  p.huc = huc_hint(options.enable_guc_param);

  const auto nodes = qsv::render_nodes(options.dri_dir);
  if (nodes.empty()) {
    p.unavailable = "no " + options.dri_dir.string() + " render node";
    return p;
  }
  std::unique_ptr<qsv::VaDevice> device;
  std::string first_error;
  std::string other_driver;
  for (const auto& node : nodes) {
    std::string error;
    auto d = qsv::VaDevice::open(node, error);
    if (!d) {
      if (first_error.empty()) first_error = error;
      continue;
    }
    const std::string driver = va_driver_from_vendor(d->vendor());
    if (driver == "iHD") {
      device = std::move(d);
      break;
    }
    if (other_driver.empty()) {
      other_driver = driver;
      p.render_node = node;
      p.va_vendor = d->vendor();
      p.va_driver = driver;
      p.kernel_driver = kernel_driver_of(options.sysfs_drm, node);
    }
  }
  if (!device) {
    p.unavailable = !other_driver.empty() ? "VA driver is " + other_driver + ", not iHD" : first_error;
    return p;
  }
  p.render_node = device->node();
  p.va_vendor = device->vendor();
  p.va_driver = "iHD";
  p.kernel_driver = kernel_driver_of(options.sysfs_drm, device->node());
  if (!p.runtime_loadable) {
    p.unavailable = "libmfx-gen not loadable: " + p.runtime_detail;
    return p;
  }
  {
    qsv::Loader loader;
    p.implementations = loader.implementations();
  }
  std::string error;
  auto session = qsv::Session::create(device->display(), error);
  if (!session) {
    p.unavailable = "oneVPL: " + error;
    return p;
  }
  if (options.query_codecs) {
    for (Codec c : {Codec::h264, Codec::hevc, Codec::av1}) p.codecs.push_back(qsv::query_codec(session->get(), c));
    bool any = false;
    for (const auto& c : p.codecs) any = any || c.encode;
    if (!any) p.unavailable = "the GPU refused every codec (MFXVideoENCODE_Query)";
  }
  return p;
}

}  // namespace lightwell::encode
