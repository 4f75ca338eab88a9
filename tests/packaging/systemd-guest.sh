#!/bin/bash
# Issue 9, "Done means": on a fresh Debian 12 machine, installing the package and enabling the
# unit gives a running server that survives a restart. This proves it on a real Debian 12
# guest with systemd as PID 1, booted under QEMU (TCG: the CI machines have no usable KVM,
# /work/shared/guestvm/FINDINGS.md §1):
#   boot 1: apt-get install ./lightwell.deb (offline), systemctl enable --now
#           lightwell-system.service, serverinfo answers, systemctl restart, a crash
#           (Restart=on-failure), reboot;
#   boot 2: after `systemctl reboot` (a full reboot of the guest): the unit is active
#           without anyone starting it, same uniqueid (identity persisted in
#           /var/lib/lightwell), clean stop logged for the previous shutdown.
# Usage: systemd-guest.sh PACKAGE.deb|BUILD_DIR [--keep DIR] [--timeout SEC (both boots)]
#   BUILD_DIR: a configured and built CMake build tree; the package is made from it with
#   `cpack -G DEB` into a temporary directory (what CTest passes).
# Exit: 0 every check passed, 1 a check failed, 2 usage/setup error, 77 skipped (not root).
# Environment: LIGHTWELL_CACHE (default ~/.cache/lightwell), LIGHTWELL_DEBIAN_MIRROR (default
# http://deb.debian.org/debian, the machine's mirror), LIGHTWELL_DEBIAN_SECURITY_MIRROR,
# LIGHTWELL_GUEST_SMP (default 2). See docs/testing-guest.md, "systemd guest (packaging)".
set -euo pipefail

readonly SCRIPT_VERSION=1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
helpers=$here/systemd-guest

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }

deb="" keep="" boot_timeout_s=900
while [ $# -gt 0 ]; do
  case $1 in
    --keep) keep=${2:?--keep needs a directory}; shift 2 ;;
    --timeout) boot_timeout_s=${2:?--timeout needs seconds}; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "systemd-guest: unknown option $1" >&2; usage ;;
    *) [ -z "$deb" ] || usage; deb=$1; shift ;;
  esac
done
[ -n "$deb" ] || usage
[ -e "$deb" ] || { echo "systemd-guest: no such package or build directory: $deb" >&2; exit 2; }
deb=$(readlink -f "$deb")

# mmdebstrap's root mode and an image whose files keep their owners (mke2fs -d copies the
# owner of each file it reads) both need root.
if [ "$(id -u)" -ne 0 ]; then
  echo "systemd-guest: SKIP: needs root (mmdebstrap root mode, file owners in the image)"; exit 77
fi
missing=""
for tool in mmdebstrap mke2fs qemu-system-x86_64 busybox cpio xz modprobe depmod dpkg-deb flock sha256sum; do
  command -v "$tool" >/dev/null || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  echo "systemd-guest: missing tools:$missing (Debian: mmdebstrap e2fsprogs qemu-system-x86 busybox-static cpio xz-utils kmod)" >&2
  exit 2
fi
busybox_bin=$(command -v busybox)
# The initramfs holds busybox alone, without a C library: it must be the static build.
if ldd "$busybox_bin" >/dev/null 2>&1; then
  echo "systemd-guest: $busybox_bin is not a static ELF binary (install busybox-static)" >&2; exit 2
fi

mirror=${LIGHTWELL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${LIGHTWELL_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
smp=${LIGHTWELL_GUEST_SMP:-2}
# What a minimal Debian 12 machine with systemd has: systemd as init, udev (for the package's
# uinput rule), dbus, kmod (modules-load.d), and a kernel with its modules.
base_packages="systemd,systemd-sysv,udev,dbus,kmod,linux-image-amd64"

work=$(mktemp -d "${TMPDIR:-/tmp}/lightwell-sysguest.XXXXXX")
qemu_pid=""
cleanup() {
  if [ -n "$qemu_pid" ]; then kill "$qemu_pid" 2>/dev/null || true; fi
  if [ -n "$keep" ]; then mkdir -p "$keep" && cp -a "$work/." "$keep/" && echo "systemd-guest: kept in $keep"; fi
  rm -rf "$work"
}
trap cleanup EXIT

log() { printf '[systemd-guest %s] %s\n' "$(date -u +%T)" "$*"; }

if [ -d "$deb" ]; then
  [ -f "$deb/CPackConfig.cmake" ] || { echo "systemd-guest: $deb has no CPackConfig.cmake (not a configured build tree)" >&2; exit 2; }
  command -v cpack >/dev/null || { echo "systemd-guest: cpack not found" >&2; exit 2; }
  log "cpack -G DEB from $deb"
  if ! cpack_out=$(cpack -G DEB --config "$deb/CPackConfig.cmake" -B "$work/pkg" 2>&1); then
    printf '%s\n' "$cpack_out" >&2; echo "systemd-guest: cpack failed" >&2; exit 2
  fi
  deb=$(find "$work/pkg" -maxdepth 1 -name 'lightwell_*.deb' | head -n 1)
  [ -n "$deb" ] || { printf '%s\n' "$cpack_out" >&2; echo "systemd-guest: cpack wrote no lightwell_*.deb" >&2; exit 2; }
fi
# The package's own relations decide which dependencies are cached: a new Depends means a new
# cache. The package itself is NOT in the cache: it is installed in the guest every run.
relations=$(for f in Pre-Depends Depends Recommends; do printf '%s: %s\n' "$f" "$(dpkg-deb -f "$deb" "$f")"; done)

# --- 1. the cached base: root file system tarball, PVH kernel, tiny initramfs ---------------
build_cache() {
  local tmp=$1 hook_deb=/var/cache/lwtest-probe.deb
  log "building the base image (first run on this machine: downloads about 200 MB)"
  cp "$deb" "$tmp/probe.deb"
  # --skip=cleanup/apt keeps apt's lists: the guest has no network, so apt there resolves
  # the package's dependencies from the lists (and would fail on any that is not installed).
  # preinstall-deps.sh installs the dependencies the package would pull in.
  mmdebstrap --variant=minbase --include="$base_packages" --skip=cleanup/apt \
    --customize-hook="cp '$tmp/probe.deb' \"\$1$hook_deb\"" \
    --customize-hook="cp '$helpers/preinstall-deps.sh' \"\$1/tmp/preinstall-deps.sh\"" \
    --customize-hook="chroot \"\$1\" sh /tmp/preinstall-deps.sh $hook_deb" \
    --customize-hook="rm -f \"\$1$hook_deb\" \"\$1/tmp/preinstall-deps.sh\"" \
    --customize-hook='rm -f "$1"/boot/initrd.img-*' \
    bookworm "$tmp/rootfs.tar" \
    "deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
    "deb $security_mirror bookworm-security main" >"$tmp/mmdebstrap.log" 2>&1 \
    || { tail -n 40 "$tmp/mmdebstrap.log" >&2; return 1; }
  rm -f "$tmp/probe.deb"
}

build_boot() { # build_boot DIR: DIR/rootfs.tar -> DIR/vmlinux, DIR/initrd.cpio
  local tmp=$1
  log "extracting the kernel and building the initramfs"
  rm -f "$tmp/vmlinux" "$tmp/initrd.cpio" "$tmp/boot.key"
  # Kernel and the modules the root file system needs, taken from the image's own kernel.
  local kroot=$tmp/kroot
  rm -rf "$kroot" "$tmp/initrd"
  mkdir -p "$kroot"
  tar -xf "$tmp/rootfs.tar" -C "$kroot" --wildcards './boot/vmlinuz-*' './lib/modules/*' './usr/lib/modules/*' 2>/dev/null || true
  local vmlinuz kver
  vmlinuz=$(find "$kroot/boot" -name 'vmlinuz-*' | sort | tail -n 1)
  [ -n "$vmlinuz" ] || { echo "systemd-guest: no kernel in the image" >&2; return 1; }
  kver=${vmlinuz##*/vmlinuz-}
  echo "$kver" >"$tmp/kver"
  # The uncompressed vmlinux booted through its PVH entry (CONFIG_PVH=y) skips the XZ
  # decompression that costs about 3 s under TCG (FINDINGS.md §2, step 2).
  local off
  off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -n 1 | cut -d: -f1) || true
  [ -n "$off" ] || { echo "systemd-guest: no XZ payload in $vmlinuz" >&2; return 1; }
  tail -c +"$((off + 1))" "$vmlinuz" | xz -dc --single-stream >"$tmp/vmlinux" 2>/dev/null || true
  [ -s "$tmp/vmlinux" ] || { echo "systemd-guest: could not unpack vmlinux" >&2; return 1; }

  local mods=$kroot/lib/modules
  [ -d "$mods/$kver" ] || mods=$kroot/usr/lib/modules
  local stage=$tmp/initrd
  mkdir -p "$stage/bin" "$stage/sbin" "$stage/usr/bin" "$stage/usr/sbin" "$stage/lib/modules/$kver" \
    "$stage/proc" "$stage/sys" "$stage/dev" "$stage/newroot"
  # The kernel opens /dev/console for /init before devtmpfs is mounted.
  mknod -m 600 "$stage/dev/console" c 5 1
  cp "$busybox_bin" "$stage/bin/busybox"
  cp "$helpers/init" "$stage/init"
  chmod 755 "$stage/init"
  # virtio_pci is the transport, not a symbol dependency of virtio_blk (FINDINGS.md pitfall 3);
  # ext4 asks for crc32c through the crypto API, again no symbol dependency.
  local wanted="virtio_pci virtio_blk crc32c_generic ext4"
  depmod -b "${mods%/lib/modules}" "$kver"
  local ko
  modprobe -d "${mods%/lib/modules}" -S "$kver" --show-depends -a $wanted | awk '$1 == "insmod" {print $2}' \
    | while read -r ko; do
        mkdir -p "$stage/lib/modules/$kver/$(dirname "${ko#*/lib/modules/"$kver"/}")"
        cp "$ko" "$stage/lib/modules/$kver/${ko#*/lib/modules/"$kver"/}"
      done
  cp "$mods/$kver"/modules.order "$mods/$kver"/modules.builtin* "$stage/lib/modules/$kver/"
  depmod -b "$stage" "$kver"
  echo "$wanted" >"$stage/modules.list"
  (cd "$stage" && find . | cpio -o -H newc -R 0:0 --quiet) >"$tmp/initrd.cpio"
  rm -rf "$kroot" "$stage"
  echo "$boot_key" >"$tmp/boot.key"
}

# The guest's disk without the package: the cached root file system plus the test driver.
# Cached as an ext4 image, so a run costs no unpacking and no mke2fs of 1 GB; each run boots
# it through a copy-on-write overlay (QEMU snapshot=on) and gets the package on a second disk.
build_image() { # build_image DIR: DIR/rootfs.tar -> DIR/base.img
  local dir=$1 root=$1/imgroot
  log "building the guest disk image"
  rm -rf "$root" "$dir/base.img" "$dir/img.key"
  mkdir -p "$root"
  tar -xf "$dir/rootfs.tar" -C "$root"
  mkdir -p "$root/opt/lwtest" "$root/var/log/journal"
  install -m 755 "$helpers/driver.sh" "$root/opt/lwtest/driver.sh"
  install -m 644 "$helpers/lwtest.service" "$root/etc/systemd/system/lwtest.service"
  ln -sf /etc/systemd/system/lwtest.service "$root/etc/systemd/system/multi-user.target.wants/lwtest.service"
  echo lwguest >"$root/etc/hostname"
  # No login prompt on the console: nobody logs in, and the getty only adds noise.
  ln -sf /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"
  # apt's binary cache of the package lists (apt-get clean removed it): building it in the
  # guest takes tens of seconds under TCG.
  chroot "$root" apt-cache gencaches >/dev/null
  local size_mb=$(( $(du -sm "$root" | cut -f1) + 768 ))
  mke2fs -q -t ext4 -d "$root" -L lwroot "$dir/base.img.tmp" "${size_mb}M" >/dev/null
  mv "$dir/base.img.tmp" "$dir/base.img"
  rm -rf "$root"
  echo "$img_key" >"$dir/img.key"
}

# Cache key: everything build_cache uses, its own text included. The boot files (vmlinux,
# initramfs) are rebuilt from the cached root file system when only build_boot or the
# initramfs /init changed.
key=$(printf '%s\n' "$SCRIPT_VERSION" "$base_packages" "$mirror" "$security_mirror" "$relations" \
  "$(declare -f build_cache)" | cat - "$helpers/preinstall-deps.sh" | sha256sum | cut -c1-16)
boot_key=$(printf '%s\n' "$SCRIPT_VERSION" "$(declare -f build_boot)" | cat - "$helpers/init" | sha256sum | cut -c1-16)
img_key=$(printf '%s\n' "$SCRIPT_VERSION" "$(declare -f build_image)" \
  | cat - "$helpers/driver.sh" "$helpers/lwtest.service" | sha256sum | cut -c1-16)
cache_root=${LIGHTWELL_CACHE:-${HOME:-/root}/.cache/lightwell}/systemd-guest
cache=$cache_root/$key
mkdir -p "$cache_root"
(
  flock 9
  if [ ! -f "$cache/done" ]; then
    tmp=$(mktemp -d "$cache_root/.build.XXXXXX")
    if ! build_cache "$tmp"; then rm -rf "$tmp"; exit 1; fi
    touch "$tmp/done"
    rm -rf "$cache"
    mv "$tmp" "$cache"
  fi
  if [ "$(cat "$cache/boot.key" 2>/dev/null)" != "$boot_key" ]; then
    build_boot "$cache" || exit 1
  fi
  if [ "$(cat "$cache/img.key" 2>/dev/null)" != "$img_key" ]; then
    build_image "$cache" || exit 1
  fi
  # Bases of other package relations not used for 14 days go (each is about 800 MB).
  touch "$cache/done"
  find "$cache_root" -mindepth 2 -maxdepth 2 -name 'done' -mtime +14 -printf '%h\n' | xargs -r rm -rf
) 9>"$cache_root/$key.lock" || { echo "systemd-guest: building the base image failed" >&2; exit 2; }
log "base image $cache"

# --- 2. this run: the package on a second disk ----------------------------------------------
mkdir -p "$work/payload"
cp "$deb" "$work/payload/lightwell.deb"
payload_mb=$(( $(du -sm "$work/payload" | cut -f1) + 16 ))
mke2fs -q -t ext4 -d "$work/payload" -L lwpayload "$work/payload.img" "${payload_mb}M" >/dev/null
rm -rf "$work/payload"
if [ -n "$keep" ]; then
  # A private copy, so that the disk as the guest left it can be kept.
  cp --sparse=always "$cache/base.img" "$work/disk.img"
  root_drive="file=$work/disk.img,format=raw,if=virtio"
else
  # Writes go to a temporary overlay and vanish with QEMU; parallel runs share base.img.
  root_drive="file=$cache/base.img,format=raw,if=virtio,snapshot=on"
fi

# --- 3. one QEMU, two boots -----------------------------------------------------------------
# Boot 1 ends with `systemctl reboot`, a real reboot of the guest: systemd stops everything,
# the machine resets, firmware and kernel start again, the disk (overlay) keeps its writes.
# Boot 2 powers off. No -no-reboot, hence no panic=-1 either: a panic is caught below.
out=$work/out
mkdir -p "$out"
: >"$out/console.log"; : >"$out/out.log"; : >"$out/status.log"
log "booting the guest (QEMU TCG, timeout ${boot_timeout_s}s)"
# -nodefaults: no NIC (loopback only), no VGA, no option ROMs (FINDINGS.md §2).
qemu-system-x86_64 -nodefaults -no-user-config -M pc -accel tcg -cpu max -smp "$smp" -m 1024 \
  -display none -vga none \
  -kernel "$cache/vmlinux" -initrd "$cache/initrd.cpio" \
  -append "console=ttyS0 loglevel=4 panic=0 mitigations=off 8250.nr_uarts=4" \
  -drive "$root_drive" -drive "file=$work/payload.img,format=raw,if=virtio,readonly=on" \
  -serial "file:$out/console.log" -serial "file:$out/out.log" -serial "file:$out/status.log" &
qemu_pid=$!
waited=0 result=""
while kill -0 "$qemu_pid" 2>/dev/null; do
  if [ "$waited" -ge "$boot_timeout_s" ]; then result="timeout after ${boot_timeout_s}s"; break; fi
  if grep -aq 'Kernel panic' "$out/console.log"; then result="guest kernel panic"; break; fi
  sleep 1; waited=$((waited + 1))
done
if [ -n "$result" ]; then
  kill "$qemu_pid" 2>/dev/null || true
fi
wait "$qemu_pid" 2>/dev/null || true
qemu_pid=""
log "QEMU ended after ${waited}s${result:+ ($result)}"
grep -a '^CHECK \|^=== \[' "$out/out.log" | sed 's/^/  /' || true

if grep -aq '^LWTEST_BOOT1=PASS' "$out/status.log" && grep -aq '^LWTEST_BOOT2=PASS' "$out/status.log"; then
  echo "systemd-guest: PASS (installed, enabled, restarted, survived a crash and a reboot)"
  exit 0
fi
echo "---- guest test output (out.log) ----"
cat "$out/out.log"
echo "---- guest console, last 100 lines ----"
tail -n 100 "$out/console.log"
echo "systemd-guest: FAIL${result:+ ($result)}: $(tr '\n' ' ' <"$out/status.log")"
exit 1
