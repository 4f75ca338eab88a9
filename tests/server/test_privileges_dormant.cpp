// KMS capture's capability handling (privileges.hpp, docs/capture-kms.md "Capabilities"):
// CAP_SYS_ADMIN kept dormant (permitted, not effective) is really unusable until
// set_effective raises it, on the raising thread only (capabilities are per thread, capset(2)),
// and gone for good after a later drop. "Usable" is judged by the kernel, not by reading our
// own sets back: unshare(CLONE_NEWUTS) needs CAP_SYS_ADMIN (unshare(2)).
// Runs in forked children so the test process keeps its own capabilities. Needs root (CI);
// as a normal user the case WARNs and returns.
#include <catch2/catch.hpp>

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "lightwell/server/privileges.hpp"

using namespace lightwell::server;

namespace {

// In a child: a fresh thread (copying this thread's sets) tries unshare(CLONE_NEWUTS).
bool can_unshare_in_new_thread() {
  bool ok = false;
  std::thread t([&] { ok = ::unshare(CLONE_NEWUTS) == 0; });
  t.join();
  return ok;
}

int child_checks() {
  const CapMask admin = cap_bit(kCapSysAdmin);
  const CapabilityDrop d = drop_capabilities(0, admin);
  if (!d.error.empty()) return 10;
  if ((d.after.permitted & admin) == 0) return 11;   // kept permitted
  if ((d.after.effective & admin) != 0) return 12;   // but not effective
  if (d.after.ambient != 0 || d.after.inheritable != 0) return 13;
  if (d.after.permitted != admin) return 14;         // and nothing else
  if (can_unshare_in_new_thread()) return 15;        // dormant: the kernel refuses
  // Raised on another thread: that thread may, this one still may not (per-thread sets).
  bool other_ok = false, other_raised = false;
  std::thread t([&] {
    other_raised = set_effective(admin, true);
    other_ok = ::unshare(CLONE_NEWUTS) == 0;
    (void)set_effective(admin, false);
  });
  t.join();
  if (!other_raised || !other_ok) return 16;
  const auto mine = current_capabilities();
  if (!mine || (mine->effective & admin) != 0) return 17;
  if (!set_effective(admin, true)) return 18;
  if (::unshare(CLONE_NEWUTS) != 0) return 19;
  if (!set_effective(admin, false)) return 20;
  const auto lowered = current_capabilities();
  if (!lowered || (lowered->effective & admin) != 0 || (lowered->permitted & admin) == 0) return 21;
  // KMS not used after all: the drop takes it out of permitted, and no raise brings it back.
  const CapabilityDrop gone = drop_capabilities(0);
  if ((gone.after.permitted & admin) != 0) return 22;
  if (set_effective(admin, true)) return 23;  // capset(2): EPERM for a capability not permitted
  if (can_unshare_in_new_thread()) return 24;
  if (describe_drop(d, "x").find("kept cap_sys_admin permitted but not effective (raised only around its one use)") ==
      std::string::npos) {
    return 25;
  }
  return 0;
}

}  // namespace

TEST_CASE("capabilities: CAP_SYS_ADMIN dormant for KMS is usable only while raised, per thread", "[caps]") {
  if (::geteuid() != 0) {
    WARN("SKIPPED: needs root (CAP_SYS_ADMIN to keep); CI runs the tests as root");
    return;
  }
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(child_checks());
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  // 0 = every step held; otherwise the number of the failing step in child_checks().
  CHECK(WEXITSTATUS(status) == 0);
}
