#!/usr/bin/env bash
# run-in-guest.sh - run a test binary inside a throwaway QEMU Linux guest that has a
# KMS/DRM device (vkms, virtio-gpu or bochs) and /dev/uinput, print its output and
# exit with its exit status.
#
# Lightwell's copy of the team's guest runner (shared/guestvm/FINDINGS.md has the facts
# behind every choice here: TCG not KVM, PVH vmlinux, the initramfs, the serial ports).
# tests_guest uses it as `-d none -M "uinput evdev"`; docs/testing-guest.md explains the test.
#
# Usage:
#   run-in-guest.sh [options] PAYLOAD [--] COMMAND [ARG...]
#
#   PAYLOAD  a binary (ideally statically linked) or a directory. It is copied into the
#            guest as /test (a directory) and /test is the working directory and first on
#            PATH. Dynamically linked ELF files in it get their shared libraries (as listed
#            by the host's ldd) copied into the guest at the same absolute paths.
#   COMMAND  run in the guest as: cd /test && sh -c 'COMMAND ARG...' (as root, so it has
#            CAP_SYS_ADMIN: drmModeGetFB2 returns buffer handles).
#
# Options:
#   -d, --display KIND   vkms (default) | virtio | bochs | none
#                        vkms:   modprobe vkms (built once from Debian's linux-source,
#                                because Debian kernels do not ship vkms.ko)
#                        virtio: -device virtio-gpu-pci + modprobe virtio-gpu
#                        bochs:  -device bochs-display + modprobe bochs
#   -M, --modules "M..." extra kernel modules to modprobe in the guest (closure is packed)
#   -s, --share DIR      9p-share host DIR read-write at /mnt/host in the guest
#   -t, --timeout SEC    wall-clock limit for the whole VM (default 300) -> exit 124
#   -m, --mem MB         guest memory (default 1024)
#       --smp N          guest CPUs (default 1)
#       --accel A        auto (default) | tcg | kvm. auto picks kvm only if /dev/kvm is
#                        usable and kvm_intel or kvm_amd is loaded, else TCG emulation.
#       --console        copy the guest kernel console log to stderr afterwards
#   -h, --help
#
# Environment:
#   GUESTVM_CACHE        cache dir for kernel/modules/initramfs (default ~/.cache/guestvm, or
#                        $TMPDIR/guestvm-cache-<uid> when there is no usable home)
#   GUESTVM_KERNEL_PKG   Debian kernel image package (default: what linux-image-amd64
#                        depends on, e.g. linux-image-6.1.0-56-amd64)
#   GUESTVM_APT_INSTALL  if 1 and running as root, apt-get install missing host tools
#   GUESTVM_CPU          QEMU -cpu model (default: max under TCG, host under KVM)
#   GUESTVM_QEMU_EXTRA   extra QEMU arguments (whitespace separated)
#   GUESTVM_BZIMAGE      if 1, boot the compressed bzImage instead of the PVH vmlinux
#
# Exit status: the command's exit status; 124 on timeout; 125 if the guest never reported
# a status (boot failure, panic); 126 for usage / setup errors.
#
# Host packages (Debian 12): qemu-system-x86 busybox-static kmod cpio xz-utils, and for
# --display vkms also gcc-12 make libelf1 libssl3 (the kernel headers, kbuild tools and
# vkms source are fetched with apt-get download and unpacked into the cache; no root
# needed for that). No network is given to the guest (-nodefaults).

set -euo pipefail

die() { echo "run-in-guest: $*" >&2; exit 126; }
log() { [ -n "${VERBOSE:-}" ] && echo "run-in-guest: $*" >&2 || true; }

DISPLAY_KIND=vkms
EXTRA_MODS=""
SHARE=""
TIMEOUT=300
MEM=1024
SMP=1
ACCEL=auto
SHOW_CONSOLE=""
while [ $# -gt 0 ]; do
  case "$1" in
    -d|--display) DISPLAY_KIND="$2"; shift 2 ;;
    -M|--modules) EXTRA_MODS="$EXTRA_MODS $2"; shift 2 ;;
    -s|--share) SHARE="$2"; shift 2 ;;
    -t|--timeout) TIMEOUT="$2"; shift 2 ;;
    -m|--mem) MEM="$2"; shift 2 ;;
    --smp) SMP="$2"; shift 2 ;;
    --accel) ACCEL="$2"; shift 2 ;;
    --console) SHOW_CONSOLE=1; shift ;;
    -v|--verbose) VERBOSE=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    -*) die "unknown option $1" ;;
    *) break ;;
  esac
done
[ $# -ge 2 ] || die "usage: $0 [options] PAYLOAD [--] COMMAND [ARG...]  (see --help)"
PAYLOAD="$1"; shift
[ "${1:-}" = "--" ] && shift
[ $# -ge 1 ] || die "missing COMMAND"
[ -e "$PAYLOAD" ] || die "payload $PAYLOAD does not exist"
[ -z "$SHARE" ] || [ -d "$SHARE" ] || die "share dir $SHARE does not exist"

case "$DISPLAY_KIND" in
  vkms)   DRM_MODS="vkms"; QEMU_DISPLAY=() ;;
  virtio) DRM_MODS="virtio_pci virtio-gpu"; QEMU_DISPLAY=(-device virtio-gpu-pci) ;;
  bochs)  DRM_MODS="bochs"; QEMU_DISPLAY=(-device bochs-display) ;;
  none)   DRM_MODS=""; QEMU_DISPLAY=() ;;
  *) die "unknown display kind $DISPLAY_KIND" ;;
esac

# ---------------------------------------------------------------- host tools
export PATH="$PATH:/usr/sbin:/sbin"
need_pkgs=()
command -v qemu-system-x86_64 >/dev/null || need_pkgs+=(qemu-system-x86)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -x modprobe >/dev/null || need_pkgs+=(busybox-static)
command -v depmod >/dev/null || [ -x /usr/sbin/depmod ] || [ -x /sbin/depmod ] || need_pkgs+=(kmod)
command -v cpio >/dev/null || need_pkgs+=(cpio)
command -v xz >/dev/null || need_pkgs+=(xz-utils)
if [ "$DISPLAY_KIND" = vkms ]; then
  command -v make >/dev/null || need_pkgs+=(make)
  command -v gcc-12 >/dev/null || need_pkgs+=(gcc-12)
  ldconfig -p 2>/dev/null | grep 'libelf\.so\.1 ' >/dev/null || need_pkgs+=(libelf1)
  ldconfig -p 2>/dev/null | grep 'libssl\.so\.3 ' >/dev/null || need_pkgs+=(libssl3)
fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "${GUESTVM_APT_INSTALL:-}" = 1 ] && [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need_pkgs[@]}" >&2
  else
    die "missing host packages; run: apt-get install --no-install-recommends ${need_pkgs[*]}"
  fi
fi
if ldd /bin/busybox >/dev/null 2>&1; then die "/bin/busybox is dynamically linked; install busybox-static"; fi

# ---------------------------------------------------------------- kernel (cached)
# Shared by every checkout and build dir of the machine, so a fresh clone (CI) pays the
# kernel download once per machine. No HOME (or a read-only one): a per-user temp dir.
if [ -n "${GUESTVM_CACHE:-}" ]; then CACHE="$GUESTVM_CACHE"
elif [ -n "${XDG_CACHE_HOME:-}" ]; then CACHE="$XDG_CACHE_HOME/guestvm"
elif [ -n "${HOME:-}" ] && mkdir -p "$HOME/.cache" 2>/dev/null && [ -w "$HOME/.cache" ]; then CACHE="$HOME/.cache/guestvm"
else CACHE="${TMPDIR:-/tmp}/guestvm-cache-$(id -u)"
fi
mkdir -p "$CACHE" || die "cannot create the cache dir $CACHE (set GUESTVM_CACHE)"
exec 9>"$CACHE/.lock"
flock 9   # one setup at a time; runs themselves use private temp dirs

KPKG="${GUESTVM_KERNEL_PKG:-}"
if [ -z "$KPKG" ]; then
  if [ -f "$CACHE/kernel-pkg" ]; then KPKG=$(cat "$CACHE/kernel-pkg")
  else
    resolve() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'; }
    KPKG=$(resolve)
    # A fresh machine may have no package lists yet (install-deps.sh only updates them when
    # it installs something): as root, fetch them once.
    if [ -z "$KPKG" ] && [ "$(id -u)" = 0 ]; then
      echo "run-in-guest: no package lists; running apt-get update (first run only)" >&2
      apt-get update -qq >&2 || true
      KPKG=$(resolve)
    fi
    [ -n "$KPKG" ] || die "cannot resolve linux-image-amd64 (run apt-get update?)"
    echo "$KPKG" > "$CACHE/kernel-pkg"
  fi
fi
KVER="${KPKG#linux-image-}"           # e.g. 6.1.0-56-amd64
KDIR="$CACHE/$KVER"
KROOT="$KDIR/root"
debdl() { # download one package into $KDIR/debs; try NAME=VERSION first, then NAME
  mkdir -p "$KDIR/debs"
  local p="$1" v="${2:-}"
  if [ -n "$v" ] && (cd "$KDIR/debs" && apt-get download "$p=$v" >/dev/null 2>&1); then return 0; fi
  [ -n "$v" ] && echo "run-in-guest: $p=$v not downloadable, using the candidate version" >&2
  (cd "$KDIR/debs" && apt-get download "$p" >/dev/null 2>&1) || die "apt-get download $p failed (apt-get update?)"
}
if [ ! -f "$KDIR/.kernel-ok" ]; then
  echo "run-in-guest: fetching $KPKG (first run only)" >&2
  rm -rf "$KROOT"; debdl "$KPKG"
  dpkg -x "$KDIR"/debs/"$KPKG"_*.deb "$KROOT"
  dpkg-deb -f "$KDIR"/debs/"$KPKG"_*.deb Version > "$KDIR/version"
  depmod -b "$KROOT" "$KVER"
  rm -f "$KDIR"/debs/"$KPKG"_*.deb
  touch "$KDIR/.kernel-ok"
fi
VMLINUZ="$KROOT/boot/vmlinuz-$KVER"
MODDIR="$KROOT/lib/modules/$KVER"
# Booting the uncompressed vmlinux through its PVH entry point (CONFIG_PVH=y in Debian)
# skips the in-guest XZ decompression, which costs ~3 s under TCG emulation.
VMLINUX="$KDIR/vmlinux"
if [ ! -f "$VMLINUX" ] && [ ! -f "$KDIR/.no-vmlinux" ]; then
  off=""; dec=""
  for m in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
    off=$(LC_ALL=C grep -obUaP "${m#*:}" "$VMLINUZ" 2>/dev/null | head -1 | cut -d: -f1 || true)
    if [ -n "$off" ]; then dec="${m%%:*}"; break; fi
  done
  case "$dec" in
    xz)   tail -c +$((off+1)) "$VMLINUZ" | xz -dc --single-stream > "$VMLINUX.tmp" 2>/dev/null || true ;;
    zstd) tail -c +$((off+1)) "$VMLINUZ" | zstd -dcq > "$VMLINUX.tmp" 2>/dev/null || true ;;
    gzip) tail -c +$((off+1)) "$VMLINUZ" | gzip -dc > "$VMLINUX.tmp" 2>/dev/null || true ;;
  esac
  if [ -s "$VMLINUX.tmp" ] && [ "$(head -c4 "$VMLINUX.tmp" | tail -c3)" = ELF ] \
     && { ! command -v readelf >/dev/null || readelf -n "$VMLINUX.tmp" | grep 'Unknown note type: (0x00000012)' >/dev/null; }; then
    mv "$VMLINUX.tmp" "$VMLINUX"
  else
    rm -f "$VMLINUX.tmp"; touch "$KDIR/.no-vmlinux"
    echo "run-in-guest: no PVH vmlinux could be extracted; booting the (slower) bzImage" >&2
  fi
fi
BOOT_KERNEL="$VMLINUZ"; [ -f "$VMLINUX" ] && BOOT_KERNEL="$VMLINUX"
[ "${GUESTVM_BZIMAGE:-}" = 1 ] && BOOT_KERNEL="$VMLINUZ"

# vkms is not built by Debian (CONFIG_DRM_VKMS is not set): build it out of tree from the
# matching linux-source package against the matching headers, all unpacked in the cache.
VKMS_KO="$KDIR/vkms/vkms.ko"
if [ "$DISPLAY_KIND" = vkms ] && [ ! -f "$VKMS_KO" ]; then
  echo "run-in-guest: building vkms.ko for $KVER (first run only, ~1 min)" >&2
  KSRCVER=$(cat "$KDIR/version")                      # e.g. 6.1.192-2
  MM=$(echo "$KVER" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/') # e.g. 6.1
  HPKG="linux-headers-$KVER"
  HDEPS=$(apt-cache depends "$HPKG" 2>/dev/null | awk '/Depends: linux-(headers|kbuild)/{print $2}')
  for p in "$HPKG" $HDEPS "linux-source-$MM"; do debdl "$p" "$KSRCVER"; done
  H="$KDIR/hdr"; rm -rf "$H"; mkdir -p "$H"
  for p in "$HPKG" $HDEPS; do dpkg -x "$KDIR"/debs/"${p}"_*.deb "$H"; done
  HB="$H/usr/src/linux-headers-$KVER"
  # the Debian arch headers Makefile includes the common tree by absolute path: repoint it
  sed -i "s#^include /usr/src/#include $H/usr/src/#" "$HB/Makefile"
  rm -rf "$KDIR/vkms" "$KDIR/src"; mkdir -p "$KDIR/src"
  dpkg-deb --fsys-tarfile "$KDIR"/debs/linux-source-"$MM"_*.deb \
    | tar -xO "./usr/src/linux-source-$MM.tar.xz" \
    | tar -xJ -C "$KDIR/src" --wildcards "linux-source-$MM/drivers/gpu/drm/vkms/*"
  cp -r "$KDIR/src/linux-source-$MM/drivers/gpu/drm/vkms" "$KDIR/vkms"
  make -s -C "$HB" M="$KDIR/vkms" CONFIG_DRM_VKMS=m CONFIG_DEBUG_INFO_BTF_MODULES= modules >"$KDIR/vkms-build.log" 2>&1 \
    || { tail -20 "$KDIR/vkms-build.log" >&2; die "vkms build failed"; }
  find "$KDIR/vkms" -type f ! -name vkms.ko -delete
  rm -rf "$KDIR/src" "$KDIR/debs" "$H"
fi

# ---------------------------------------------------------------- base initramfs (cached)
BASE_MODS="virtio_pci virtio-gpu bochs uinput evdev 9p 9pnet_virtio $EXTRA_MODS"
[ "$DISPLAY_KIND" = vkms ] && BASE_MODS="$BASE_MODS vkms"
BASE_MODS=$(printf '%s\n' $BASE_MODS | awk '!seen[$0]++' | xargs)   # -M "uinput evdev" repeats defaults
INIT_REV=4
KEY=$(echo "$INIT_REV $BASE_MODS" | md5sum | cut -c1-12)
BASE_CPIO="$KDIR/base-$KEY.cpio"
if [ ! -f "$BASE_CPIO" ]; then
  log "building base initramfs $BASE_CPIO"
  ST=$(mktemp -d "$KDIR/stage.XXXXXX")
  mkdir -p "$ST"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,mnt/host,root,etc,test,lib/modules/$KVER}
  cp /bin/busybox "$ST/bin/busybox"
  for a in $(/bin/busybox --list); do [ -e "$ST/bin/$a" ] || ln -s busybox "$ST/bin/$a"; done
  # resolve module dependency closure with the host's modprobe against the unpacked tree
  if [ "$DISPLAY_KIND" = vkms ] || [ -d "$KDIR/vkms" ]; then
    mkdir -p "$MODDIR/extra"; cp "$VKMS_KO" "$MODDIR/extra/vkms.ko" 2>/dev/null || true
    depmod -b "$KROOT" "$KVER"
  fi
  for m in $BASE_MODS; do
    modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" 2>/dev/null | awk '$1=="insmod"{print $2}' || true
  done | sort -u | while read -r ko; do
    rel="${ko#"$MODDIR"/}"; mkdir -p "$ST/lib/modules/$KVER/$(dirname "$rel")"
    case "$ko" in
      *.xz) xz -dc "$ko" > "$ST/lib/modules/$KVER/${rel%.xz}" ;;   # busybox can't load .ko.xz
      *.zst) zstd -dcq "$ko" > "$ST/lib/modules/$KVER/${rel%.zst}" ;;
      *) cp "$ko" "$ST/lib/modules/$KVER/$rel" ;;
    esac
  done
  cp "$MODDIR"/modules.builtin* "$MODDIR"/modules.order "$ST/lib/modules/$KVER/" 2>/dev/null || true
  depmod -b "$ST" "$KVER"
  cat > "$ST/init" <<'EOF'
#!/bin/sh
export PATH=/test:/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TERM=dumb
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm; mount -t devpts devpts /dev/pts; mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
OUT=/dev/ttyS1 ST=/dev/ttyS2
stty -F $OUT raw -echo 2>/dev/null; stty -F $ST raw -echo 2>/dev/null
mods=""; share=""
for a in $(cat /proc/cmdline); do
  case "$a" in guestvm.mods=*) mods="${a#*=}" ;; guestvm.share=1) share=1 ;; esac
done
t0=$(cut -d' ' -f1 /proc/uptime)
for m in $(echo "$mods" | tr , ' '); do modprobe "$m" || echo "guest: modprobe $m failed" >$OUT; done
case ",$mods," in *,vkms,*|*,virtio-gpu,*|*,bochs,*)
  i=0; while [ ! -e /dev/dri/card0 ] && [ $i -lt 100 ]; do usleep 50000; i=$((i+1)); done
  [ -e /dev/dri/card0 ] || echo "guest: /dev/dri/card0 did not appear" >$OUT ;;
esac
if [ -n "$share" ]; then
  modprobe -a virtio_pci 9pnet_virtio 9p
  mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 hostshare /mnt/host \
    || echo "guest: 9p mount failed" >$OUT
fi
echo "guest: boot $t0 s, modules loaded at $(cut -d' ' -f1 /proc/uptime) s" >/dev/console
cd /test
sh /test/.guestvm-cmd >$OUT 2>&1 </dev/null
rc=$?
echo "guest: command exited $rc at $(cut -d' ' -f1 /proc/uptime) s" >/dev/console
[ -n "$share" ] && umount /mnt/host
sync
echo "GUESTVM_RC=$rc" >$ST
poweroff -f
EOF
  chmod 755 "$ST/init"
  (cd "$ST" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$BASE_CPIO.tmp"
  mv "$BASE_CPIO.tmp" "$BASE_CPIO"
  rm -rf "$ST"
fi
flock -u 9

# ---------------------------------------------------------------- per-run payload
RUN=$(mktemp -d "${TMPDIR:-/tmp}/guestvm-run.XXXXXX")
QPID=""
cleanup() { if [ -n "$QPID" ]; then kill "$QPID" 2>/dev/null || true; fi; rm -rf "$RUN"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$RUN/p/test"
if [ -d "$PAYLOAD" ]; then cp -a "$PAYLOAD"/. "$RUN/p/test/"
else cp -a "$PAYLOAD" "$RUN/p/test/"; fi
# shared libraries of dynamically linked ELF payload files, at their host paths
while IFS= read -r -d '' f; do
  [ "$(head -c4 "$f" | tr -d '\0' | cut -c2-4)" = ELF ] || continue
  for lib in $(ldd "$f" 2>/dev/null | grep -oE '/[^ ]+' || true); do
    [ -f "$lib" ] || continue
    mkdir -p "$RUN/p$(dirname "$lib")"; cp -L "$lib" "$RUN/p$lib"
  done
done < <(find "$RUN/p/test" -type f -perm -u+x -print0)
# command, quoted so that it survives sh -c
{ printf 'exec'; for a in "$@"; do printf " '%s'" "$(printf '%s' "$a" | sed "s/'/'\\\\''/g")"; done; echo; } \
  > "$RUN/p/test/.guestvm-cmd"
if [ $# -eq 1 ]; then printf '%s\n' "$1" > "$RUN/p/test/.guestvm-cmd"; fi   # single arg: shell snippet
(cd "$RUN/p" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$RUN/payload.cpio"
cat "$BASE_CPIO" "$RUN/payload.cpio" > "$RUN/initrd.cpio"   # the kernel unpacks concatenated archives

# ---------------------------------------------------------------- boot
if [ "$ACCEL" = auto ]; then
  ACCEL=tcg
  if [ -r /dev/kvm ] && [ -w /dev/kvm ] && { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }; then
    ACCEL=kvm
  fi
fi
CPU=max; [ "$ACCEL" = kvm ] && CPU=host
CPU="${GUESTVM_CPU:-$CPU}"
read -r -a QEMU_EXTRA <<<"${GUESTVM_QEMU_EXTRA:-}"
MODLIST=$(printf '%s\n' $DRM_MODS uinput evdev $EXTRA_MODS | awk '!seen[$0]++' | xargs | tr ' ' ,)
# no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer check can miss its
# ticks and panic at boot ("IO-APIC + timer doesn't work!", seen at load 20 on 2 cores);
# the parameter skips that check (kernel-parameters.txt), as is usual for virtual machines.
APPEND="console=ttyS0 loglevel=4 panic=-1 oops=panic mitigations=off no_timer_check 8250.nr_uarts=4 guestvm.mods=$MODLIST"
SHARE_ARGS=()
if [ -n "$SHARE" ]; then
  SHARE_ARGS=(-virtfs "local,path=$(realpath "$SHARE"),mount_tag=hostshare,security_model=none,id=hostshare")
  APPEND="$APPEND guestvm.share=1"
fi
# ttyS0: kernel console, ttyS1: command stdout+stderr, ttyS2: exit status
QEMU=(qemu-system-x86_64 -nodefaults -no-user-config -M pc -accel "$ACCEL" -cpu "$CPU" -smp "$SMP" -m "$MEM"
      -display none -vga none -no-reboot
      -kernel "$BOOT_KERNEL" -initrd "$RUN/initrd.cpio" -append "$APPEND"
      -serial "file:$RUN/console.log" -serial "file:$RUN/out.log" -serial "file:$RUN/status.log"
      ${QEMU_DISPLAY[@]+"${QEMU_DISPLAY[@]}"} ${SHARE_ARGS[@]+"${SHARE_ARGS[@]}"}
      ${QEMU_EXTRA[@]+"${QEMU_EXTRA[@]}"})
log "${QEMU[*]}"
T0=$(date +%s.%N)
QRC=0
timeout -k 5 "$TIMEOUT" "${QEMU[@]}" </dev/null >"$RUN/qemu.log" 2>&1 &
QPID=$!
wait "$QPID" || QRC=$?
QPID=""
TIMED_OUT=""; if [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; then TIMED_OUT=1; fi
T1=$(date +%s.%N)

cat "$RUN/out.log"
if [ -n "$SHOW_CONSOLE" ] || [ -n "${VERBOSE:-}" ]; then
  echo "----- guest console -----" >&2; cat "$RUN/console.log" >&2; cat "$RUN/qemu.log" >&2
fi
log "$(awk -v a="$T0" -v b="$T1" 'BEGIN{printf "vm wall time %.2f s (accel '"$ACCEL"')", b-a}')"
RC=$(sed -n 's/^GUESTVM_RC=\([0-9]*\).*/\1/p' "$RUN/status.log" | head -1)
if [ -n "$RC" ]; then exit "$RC"; fi
if [ -n "$TIMED_OUT" ]; then echo "run-in-guest: timeout after ${TIMEOUT}s" >&2; RC=124
else echo "run-in-guest: guest did not report an exit status" >&2; RC=125; fi
if [ -z "$SHOW_CONSOLE" ]; then
  echo "----- guest console (tail) -----" >&2; tail -30 "$RUN/console.log" >&2; cat "$RUN/qemu.log" >&2
fi
exit "$RC"
