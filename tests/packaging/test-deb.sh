#!/usr/bin/env bash
# Builds the Debian package from a build tree, inspects it, installs it on THIS machine,
# checks the installed server, units, user, udev rule and config, runs `lightwell serve` from
# the installed files on loopback, then purges it (docs/packaging.md "Debian package").
#
# Usage: tests/packaging/test-deb.sh BUILD_DIR VERSION
#   BUILD_DIR: a configured build tree whose `lightwell` target is built (CPackConfig.cmake);
#   VERSION:   the CMake project version the package and `lightwell version` must carry.
# Needs root (dpkg -i), dpkg-dev (dpkg-shlibdeps, used by cpack) and systemd-analyze. Runs
# without a running systemd or udev (the maintainer scripts then skip those steps).
# The package is built in a temporary directory (cpack -B), so the build tree's own
# lightwell_<version>_<arch>.deb is not touched. A trap purges the package, stops the
# server and removes the user and groups the test created, whatever happens.
set -uo pipefail

build=${1:?usage: test-deb.sh BUILD_DIR VERSION}
version=${2:?usage: test-deb.sh BUILD_DIR VERSION}
repo=$(cd "$(dirname "$0")/../.." && pwd)
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok:   $*"; }
die() { echo "FAIL: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "test-deb.sh installs a package with dpkg -i and must run as root (CI runs it as root); not running it as $(id -un)"
for tool in cpack dpkg dpkg-deb dpkg-shlibdeps systemd-analyze readelf; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install cmake dpkg-dev systemd binutils)"
done
[[ -f $build/CPackConfig.cmake ]] || die "$build/CPackConfig.cmake missing: configure the build first"
[[ -x $build/server/lightwell ]] || die "$build/server/lightwell missing: build the lightwell target first"

# One installation at a time on this machine, also across build trees and worktrees.
exec 9>/run/lock/lightwell-test-deb.lock
flock -w 600 9 || die "another test-deb.sh holds /run/lock/lightwell-test-deb.lock"

# Never replace a lightwell that someone installed: fail and say so.
status=$(dpkg-query -W -f='${db:Status-Status} ${Version}' lightwell 2>/dev/null || true)
if [[ -n $status && $status != not-installed* ]]; then
  die "a lightwell package is already installed here ($status); this test installs and purges its own, so remove that one first (dpkg --purge lightwell)"
fi
# /var/lib/lightwell too: a purge deletes it, and it may hold a root server's identity.
for path in /usr/bin/lightwell /etc/lightwell /usr/share/doc/lightwell /var/lib/lightwell; do
  [[ -e $path ]] && die "$path exists but belongs to no lightwell package; this test will not overwrite or purge it"
done

arch=$(dpkg --print-architecture)
deb_name="lightwell_${version}_${arch}.deb"
work=$(mktemp -d /tmp/lightwell-test-deb.XXXXXX)
installed=0
made_links_and_state=0   # the test enabled the units and made /var/lib/lightwell (step 6)
wants_dirs=(/etc/systemd/system/multi-user.target.wants /etc/systemd/user/graphical-session.target.wants)
new_wants_dirs=()        # those that `systemctl enable` will create: removed again if empty
for d in "${wants_dirs[@]}"; do [[ -d $d ]] || new_wants_dirs+=("$d"); done
server_pid=""
created_accounts=()   # "user NAME" / "group NAME" that did not exist before the install
for g in uinput video render; do getent group "$g" >/dev/null || created_accounts+=("group $g"); done
getent passwd lightwell >/dev/null || created_accounts=("user lightwell" "${created_accounts[@]}")

cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null
  fi
  if [[ $installed -eq 1 ]]; then
    echo "cleanup: dpkg --purge lightwell" >&2
    dpkg --purge lightwell >/dev/null 2>&1 || echo "cleanup: dpkg --purge lightwell FAILED: remove it by hand" >&2
  fi
  # What a purge should have removed, in case it failed or did not get that far. Safe: the
  # test refused to start when /var/lib/lightwell existed, and no lightwell unit was enabled.
  if [[ $made_links_and_state -eq 1 ]]; then
    find /etc/systemd/system /etc/systemd/user -name 'lightwell*.service' -type l -delete 2>/dev/null
    rm -rf /var/lib/lightwell
    local d
    for d in "${new_wants_dirs[@]}"; do rmdir "$d" 2>/dev/null; done
  fi
  # The package keeps its system user on purge (Debian practice); the test leaves the machine
  # as it found it, so a later run checks a fresh creation again.
  local entry
  for entry in "${created_accounts[@]}"; do
    case $entry in
      user\ *) getent passwd "${entry#user }" >/dev/null && userdel "${entry#user }" 2>/dev/null ;;
      group\ *) getent group "${entry#group }" >/dev/null && groupdel "${entry#group }" 2>/dev/null ;;
    esac
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- 1. build the package ---------------------------------------------------------------
if ! out=$(cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/pkg" 2>&1); then
  printf '%s\n' "$out" >&2
  die "cpack -G DEB failed"
fi
deb="$work/pkg/$deb_name"
[[ -f $deb ]] || { printf '%s\n' "$out" >&2; die "cpack did not write $deb_name"; }
pass "cpack -G DEB wrote $deb_name ($(stat -c %s "$deb") bytes)"

# ---- 2. control fields --------------------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == lightwell ]] || fail "Package: $(field Package)"
[[ $(field Version) == "$version" ]] || fail "Version: $(field Version), expected $version"
[[ $(field Architecture) == "$arch" ]] || fail "Architecture: $(field Architecture), expected $arch"
[[ $(field Section) == video ]] || fail "Section: $(field Section)"
[[ -n $(field Maintainer) ]] || fail "no Maintainer"
depends=$(field Depends)
recommends=$(field Recommends)
# Every shared library the binary needs must come from a package named in Depends: ask dpkg
# which package owns each NEEDED library as the dynamic loader resolves it here.
dep_names=" $(printf '%s' "$depends" | tr ',|' '\n' | sed 's/(.*)//; s/^ *//; s/ *$//' | tr '\n' ' ') "
missing_libs=0
while read -r soname; do
  path=$(ldd "$build/server/lightwell" | awk -v s="$soname" '$1 == s { print $3 }')
  [[ -n $path ]] || { fail "ldd cannot resolve $soname"; missing_libs=1; continue; }
  owner=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1)
  [[ -n $owner ]] || owner=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1)
  if [[ -z $owner ]]; then
    fail "$soname ($path) belongs to no package"; missing_libs=1
  else
    # The shlibs file may name a virtual package the owner provides (libspdlog1.10 provides
    # libspdlog1.10-fmt9 on Debian 12): the owner or one of its Provides must be named.
    found=0
    for name in "$owner" $(dpkg-query -W -f='${Provides}' "$owner" 2>/dev/null | sed 's/([^)]*)//g; s/,/ /g'); do
      [[ $dep_names == *" ${name%%:*} "* ]] && found=1
    done
    [[ $found -eq 1 ]] || { fail "Depends names neither $owner (owns $soname) nor a package it provides"; missing_libs=1; }
  fi
done < <(readelf -d "$build/server/lightwell" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[[ $missing_libs -eq 0 ]] && pass "Depends covers every NEEDED library: $depends"
for want in libc6 libssl3 libopus0 'systemd | systemd-sysusers'; do
  [[ $depends == *"$want"* ]] || fail "Depends lacks $want"
done
for want in avahi-daemon pipewire wireplumber; do
  [[ $recommends == *"$want"* ]] || fail "Recommends lacks $want"
done
suggests=$(field Suggests)
for want in intel-media-va-driver libmfx-gen1.2 libcap2-bin; do
  [[ $suggests == *"$want"* ]] || fail "Suggests lacks $want"
done
[[ $failures -eq 0 ]] && pass "control: lightwell $version $arch, section video, Recommends: $recommends; Suggests: $suggests"

mkdir -p "$work/control"
dpkg-deb -e "$deb" "$work/control"
if [[ $(cat "$work/control/conffiles") == /etc/lightwell/lightwell.toml ]]; then
  pass "conffiles: /etc/lightwell/lightwell.toml"
else
  fail "conffiles: $(tr '\n' ' ' <"$work/control/conffiles")"
fi
for script in postinst prerm postrm; do
  if [[ $(stat -c %a "$work/control/$script" 2>/dev/null) != 755 ]]; then
    fail "control archive: $script missing or not 0755"
  elif ! cmp -s "$work/control/$script" "$repo/packaging/debian/$script"; then
    fail "control archive: $script differs from packaging/debian/$script"
  elif ! sh -n "$work/control/$script"; then
    fail "$script: sh -n"
  fi
done

# ---- 3. contents --------------------------------------------------------------------------
# installed path -> source file it must equal (the binary is compared after stripping).
declare -A files=(
  [/usr/lib/systemd/system/lightwell-system.service]=packaging/systemd/lightwell-system.service
  [/usr/lib/systemd/user/lightwell.service]=packaging/systemd/lightwell.service
  [/usr/lib/sysusers.d/lightwell.conf]=packaging/sysusers.d/lightwell.conf
  [/usr/lib/udev/rules.d/60-lightwell-uinput.rules]=packaging/udev/60-lightwell-uinput.rules
  [/usr/lib/modules-load.d/lightwell.conf]=packaging/modules-load.d/lightwell.conf
  [/etc/lightwell/lightwell.toml]=packaging/lightwell.example.toml
  [/usr/share/doc/lightwell/examples/kms-capture.conf]=packaging/systemd/lightwell.service.d/kms-capture.conf
  [/usr/share/doc/lightwell/examples/lightwell.example.toml]=packaging/lightwell.example.toml
  [/usr/share/doc/lightwell/README.md]=README.md
  [/usr/share/doc/lightwell/packaging.md]=docs/packaging.md
)
contents=$(dpkg-deb --contents "$deb")
# Regular files (type '-'), as "mode owner path".
listed=$(awk '$1 ~ /^-/ { sub(/^\./, "", $6); print $1, $2, $6 }' <<<"$contents")
grep -q '^-rwxr-xr-x root/root /usr/bin/lightwell$' <<<"$listed" || fail "contents: /usr/bin/lightwell 0755 root/root"
for path in "${!files[@]}"; do
  grep -q "^-rw-r--r-- root/root $path\$" <<<"$listed" || fail "contents: $path 0644 root/root"
done
# Nothing else but further docs/*.md in the doc directory (no tests, benches, libraries).
while read -r _ _ path; do
  [[ $path == /usr/bin/lightwell || -n ${files[$path]:-} ]] && continue
  if [[ $path =~ ^/usr/share/doc/lightwell/([a-z0-9-]+\.md)$ && -f $repo/docs/${BASH_REMATCH[1]} ]]; then
    files[$path]=docs/${BASH_REMATCH[1]}
  else
    fail "contents: unexpected file $path"
  fi
done <<<"$listed"
if awk '$1 !~ /^[-d]/' <<<"$contents" | grep -q .; then fail "contents: links or special files: $(awk '$1 !~ /^[-d]/' <<<"$contents")"; fi
mkdir -p "$work/extract"
dpkg-deb -x "$deb" "$work/extract"
for path in "${!files[@]}"; do
  cmp -s "$work/extract$path" "$repo/${files[$path]}" || fail "contents: $path differs from ${files[$path]}"
done
if readelf -S "$work/extract/usr/bin/lightwell" | grep -q '\.debug_info'; then
  fail "/usr/bin/lightwell in the package still has debug info (CPACK_STRIP_FILES)"
fi
[[ $failures -eq 0 ]] && pass "contents: $(wc -l <<<"$listed") files, exactly the expected set, equal to their sources, binary stripped"

# Optional: lintian's view, for information (not a dependency; the package is not meant for
# the Debian archive, so e.g. the missing copyright and changelog files are known).
if command -v lintian >/dev/null; then
  echo "info: lintian says:"; lintian --no-tag-display-limit "$deb" 2>&1 | sed 's/^/  /'
fi

# ---- 4. install ---------------------------------------------------------------------------
installed=1   # from here on the trap purges, even if dpkg -i fails half-way
if ! out=$(dpkg -i "$deb" 2>&1); then
  printf '%s\n' "$out" >&2
  die "dpkg -i failed"
fi
printf '%s\n' "$out" | sed 's/^/  dpkg: /'
[[ $(dpkg-query -W -f='${db:Status-Status}' lightwell) == installed ]] || fail "dpkg does not list lightwell as installed"
# Without a running systemd/udev the scripts must say they skipped, not fail.
if [[ ! -d /run/systemd/system ]]; then
  grep -q 'systemd is not the running init' <<<"$out" || fail "postinst: no message about skipping systemctl daemon-reload"
fi
if [[ ! -S /run/udev/control ]]; then
  grep -q 'udev is not running' <<<"$out" || fail "postinst: no message about skipping udevadm"
fi
grep -q 'no service enabled' <<<"$out" || fail "postinst: no hint about enabling a unit"

got=$(/usr/bin/lightwell version 2>&1)
[[ $got == "lightwell $version" ]] && pass "/usr/bin/lightwell version: $got" || fail "/usr/bin/lightwell version: '$got', expected 'lightwell $version'"

# The installed units, where ExecStart's /usr/bin/lightwell now exists. No system manager
# runs here: verify loads the files itself; a user-mode verify needs only a runtime dir.
# verify exits 0 after merely logging unknown keys, so any output is a failure.
mkdir -m 700 "$work/runtime"
out=$(systemd-analyze verify --man=no /usr/lib/systemd/system/lightwell-system.service 2>&1); rc=$?
[[ $rc -eq 0 && -z $out ]] && pass "systemd-analyze verify /usr/lib/systemd/system/lightwell-system.service" \
  || { fail "systemd-analyze verify (system unit) rc=$rc"; printf '%s\n' "$out" >&2; }
out=$(XDG_RUNTIME_DIR="$work/runtime" systemd-analyze --user verify --man=no /usr/lib/systemd/user/lightwell.service 2>&1); rc=$?
[[ $rc -eq 0 && -z $out ]] && pass "systemd-analyze --user verify /usr/lib/systemd/user/lightwell.service" \
  || { fail "systemd-analyze --user verify (user unit) rc=$rc"; printf '%s\n' "$out" >&2; }
# Nothing enabled: no enablement link anywhere under /etc/systemd.
if find /etc/systemd -name 'lightwell*.service' 2>/dev/null | grep -q .; then
  fail "a lightwell unit was enabled by the installation: $(find /etc/systemd -name 'lightwell*.service')"
else
  pass "no unit enabled by the installation"
fi

# User and groups from sysusers.d (postinst ran systemd-sysusers).
pw=$(getent passwd lightwell)
if [[ $pw =~ ^lightwell:x:[0-9]+:[0-9]+:[^:]*:/var/lib/lightwell:(/usr/sbin/nologin|/sbin/nologin|/bin/false)$ ]]; then
  pass "user lightwell: $pw"
else
  fail "user lightwell: '$pw'"
fi
groups=" $(id -nG lightwell 2>/dev/null) "
for g in uinput video render; do
  [[ $groups == *" $g "* ]] || fail "user lightwell is not in group $g (groups:$groups)"
done
[[ $groups == *" uinput "* ]] && pass "group uinput exists with member lightwell"
[[ -f /usr/lib/udev/rules.d/60-lightwell-uinput.rules ]] && [[ -f /usr/lib/modules-load.d/lightwell.conf ]] \
  && pass "udev rule and modules-load.d entry installed" || fail "udev rule or modules-load.d entry missing"
[[ -e /var/lib/lightwell ]] && fail "the installation created /var/lib/lightwell (systemd's StateDirectory= does that)"

# ---- 5. serve from the installed files ---------------------------------------------------
# As root the server reads /etc/lightwell/lightwell.toml. First with that file unchanged:
# `clients list` loads the configuration and would exit 1 on any invalid key (docs/cli.md).
mkdir -m 700 "$work/state-check"
if out=$(/usr/bin/lightwell --state-dir "$work/state-check" clients list 2>&1); then
  pass "the installed /etc/lightwell/lightwell.toml loads unchanged (lightwell clients list)"
else
  fail "lightwell clients list with the installed config: $out"
fi
# GET http://127.0.0.1:PORT/PATH, body on stdout: curl, or bash's /dev/tcp where curl is
# missing (the server answers one request per connection and closes it).
http_get() {
  if command -v curl >/dev/null; then
    curl -s --max-time 10 "http://127.0.0.1:$1$2"
  else
    exec 8<>"/dev/tcp/127.0.0.1/$1" || return 1
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&8
    timeout 10 cat <&8; local rc=$?
    exec 8<&-
    return $rc
  fi
}
# Then serve it. Tests stay on loopback and off fixed ports, so serve a copy in which only
# base_port and bind_addresses differ (checked: exactly two lines change). It runs as the
# system unit's identity: user lightwell with its sysusers.d groups (setpriv, util-linux),
# and a state directory it owns, as StateDirectory= would give it.
chmod 711 "$work"
serve_once() {
  local base=$1 cfg="$work/serve.toml" state="$work/state-$1" log="$work/serve-$1.log"
  sed -e "s/^base_port = 47989\$/base_port = $base/" -e 's/^bind_addresses = \[\]$/bind_addresses = ["127.0.0.1"]/' \
    /etc/lightwell/lightwell.toml >"$cfg"
  [[ $(diff /etc/lightwell/lightwell.toml "$cfg" | grep -c '^>') -eq 2 ]] || { fail "could not set base_port/bind_addresses in a copy of the installed config"; return 2; }
  chmod 644 "$cfg"
  install -d -m 700 -o lightwell -g lightwell "$state"
  setpriv --reuid=lightwell --regid=lightwell --init-groups \
    /usr/bin/lightwell --config "$cfg" --state-dir "$state" serve >"$log" 2>&1 &
  server_pid=$!
  local i reply=""
  for ((i = 0; i < 120; i++)); do   # up to 60 s on a loaded machine
    kill -0 "$server_pid" 2>/dev/null || break
    if reply=$(http_get "$base" /serverinfo 2>/dev/null) && [[ -n $reply ]]; then break; fi
    sleep 0.5
  done
  if ! kill -0 "$server_pid" 2>/dev/null; then
    wait "$server_pid"; server_pid=""
    grep -qi 'address already in use' "$log" && return 3   # try another base port
    fail "lightwell serve (installed binary, installed config) exited during start-up:"; sed 's/^/  /' "$log" >&2
    return 2
  fi
  if [[ $reply == *'status_code="200"'* && $reply == *'<uniqueid>'* ]]; then
    pass "lightwell serve (installed binary and config, as user lightwell) answers http://127.0.0.1:$base/serverinfo"
    [[ $(stat -c %U "$state/identity.json" 2>/dev/null) == lightwell ]] \
      || fail "the server running as lightwell did not create its identity in the state directory: $(ls -l "$state")"
  else
    fail "/serverinfo on port $base: '${reply:0:300}'"; sed 's/^/  /' "$log" >&2
  fi
  kill -TERM "$server_pid"
  local rc=0
  for ((i = 0; i < 40; i++)); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$server_pid" 2>/dev/null; then
    fail "lightwell serve still running 20 s after SIGTERM"; kill -KILL "$server_pid"
  fi
  wait "$server_pid"; rc=$?; server_pid=""
  [[ $rc -eq 0 ]] && pass "lightwell serve exited 0 on SIGTERM" || { fail "lightwell serve exit status $rc after SIGTERM"; tail -5 "$log" >&2; }
  return 0
}
# Base ports below the kernel's ephemeral range (32768+); P-5..P+21 must be free.
for _ in 1 2 3 4 5; do
  serve_once $((20000 + RANDOM % 10000)); rc=$?
  [[ $rc -eq 3 ]] || break
  echo "info: ports taken, trying another base port" >&2
done
[[ $rc -eq 3 ]] && fail "no free base port found in 5 attempts"

# ---- 6. reinstall and remove keep the administrator's files -------------------------------
# What a user of the package does: edit the conffile, enable a unit (systemctl works offline
# when systemd does not run: it only writes the links), and the system unit's first start
# creates /var/lib/lightwell (StateDirectory=, owned by lightwell, 0700).
echo '# edited by test-deb.sh' >>/etc/lightwell/lightwell.toml
made_links_and_state=1
systemctl enable lightwell-system.service >/dev/null 2>&1 || fail "systemctl enable lightwell-system.service (offline)"
systemctl --global enable lightwell.service >/dev/null 2>&1 || fail "systemctl --global enable lightwell.service (offline)"
links=$(find /etc/systemd/system /etc/systemd/user -name 'lightwell*.service' -type l 2>/dev/null)
[[ $(wc -l <<<"$links") -eq 2 ]] || fail "expected two enablement links, found: $links"
install -d -m 700 -o lightwell -g lightwell /var/lib/lightwell
echo '{}' >/var/lib/lightwell/clients.json
# Reinstalling the same version: postinst runs again (sysusers finds its entries), the
# edited conffile is kept without a prompt since the packaged one did not change.
if out=$(dpkg -i "$deb" 2>&1); then
  tail -1 /etc/lightwell/lightwell.toml | grep -qx '# edited by test-deb.sh' \
    && pass "reinstall: runs again cleanly and keeps the edited /etc/lightwell/lightwell.toml" \
    || fail "reinstall replaced the edited /etc/lightwell/lightwell.toml"
else
  printf '%s\n' "$out" >&2; fail "reinstall (dpkg -i of the same package) failed"
fi
# Remove (not purge): program gone; conffile, state and enablement links stay.
if out=$(dpkg --remove lightwell 2>&1); then
  [[ $(dpkg-query -W -f='${db:Status-Status}' lightwell) == config-files ]] || fail "after remove: status is not config-files"
  [[ -e /usr/bin/lightwell || -e /usr/lib/systemd/system/lightwell-system.service ]] && fail "after remove: program or unit still there"
  [[ -f /etc/lightwell/lightwell.toml && -f /var/lib/lightwell/clients.json ]] \
    && pass "remove: program gone, /etc/lightwell/lightwell.toml and /var/lib/lightwell kept" \
    || fail "remove deleted the conffile or the state directory"
else
  printf '%s\n' "$out" >&2; fail "dpkg --remove lightwell failed"
fi

# ---- 7. purge -----------------------------------------------------------------------------
if ! out=$(dpkg --purge lightwell 2>&1); then
  printf '%s\n' "$out" >&2; fail "dpkg --purge lightwell failed"
else
  installed=0
  printf '%s\n' "$out" | sed 's/^/  dpkg: /'
  left=()
  for path in /usr/bin/lightwell "${!files[@]}" /etc/lightwell /usr/share/doc/lightwell /var/lib/lightwell; do
    [[ -e $path ]] && left+=("$path")
  done
  mapfile -t -O "${#left[@]}" left < <(find /etc/systemd/system /etc/systemd/user -name 'lightwell*.service' 2>/dev/null)
  [[ ${#left[@]} -eq 0 ]] && pass "dpkg --purge removed every file, /etc/lightwell, /var/lib/lightwell and the enablement links" \
    || fail "left after purge: ${left[*]}"
  status=$(dpkg-query -W -f='${db:Status-Status}' lightwell 2>/dev/null || true)
  [[ -z $status || $status == not-installed ]] || fail "dpkg status after purge: $status"
  getent passwd lightwell >/dev/null && pass "user lightwell kept after purge (Debian practice)" \
    || fail "purge removed the user lightwell (it must be kept)"
fi

if [[ $failures -ne 0 ]]; then
  echo "test-deb: $failures problem(s)" >&2
  exit 1
fi
echo "test-deb: the Debian package builds, installs, serves and purges cleanly"
