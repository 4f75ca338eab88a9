#!/usr/bin/env bash
# The branches of packaging/debian/{postinst,prerm,postrm} that this CI machine never takes
# through dpkg (no systemd as PID 1, no udev; test-deb.sh covers the "not running" path):
# each script runs with stub commands that log their arguments, in a private mount namespace
# whose /run is a tmpfs holding /run/systemd/system (sd_booted(3)) and a listening
# /run/udev/control socket, so the scripts see a running systemd and udev while the host's
# /run stays untouched. The purge and DPKG_ROOT paths run on a temporary root.
# Needs root (unshare --mount; mount) and perl-base for the UNIX socket.
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
scripts="$repo/packaging/debian"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok:   $*"; }

[[ $(id -u) -eq 0 ]] || { echo "FAIL: test-maintainer-scripts.sh needs root (unshare --mount)" >&2; exit 1; }

work=$(mktemp -d /tmp/lightwell-maint.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
# Every command the scripts may run on the system. STUB_FAIL=1: all of them fail.
for cmd in systemctl deb-systemd-invoke udevadm modprobe systemd-sysusers; do
  cat >"$work/bin/$cmd" <<EOF
#!/bin/sh
echo "$cmd \$*" >>"\$STUB_LOG"
if [ "$cmd" = systemctl ] && [ "\${1:-}" = --no-legend ]; then
  echo "user@1000.service loaded active running User Manager for UID 1000"
fi
[ "\${STUB_FAIL:-0}" = 1 ] && exit 1
exit 0
EOF
  chmod 755 "$work/bin/$cmd"
done

# run_booted LOG SCRIPT ARGS...: the script as dpkg runs it, with systemd and udev "running".
run_booted() {
  local log=$1; shift
  : >"$log"
  unshare --mount --propagation private sh -c '
    mount -t tmpfs tmpfs /run || exit 90
    mkdir -p /run/systemd/system /run/udev
    perl -MIO::Socket::UNIX -MSocket -e "IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => q{/run/udev/control}, Listen => 1) or exit 1" || exit 91
    [ -S /run/udev/control ] || exit 92
    exec "$@"' sh env PATH="$work/bin:$PATH" STUB_LOG="$log" "$@" >"$log.out" 2>&1
}
# expect LOG NAME LINES...: the stub log is exactly these lines, in this order.
expect() {
  local log=$1 name=$2; shift 2
  local want
  want=$(printf '%s\n' "$@")
  if [[ $(cat "$log") == "$want" ]]; then
    pass "$name"
  else
    fail "$name"; diff <(echo "$want") "$log" | sed 's/^/  /' >&2; sed 's/^/  output: /' "$log.out" >&2
  fi
}

# modprobe runs only when the uinput driver is not registered; /sys is the host's.
modprobe_line=(); [[ -e /sys/class/misc/uinput ]] || modprobe_line=("modprobe uinput")
user_reload="systemctl --quiet --user --machine 1000@ daemon-reload"

# postinst, first installation: users and groups, module, udev, reloads; nothing enabled or
# started anywhere (no enable, start, restart in the log).
run_booted "$work/install.log" sh "$scripts/postinst" configure "" || fail "postinst configure: exit $?"
expect "$work/install.log" "postinst configure (first install, systemd and udev running)" \
  "systemd-sysusers lightwell.conf" "${modprobe_line[@]}" \
  "udevadm control --reload" "udevadm trigger --subsystem-match=misc --sysname-match=uinput" "udevadm settle --timeout=10" \
  "systemctl daemon-reload" "systemctl --no-legend --quiet list-units user@*.service" "$user_reload"
grep -q 'no service enabled' "$work/install.log.out" || fail "postinst: no hint about enabling a unit"

# postinst, upgrade from 0.0.9: the same, plus try-restart of what runs.
run_booted "$work/upgrade.log" sh "$scripts/postinst" configure 0.0.9 || fail "postinst upgrade: exit $?"
expect "$work/upgrade.log" "postinst configure 0.0.9 (upgrade): try-restart of the system and users' units" \
  "systemd-sysusers lightwell.conf" "${modprobe_line[@]}" \
  "udevadm control --reload" "udevadm trigger --subsystem-match=misc --sysname-match=uinput" "udevadm settle --timeout=10" \
  "systemctl daemon-reload" "deb-systemd-invoke try-restart lightwell-system.service" \
  "systemctl --no-legend --quiet list-units user@*.service" "$user_reload" \
  "systemctl --quiet --user --machine 1000@ try-restart lightwell.service"
grep -q 'no service enabled' "$work/upgrade.log.out" && fail "postinst upgrade repeats the first-install hint"

# Every systemd/udev/modprobe call failing must not fail the installation (sysusers aside).
# shellcheck disable=SC2016  # $* and $STUB_LOG belong to the stub
printf '#!/bin/sh\necho "systemd-sysusers $*" >>"$STUB_LOG"\n' >"$work/bin/sysusers-ok"
chmod 755 "$work/bin/sysusers-ok"
cp "$work/bin/systemd-sysusers" "$work/bin/systemd-sysusers.failing"
cp "$work/bin/sysusers-ok" "$work/bin/systemd-sysusers"
if run_booted "$work/failing.log" env STUB_FAIL=1 sh "$scripts/postinst" configure 0.0.9; then
  pass "postinst exits 0 when systemctl, udevadm and modprobe all fail"
else
  fail "postinst fails the installation when systemctl/udevadm/modprobe fail"; sed 's/^/  /' "$work/failing.log.out" >&2
fi
cp "$work/bin/systemd-sysusers.failing" "$work/bin/systemd-sysusers"
# ... but a failing systemd-sysusers does fail it: without the user the system unit cannot run.
if run_booted "$work/nouser.log" env STUB_FAIL=1 sh "$scripts/postinst" configure ""; then
  fail "postinst succeeds although systemd-sysusers failed"
else
  pass "postinst fails when systemd-sysusers fails"
fi

# prerm: stops the system unit and the users' units on remove, nothing on upgrade.
run_booted "$work/prerm.log" sh "$scripts/prerm" remove || fail "prerm remove: exit $?"
expect "$work/prerm.log" "prerm remove: stops lightwell-system.service and the users' lightwell.service" \
  "deb-systemd-invoke stop lightwell-system.service" "deb-systemd-invoke --user stop lightwell.service"
run_booted "$work/prerm-up.log" sh "$scripts/prerm" upgrade 0.2.0 || fail "prerm upgrade: exit $?"
expect "$work/prerm-up.log" "prerm upgrade: stops nothing"

# postrm remove: reloads only.
run_booted "$work/postrm.log" sh "$scripts/postrm" remove || fail "postrm remove: exit $?"
expect "$work/postrm.log" "postrm remove: systemd (system and user managers) and udev reload" \
  "systemctl daemon-reload" "systemctl --no-legend --quiet list-units user@*.service" "$user_reload" \
  "udevadm control --reload"

# postrm purge and postinst under DPKG_ROOT, on a temporary root: state, left-over conffile
# copies and our enablement links go; another package's link and the root's /etc stay; no
# systemctl/udevadm call reaches the host.
root="$work/root"
mkdir -p "$root/var/lib/lightwell" "$root/etc/lightwell" "$root/etc/systemd/system/multi-user.target.wants" \
         "$root/etc/systemd/user/graphical-session.target.wants"
echo '{}' >"$root/var/lib/lightwell/clients.json"
touch "$root/etc/lightwell/lightwell.toml.dpkg-old"
ln -s /usr/lib/systemd/system/lightwell-system.service "$root/etc/systemd/system/multi-user.target.wants/lightwell-system.service"
ln -s /usr/lib/systemd/user/lightwell.service "$root/etc/systemd/user/graphical-session.target.wants/lightwell.service"
ln -s /usr/lib/systemd/system/other.service "$root/etc/systemd/system/multi-user.target.wants/other.service"
: >"$work/purge.log"
if DPKG_ROOT="$root" PATH="$work/bin:$PATH" STUB_LOG="$work/purge.log" sh "$scripts/postrm" purge >"$work/purge.log.out" 2>&1; then
  left=$(cd "$root" && find . -path ./etc/systemd -prune -o -print | sort | tr '\n' ' ')
  links=$(cd "$root/etc/systemd" && find . -type l | tr '\n' ' ')
  if [[ $left == ". ./etc ./var ./var/lib " && $links == "./system/multi-user.target.wants/other.service " \
        && ! -s $work/purge.log ]]; then
    pass "postrm purge (DPKG_ROOT): state, /etc/lightwell and our links removed; other links kept; no host calls"
  else
    fail "postrm purge left: '$left', links: '$links', calls: $(cat "$work/purge.log")"
  fi
  grep -q 'kept the system user lightwell' "$work/purge.log.out" || fail "postrm purge: no note about the kept user"
else
  fail "postrm purge (DPKG_ROOT) failed"; sed 's/^/  /' "$work/purge.log.out" >&2
fi
: >"$work/root.log"
DPKG_ROOT="$root" PATH="$work/bin:$PATH" STUB_LOG="$work/root.log" sh "$scripts/postinst" configure "" >/dev/null 2>&1 \
  || fail "postinst (DPKG_ROOT): exit $?"
expect "$work/root.log" "postinst (DPKG_ROOT): only systemd-sysusers --root" "systemd-sysusers --root=$root lightwell.conf"
: >"$work/root.log.out"

if [[ $failures -ne 0 ]]; then
  echo "test-maintainer-scripts: $failures problem(s)" >&2
  exit 1
fi
echo "test-maintainer-scripts: all branches behave"
