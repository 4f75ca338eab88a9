// Capability sets: read, drop, describe (privileges.hpp; capabilities(7), capget(2), prctl(2)).
#include "lightwell/server/privileges.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace lightwell::server {
namespace {

// Index = capability number (<linux/capability.h>, Linux 5.9: 0 … 40).
constexpr std::array<std::string_view, 41> kCapNames = {
    "cap_chown",           "cap_dac_override",   "cap_dac_read_search", "cap_fowner",
    "cap_fsetid",          "cap_kill",           "cap_setgid",          "cap_setuid",
    "cap_setpcap",         "cap_linux_immutable", "cap_net_bind_service", "cap_net_broadcast",
    "cap_net_admin",       "cap_net_raw",        "cap_ipc_lock",        "cap_ipc_owner",
    "cap_sys_module",      "cap_sys_rawio",      "cap_sys_chroot",      "cap_sys_ptrace",
    "cap_sys_pacct",       "cap_sys_admin",      "cap_sys_boot",        "cap_sys_nice",
    "cap_sys_resource",    "cap_sys_time",       "cap_sys_tty_config",  "cap_mknod",
    "cap_lease",           "cap_audit_write",    "cap_audit_control",   "cap_setfcap",
    "cap_mac_override",    "cap_mac_admin",      "cap_syslog",          "cap_wake_alarm",
    "cap_block_suspend",   "cap_audit_read",     "cap_perfmon",         "cap_bpf",
    "cap_checkpoint_restore"};

int count(CapMask mask) { return __builtin_popcountll(mask); }

// Long lists (root holds all 41) are summarised; short ones are named.
std::string describe_short(CapMask mask) {
  if (count(mask) > 4) return fmt::format("{} capabilities", count(mask));
  return describe_caps(mask);
}

std::uint32_t le32(std::string_view bytes, std::size_t offset) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  }
  return v;
}

}  // namespace

std::string capability_name(int cap) {
  if (cap >= 0 && static_cast<std::size_t>(cap) < kCapNames.size()) return std::string(kCapNames[static_cast<std::size_t>(cap)]);
  return fmt::format("cap_{}", cap);
}

std::string describe_caps(CapMask mask) {
  if (mask == 0) return "none";
  std::string out;
  for (int cap = 0; cap < 64; ++cap) {
    if ((mask & cap_bit(cap)) == 0) continue;
    if (!out.empty()) out += ", ";
    out += capability_name(cap);
  }
  return out;
}

std::optional<CapMask> parse_status_cap(std::string_view status_text, std::string_view key) {
  std::size_t start = 0;
  while (start < status_text.size()) {
    std::size_t end = status_text.find('\n', start);
    if (end == std::string_view::npos) end = status_text.size();
    const std::string_view line = status_text.substr(start, end - start);
    start = end + 1;
    if (line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != ':') continue;
    std::string_view value = line.substr(key.size() + 1);
    while (!value.empty() && (value.front() == '\t' || value.front() == ' ')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\r')) value.remove_suffix(1);
    // proc(5): "CapEff: 000001ffffffffff", always 16 hex digits.
    if (value.size() != 16) return std::nullopt;
    CapMask mask = 0;
    for (char c : value) {
      int digit = 0;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        return std::nullopt;
      }
      mask = (mask << 4) | static_cast<CapMask>(digit);
    }
    return mask;
  }
  return std::nullopt;
}

std::optional<CapMask> parse_file_caps_permitted(std::string_view v) {
  // struct vfs_cap_data: le32 magic_etc (revision in the top byte), then per 32-bit word
  // { le32 permitted, le32 inheritable }: one word for revision 1, two for 2 and 3; revision 3
  // (vfs_ns_cap_data) appends le32 rootid.
  if (v.size() < 4) return std::nullopt;
  const std::uint32_t magic = le32(v, 0);
  const std::uint32_t revision = magic & VFS_CAP_REVISION_MASK;
  std::size_t words = 0;
  std::size_t expected = 0;
  if (revision == VFS_CAP_REVISION_1) {
    words = 1;
    expected = XATTR_CAPS_SZ_1;
  } else if (revision == VFS_CAP_REVISION_2) {
    words = 2;
    expected = XATTR_CAPS_SZ_2;
  } else if (revision == VFS_CAP_REVISION_3) {
    words = 2;
    expected = XATTR_CAPS_SZ_3;
  } else {
    return std::nullopt;
  }
  if (v.size() != expected) return std::nullopt;
  CapMask permitted = 0;
  for (std::size_t i = 0; i < words; ++i) permitted |= static_cast<CapMask>(le32(v, 4 + 8 * i)) << (32 * i);
  return permitted;
}

std::optional<CapabilitySets> current_capabilities() {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;  // this thread
  std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> data{};
  if (::syscall(SYS_capget, &header, data.data()) != 0) return std::nullopt;
  CapabilitySets sets;
  for (std::size_t i = 0; i < data.size(); ++i) {
    sets.effective |= static_cast<CapMask>(data[i].effective) << (32 * i);
    sets.permitted |= static_cast<CapMask>(data[i].permitted) << (32 * i);
    sets.inheritable |= static_cast<CapMask>(data[i].inheritable) << (32 * i);
  }
  // prctl(2) PR_CAP_AMBIENT_IS_SET: 1 set, 0 not set, -1/EINVAL past the kernel's last cap.
  for (int cap = 0; cap < 64; ++cap) {
    const int r = ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, static_cast<unsigned long>(cap), 0UL, 0UL);
    if (r == 1) sets.ambient |= cap_bit(cap);
  }
  return sets;
}

FileCaps file_capabilities(const std::string& path) {
  FileCaps out;
  std::vector<char> buf(64);
  const ssize_t n = ::getxattr(path.c_str(), "security.capability", buf.data(), buf.size());
  if (n < 0) {
    if (errno == ENODATA) {
      out.permitted = 0;  // no file capability
    } else {
      out.error = std::strerror(errno);
    }
    return out;
  }
  out.permitted = parse_file_caps_permitted(std::string_view(buf.data(), static_cast<std::size_t>(n)));
  if (!out.permitted) out.error = "malformed security.capability attribute";
  return out;
}

CapabilityDrop drop_capabilities(CapMask keep, CapMask dormant) {
  CapabilityDrop drop;
  const auto before = current_capabilities();
  if (!before) {
    drop.error = fmt::format("capget: {}", std::strerror(errno));
    return drop;
  }
  drop.before = *before;
  drop.ambient_cleared = before->ambient;
  // Ambient first: launched apps inherit it across execve() (capabilities(7)). Clearing the
  // ambient set needs no privilege.
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0UL, 0UL, 0UL) != 0) {
    drop.error = fmt::format("prctl(PR_CAP_AMBIENT_CLEAR_ALL): {}", std::strerror(errno));
  }
  const CapMask target = (keep | dormant) & before->permitted;
  const CapMask target_effective = keep & before->permitted;
  drop.kept = target;
  drop.missing_keep = (keep | dormant) & ~before->permitted;
  drop.dropped = (before->permitted | before->effective) & ~target;
  if (before->permitted != target || before->effective != target_effective || before->inheritable != 0) {
    __user_cap_header_struct header{};
    header.version = _LINUX_CAPABILITY_VERSION_3;
    header.pid = 0;
    std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> data{};
    for (std::size_t i = 0; i < data.size(); ++i) {
      // `keep` is for use now (binding a low port); `dormant` waits in permitted until
      // set_effective raises it around the one call that needs it (KMS GetFB2).
      data[i].effective = static_cast<std::uint32_t>(target_effective >> (32 * i));
      data[i].permitted = static_cast<std::uint32_t>(target >> (32 * i));
      data[i].inheritable = 0;
    }
    // Lowering every set is always allowed (capset(2)).
    if (::syscall(SYS_capset, &header, data.data()) != 0 && drop.error.empty()) {
      drop.error = fmt::format("capset: {}", std::strerror(errno));
    }
  }
  drop.after = current_capabilities().value_or(CapabilitySets{});
  return drop;
}

bool set_effective(CapMask caps, bool raised) {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;  // this thread
  std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> data{};
  if (::syscall(SYS_capget, &header, data.data()) != 0) return false;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const auto word = static_cast<std::uint32_t>(caps >> (32 * i));
    if (raised) {
      data[i].effective |= word;
    } else {
      data[i].effective &= ~word;
    }
  }
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;
  return ::syscall(SYS_capset, &header, data.data()) == 0;
}

CapMask bind_capabilities_needed(const std::vector<std::uint16_t>& ports, int unprivileged_port_start) {
  for (const std::uint16_t port : ports) {
    if (static_cast<int>(port) < unprivileged_port_start) return cap_bit(kCapNetBindService);
  }
  return 0;
}

int unprivileged_port_start() {
  std::FILE* f = std::fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re");
  if (f == nullptr) return 1024;
  int value = 1024;
  if (std::fscanf(f, "%d", &value) != 1) value = 1024;
  std::fclose(f);
  return value;
}

std::string describe_drop(const CapabilityDrop& drop, std::string_view why) {
  std::string line = "capabilities: ";
  if (drop.dropped == 0 && drop.kept == 0 && drop.ambient_cleared == 0 && drop.before.inheritable == 0) {
    line += "none held, nothing to drop";
  } else {
    if (drop.dropped != 0) {
      line += fmt::format("dropped {} ({})", describe_short(drop.dropped), why);
    } else {
      line += "nothing to drop";
    }
    const CapMask kept_effective = drop.kept & drop.after.effective;
    const CapMask kept_dormant = drop.kept & ~drop.after.effective;
    if (kept_effective != 0) line += fmt::format("; kept {} (permitted and effective)", describe_caps(kept_effective));
    if (kept_dormant != 0) {
      line += fmt::format("; kept {} permitted but not effective (raised only around its one use)",
                          describe_caps(kept_dormant));
    }
    if (drop.ambient_cleared != 0) {
      line += fmt::format("; ambient set cleared (launched apps no longer inherit {})", describe_short(drop.ambient_cleared));
    }
    if (drop.before.inheritable != 0) line += "; inheritable set cleared";
  }
  if (drop.missing_keep != 0) line += fmt::format("; not available to keep: {}", describe_caps(drop.missing_keep));
  if (!drop.error.empty()) line += fmt::format("; FAILED: {}", drop.error);
  return line;
}

}  // namespace lightwell::server
