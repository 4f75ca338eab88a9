// Linux capabilities of the server process (capabilities(7)): reading the four sets, dropping
// what the server does not use at start-up, before its first thread, and the pure helpers
// `lightwell doctor` and the tests share (cap names, /proc status lines, file capability xattr).
//
// Why a drop at all: the system unit grants CAP_SYS_ADMIN through AmbientCapabilities= (and
// the user unit's opt-in through a file capability) for KMS capture, which needs it for the
// framebuffer handles drmModeGetFB2 returns when the caller is not DRM master. An ambient
// capability survives execve() of an unprivileged program, so without the drop EVERY app the
// server launches would run with CAP_SYS_ADMIN (capabilities(7), "Ambient capability set").
//
// Raw capget/capset/prctl rather than libcap: three syscalls with a fixed, documented layout
// (<linux/capability.h>, _LINUX_CAPABILITY_VERSION_3) do not justify a new library dependency.
//
// Thread rules: drop_capabilities() changes the calling THREAD's sets (capset acts per thread
// on Linux); call it from the main thread before starting threads that must not keep
// capabilities, or accept that threads started earlier keep theirs. The other functions are
// plain and callable from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lightwell::server {

// Bit n = capability number n (CAP_CHOWN = 0 … CAP_CHECKPOINT_RESTORE = 40).
using CapMask = std::uint64_t;

inline constexpr int kCapNetBindService = 10;  // CAP_NET_BIND_SERVICE, <linux/capability.h>
inline constexpr int kCapSysAdmin = 21;        // CAP_SYS_ADMIN
inline constexpr CapMask cap_bit(int cap) noexcept { return CapMask{1} << cap; }

struct CapabilitySets {
  CapMask effective = 0;
  CapMask permitted = 0;
  CapMask inheritable = 0;
  CapMask ambient = 0;
};

// "cap_sys_admin" for 21 (the lower-case names getcap/capsh print); "cap_<n>" for a number
// this table does not know (a newer kernel).
std::string capability_name(int cap);
// "cap_net_admin, cap_sys_admin"; "none" for 0.
std::string describe_caps(CapMask mask);

// The hex value of `key` ("CapEff", "CapPrm", "CapInh", "CapAmb", "CapBnd") in the text of a
// /proc/<pid>/status file (proc(5)); nullopt when the line is missing or not 16 hex digits.
std::optional<CapMask> parse_status_cap(std::string_view status_text, std::string_view key);

// The permitted set of a `security.capability` extended attribute value (struct
// vfs_cap_data / vfs_ns_cap_data, revisions 1 to 3, little-endian; capabilities(7) "File
// capabilities"); nullopt when the value is malformed.
std::optional<CapMask> parse_file_caps_permitted(std::string_view xattr_value);

// This thread's sets (capget, and /proc/thread-self/status for the ambient set). nullopt
// when the kernel refuses (it does not on Linux >= 4.3).
std::optional<CapabilitySets> current_capabilities();

// The permitted set of the file capability on `path` (getxattr "security.capability"):
// 0 when the file has none, nullopt (with why) when it cannot be read.
struct FileCaps {
  std::optional<CapMask> permitted;
  std::string error;
};
FileCaps file_capabilities(const std::string& path);

struct CapabilityDrop {
  CapabilitySets before;
  CapabilitySets after;
  CapMask dropped = 0;          // left effective/permitted
  CapMask kept = 0;             // stayed permitted because `keep` named them
  CapMask missing_keep = 0;     // named in `keep` but not permitted to begin with
  CapMask ambient_cleared = 0;  // were ambient (inherited by launched apps) before
  std::string error;            // non-empty when a syscall failed (the sets may be partly dropped)
};

// Clears the ambient set (PR_CAP_AMBIENT_CLEAR_ALL) and the inheritable set, and leaves
// effective and permitted = keep ∩ permitted. Needs no privilege (lowering sets is always
// allowed) and does nothing harmful when there is nothing to drop. As uid 0 the process keeps
// running without capabilities, but programs it executes regain the full set at execve()
// (capabilities(7), "Capabilities and execution of programs by root"): dropping only ever
// narrows a non-root service; a root one stays root.
//
// `dormant` (KMS capture, docs/capture-kms.md "Capabilities"): capabilities kept in the
// PERMITTED set only, not effective, so the thread (and the threads it starts later, which
// copy its sets) holds nothing usable until one raises it around the call that needs it
// (set_effective below). `kept` lists keep and dormant together.
CapabilityDrop drop_capabilities(CapMask keep, CapMask dormant = 0);

// Raises (true) or lowers (false) `caps` in the CALLING THREAD's effective set, leaving the
// permitted set as it is. Raising only works for permitted capabilities (capset(2)); false
// when the kernel refuses (the caller then goes on without: e.g. GetFB2 gives no handle and
// capture reports why). Lowering never fails in practice.
bool set_effective(CapMask caps, bool raised);

// CAP_NET_BIND_SERVICE when a port is below unprivileged_port_start (a root server on a low
// base port binds those only with it), else 0. serve drops everything else before its first
// thread starts, keeps this one until the listeners are bound, then drops it too.
CapMask bind_capabilities_needed(const std::vector<std::uint16_t>& ports, int unprivileged_port_start);
// /proc/sys/net/ipv4/ip_unprivileged_port_start (ip-sysctl docs); 1024 when unreadable.
int unprivileged_port_start();

// One log line for `drop`, with `why` after what was dropped, e.g. "capabilities: dropped
// cap_sys_admin (nothing uses it yet: KMS capture is not built); ambient set cleared (launched
// apps no longer inherit cap_sys_admin)".
std::string describe_drop(const CapabilityDrop& drop, std::string_view why);

}  // namespace lightwell::server
