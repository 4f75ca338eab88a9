// `lightwell doctor` checks of devices and services: DRM, the capability, VA-API, oneVPL,
// PipeWire, uinput, Avahi, web credentials (doctor.hpp). Each turns a module's typed probe
// into ok / problem / skipped with the fix.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lightwell/server/doctor.hpp"
#include "lightwell/server/startup_error.hpp"
#include "lightwell/server/web_credentials.hpp"

namespace lightwell::server {
namespace {

CheckResult result(std::string name, CheckStatus status, std::string detail, std::string fix = {}) {
  return CheckResult{std::move(name), status, std::move(detail), std::move(fix)};
}

// The three ways to light a connector without a monitor (docs/packaging.md, kernel docs
// "modedb" for video=, drm.edid_firmware= in kernel-parameters.txt, vkms(4)).
constexpr std::string_view kHeadlessFix =
    "light a connector: plug in a monitor or an HDMI/DP dummy plug; or give a connector a generated EDID and force "
    "it on: sudo lightwell display install --connector HDMI-A-1 --mode 1920x1080@60 (prints the kernel "
    "parameters to add, then reboot); or, in a VM without a display device, the virtual KMS driver: "
    "sudo modprobe vkms plus a mode set on it. docs/display.md explains each";

bool is_intel(const encode::RenderNode& node) { return node.vendor.find("Intel") != std::string::npos; }

bool wants_hardware(const Config& config) {
  return config.video.encoder == EncoderPreference::vaapi || config.video.encoder == EncoderPreference::qsv;
}

}  // namespace

CheckResult check_drm(const capture::CaptureProbe& probe, const std::string& user) {
  const std::string name = "drm";
  if (!probe.dri_present) {
    return result(name, CheckStatus::problem,
                  fmt::format("no {}: no DRM driver is loaded (no GPU, or a VM without a display device), so "
                              "there is nothing to capture with KMS",
                              probe.dri_dir.string()),
                  "give the machine a GPU or a virtual display device (QEMU: -device virtio-vga), or "
                  "load the virtual KMS driver: sudo modprobe vkms");
  }
  if (probe.cards.empty()) {
    return result(name, CheckStatus::problem, fmt::format("{} has no card* node", probe.dri_dir.string()),
                  "load the GPU's kernel driver, or the virtual KMS driver: sudo modprobe vkms");
  }
  std::vector<std::string> lines;
  bool access_problem = false;
  bool lit = false;
  for (const auto& card : probe.cards) {
    if (!card.error.empty()) {
      access_problem = access_problem || card.error.find("ermission") != std::string::npos;
      lines.push_back(fmt::format("{}: {}", card.path.string(), card.error));
      continue;
    }
    std::vector<std::string> lit_names;
    for (const auto& c : card.connectors) {
      if (c.width_px != 0) lit_names.push_back(fmt::format("{} {}x{}", c.name, c.width_px, c.height_px));
    }
    lit = lit || card.crtcs_lit > 0;
    lines.push_back(fmt::format("{} (driver {}): {} of {} CRTCs lit{}{}", card.path.string(),
                                card.driver.empty() ? "?" : card.driver, card.crtcs_lit, card.crtcs_total,
                                lit_names.empty() ? "" : ": ", fmt::join(lit_names, ", ")));
  }
  const std::string detail = fmt::format("{}", fmt::join(lines, "\n"));
  if (access_problem && !lit) {
    return result(name, CheckStatus::problem, detail,
                  fmt::format("sudo usermod -aG video {} (then log in again), or run lightwell in the session "
                              "logged in on the seat (systemd-logind's uaccess tag gives that user the card)",
                              user));
  }
  if (!lit) return result(name, CheckStatus::problem, detail + "\nno CRTC is lit: KMS capture has nothing to read", std::string(kHeadlessFix));
  return result(name, CheckStatus::ok, detail);
}

CheckResult check_capability(const std::optional<CapabilitySets>& process, const FileCaps& file,
                             const std::filesystem::path& binary, bool is_root) {
  const std::string name = "capability";
  const CapMask admin = cap_bit(kCapSysAdmin);
  std::vector<std::string> lines;
  lines.push_back("CAP_SYS_ADMIN is what KMS capture needs for the framebuffer handles of drmModeGetFB2 when "
                  "lightwell is not DRM master (KMS capture itself is not built in this version)");
  bool has = false;
  if (process) {
    const bool permitted = (process->permitted & admin) != 0;
    const bool effective = (process->effective & admin) != 0;
    lines.push_back(fmt::format("this process: cap_sys_admin {}{}", permitted ? "permitted" : "not permitted",
                                effective ? ", effective" : ""));
    has = permitted;
  } else {
    lines.push_back("this process: capabilities unknown (capget failed)");
  }
  if (file.permitted) {
    const bool file_has = (*file.permitted & admin) != 0;
    lines.push_back(fmt::format("{}: {}", binary.string(),
                                file_has ? "file capability cap_sys_admin+p"
                                         : (*file.permitted == 0 ? "no file capability"
                                                                 : "file capability without cap_sys_admin: " +
                                                                       describe_caps(*file.permitted))));
    has = has || file_has;
  } else {
    lines.push_back(fmt::format("{}: file capability unreadable ({})", binary.string(), file.error));
  }
  if (is_root) lines.push_back("running as root: a root server has every capability anyway");
  const std::string detail = fmt::format("{}", fmt::join(lines, "\n"));
  if (has || is_root) return result(name, CheckStatus::ok, detail);
  return result(name, CheckStatus::problem, detail,
                fmt::format("system unit: AmbientCapabilities=CAP_SYS_ADMIN (lightwell-system.service has it); "
                            "user unit: sudo setcap cap_sys_admin+p {} plus the drop-in kms-capture.conf "
                            "(docs/packaging.md \"Capabilities\"). Either way the server drops it after start-up",
                            binary.string()));
}

CheckResult check_vaapi(const encode::EncodeProbe& probe, const Config& config) {
  const std::string name = "va-api";
  if (probe.render_nodes.empty()) {
    const std::string detail = fmt::format("no render node under {}: no hardware encoding; this version encodes "
                                           "with x264 (software) in any case",
                                           probe.dri_dir.string());
    if (wants_hardware(config)) {
      return result(name, CheckStatus::problem, detail,
                    fmt::format("[video] encoder = \"{}\" needs a GPU: add one, or set [video] encoder = \"auto\"",
                                to_string(config.video.encoder)));
    }
    return result(name, CheckStatus::skipped, detail);
  }
  std::vector<std::string> lines;
  std::vector<std::string> fixes;
  bool problem = false;
  for (const auto& node : probe.render_nodes) {
    if (!node.error.empty()) {
      const std::string& d = node.driver;
      lines.push_back(fmt::format("{}{}: {}", node.path.string(), d.empty() ? "" : " (driver " + d + ")", node.error));
      if (node.error.find("ermission") != std::string::npos) {
        problem = true;
        fixes.push_back("sudo usermod -aG render $USER (then log in again)");
      } else if (d == "i915" || d == "xe") {
        problem = true;
        fixes.push_back("install Intel's VA-API driver: sudo apt install intel-media-va-driver-non-free "
                        "(Broadwell and later; in Debian's non-free component)");
      } else if (d == "amdgpu" || d == "radeon") {
        problem = true;
        fixes.push_back("install Mesa's VA-API driver: sudo apt install mesa-va-drivers");
      } else {
        // virtio_gpu, vkms, bochs, …: no VA-API encoder exists for these; not a fault here.
        problem = problem || wants_hardware(config);
        lines.back() += " (no VA-API encoder is known for this driver: x264 is used)";
        if (wants_hardware(config)) fixes.push_back("[video] encoder = \"auto\" (or give the machine an Intel/AMD GPU)");
      }
      continue;
    }
    std::vector<std::string> codecs;
    bool any_lp = false;
    bool any_encode = false;
    for (const auto& c : node.encode) {
      any_lp = any_lp || c.enc_slice_lp;
      any_encode = any_encode || c.enc_slice || c.enc_slice_lp;
      codecs.push_back(fmt::format("{} {}", c.codec,
                                   c.enc_slice_lp ? "low-power" : (c.enc_slice ? "encode (not low-power)" : "no encode")));
    }
    lines.push_back(fmt::format("{}: {}; {}", node.path.string(), node.vendor, fmt::join(codecs, ", ")));
    if (is_intel(node) && !any_lp) {
      // VDEnc (EncSliceLP) bitrate control needs HuC, which i915 loads through GuC only with
      // enable_guc=2 (or 3) on generations where that is not the default.
      problem = true;
      fixes.push_back("Intel low-power encoding needs the HuC firmware: sudo apt install firmware-misc-nonfree, add "
                      "i915.enable_guc=2 to GRUB_CMDLINE_LINUX in /etc/default/grub, sudo update-grub, reboot "
                      "(check: sudo cat /sys/kernel/debug/dri/0/gt/uc/huc_info)");
    } else if (!any_encode) {
      problem = problem || wants_hardware(config);
      lines.back() += " (this driver encodes nothing: x264 is used)";
    }
  }
  return result(name, problem ? CheckStatus::problem : CheckStatus::ok, fmt::format("{}", fmt::join(lines, "\n")),
                fmt::format("{}", fmt::join(fixes, "\n")));
}

CheckResult check_onevpl(const encode::OnevplRuntime& runtime, const Config& config) {
  const std::string name = "onevpl";
  if (runtime.loadable) return result(name, CheckStatus::ok, runtime.library + " loads (Intel oneVPL GPU runtime)");
  const std::string detail = fmt::format("{} does not load: {}", runtime.library, runtime.detail);
  if (config.video.encoder == EncoderPreference::qsv) {
    return result(name, CheckStatus::problem, detail, "sudo apt install libmfx-gen1.2");
  }
  return result(name, CheckStatus::skipped,
                detail + "\nonly Intel GPUs use it ([video] encoder = \"qsv\"); this version does not encode with "
                         "oneVPL yet",
                "for Intel GPUs: sudo apt install libmfx-gen1.2");
}

CheckResult check_pipewire(const audio::AudioProbe& probe, const Config& config) {
  const std::string name = "pipewire";
  if (config.audio.source == AudioSourceKind::test_tone) {
    return result(name, CheckStatus::skipped, "[audio] source = \"test-tone\": PipeWire is not used");
  }
  if (probe.pipewire_reachable) {
    return result(name, CheckStatus::ok, fmt::format("{} accepts connections", probe.pipewire_socket.string()));
  }
  return result(name, CheckStatus::problem,
                probe.pipewire_socket.empty()
                    ? "no PipeWire socket to try: " + probe.pipewire_detail
                    : fmt::format("{} does not accept connections: {}", probe.pipewire_socket.string(),
                                  probe.pipewire_detail),
                "run lightwell in the user session that runs PipeWire (the user unit, systemctl --user enable "
                "--now pipewire pipewire-pulse wireplumber), or set XDG_RUNTIME_DIR / PIPEWIRE_RUNTIME_DIR to "
                "its runtime directory, or [audio] source = \"test-tone\"");
}

CheckResult check_uinput(const input::InputProbe& probe, const Config& config, const std::string& user) {
  const std::string name = "uinput";
  if (!config.input.enabled) return result(name, CheckStatus::skipped, "[input] enabled = false: no input injection");
  if (probe.writable) return result(name, CheckStatus::ok, fmt::format("{} is writable", probe.uinput_path.string()));
  if (!probe.present) {
    return result(name, CheckStatus::problem,
                  fmt::format("no {} ({}): client keyboard, mouse and gamepads cannot be injected",
                              probe.uinput_path.string(), probe.detail),
                  "sudo modprobe uinput (loaded at boot by the package's /usr/lib/modules-load.d/lightwell.conf; "
                  "or: echo uinput | sudo tee /etc/modules-load.d/uinput.conf)");
  }
  return result(name, CheckStatus::problem,
                fmt::format("{} is not writable by {} ({})", probe.uinput_path.string(), user, probe.detail),
                fmt::format("install the package's udev rule /usr/lib/udev/rules.d/60-lightwell-uinput.rules "
                            "(GROUP=\"uinput\", MODE=\"0660\", TAG+=\"uaccess\"), sudo groupadd -f uinput, sudo "
                            "usermod -aG uinput {}, sudo udevadm control --reload && sudo udevadm trigger "
                            "/dev/uinput, then log in again",
                            user));
}

CheckResult check_avahi(const std::filesystem::path& avahi_socket) {
  const std::string name = "avahi";
  const std::string path = avahi_socket.string();
  sockaddr_un addr{};
  std::string error;
  if (path.size() >= sizeof addr.sun_path) {
    error = "path too long";
  } else {
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) error = std::strerror(errno);
    if (fd >= 0) ::close(fd);
  }
  if (error.empty()) return result(name, CheckStatus::ok, fmt::format("avahi-daemon answers on {}", path));
  return result(name, CheckStatus::problem,
                fmt::format("avahi-daemon does not answer on {} ({}): Moonlight will not find the host by itself "
                            "(adding it by IP address still works)",
                            path, error),
                "sudo apt install avahi-daemon && sudo systemctl enable --now avahi-daemon");
}

CheckResult check_web_credentials(const Config& config, const std::filesystem::path& state_dir) {
  const std::string name = "web credentials";
  if (!config.network.web_ui) {
    return result(name, CheckStatus::skipped, "the web page is disabled ([network] web_ui = false)");
  }
  try {
    const std::vector<AdminUser> users = CredentialStore(state_dir).users();
    if (users.empty()) {
      // Not a fault: the page works for pairing only once someone chooses a password, and
      // nobody can claim it from the browser (docs/web.md).
      CheckResult r = result(name, CheckStatus::skipped,
                             fmt::format("no web password set ({} absent): the web page on TCP {} refuses every login",
                                         admin_file(state_dir).string(), config.server.ports().web));
      r.fix = "lightwell admin set-password";
      return r;
    }
    std::vector<std::string> names;
    for (const auto& u : users) names.push_back(u.name);
    return result(name, CheckStatus::ok,
                  fmt::format("web password set for {} in {} (web page on TCP {})", fmt::join(names, ", "),
                              admin_file(state_dir).string(), config.server.ports().web));
  } catch (const StartupError& e) {
    return result(name, CheckStatus::problem, e.what(), e.fix());
  }
}

}  // namespace lightwell::server
