#!/usr/bin/env bash
# Installs the Debian 12 (bookworm) packages Lightwell needs to build, test and benchmark.
# Idempotent and non-interactive: asks dpkg what is missing and installs only that, so a
# second run on a ready machine touches nothing (and needs no network).
# Usage: packaging/install-deps.sh [--build-only] [--dry-run]
#   --build-only: only what building and running the server needs (./lightwell.sh serve)
set -euo pipefail

# Build: compiler, generator, and the libraries each module wraps (docs/architecture.md).
BUILD_PACKAGES=(
  g++ cmake ninja-build pkg-config
  libssl-dev                      # proto_crypto, net (TLS)
  libexpected-dev                 # tl::expected, proto's result type
  libboost1.81-dev libboost-url1.81-dev libboost-json1.81-dev  # net: Asio, Beast; server
  libtomlplusplus-dev             # server: configuration
  libspdlog-dev libfmt-dev        # server: logging
  libenet-dev                     # net: control stream
  libopus-dev                     # audio
  libx264-dev                     # encode: software H.264
  libx265-dev libsvtav1enc-dev    # encode: software HEVC and AV1
  libdrm-dev libva-dev libvpl-dev # capture/kms, encode/qsv
  libpipewire-0.3-dev             # audio/pipewire
  libevdev-dev                    # input
  libavahi-client-dev             # server: mDNS
  libsystemd-dev                  # server: sd_notify
)
# Tests only: Catch2, and libavcodec to decode what we stream. tests_server's mDNS tests run
# a private dbus-daemon + avahi-daemon (loopback only) and browse with avahi-utils; where a
# system avahi-daemon already runs, or without root, they skip that part (docs/discovery.md).
TEST_PACKAGES=(
  catch2
  libavcodec-dev libavutil-dev
  dbus-daemon avahi-daemon avahi-utils
  pipewire pipewire-bin wireplumber   # tests/support/pipewire_fixture: headless PipeWire, pw-play
  # tests_guest (docs/testing-guest.md): a QEMU guest with /dev/uinput, booted from an
  # initramfs built with busybox + kmod (depmod/modprobe) + cpio; xz unpacks the kernel.
  qemu-system-x86 busybox-static kmod cpio xz-utils
  # tests/packaging (docs/packaging.md): cpack's DEB needs dpkg-shlibdeps; the Nix files are
  # parsed with nix-instantiate; the systemd guest's root file system comes from mmdebstrap
  # and becomes an ext4 image with mke2fs -d.
  dpkg-dev nix-bin mmdebstrap e2fsprogs
  edid-decode                         # tests/capture/test_edid.cpp checks our EDIDs against it
  ffmpeg                              # bench_encode: the ffmpeg command line is the encode floor
  clang libclang-rt-14-dev llvm       # tests/fuzz: libFuzzer + sanitizer runtimes, llvm-symbolizer (docs/fuzzing.md)
  nftables iproute2                   # tests/faults: loss in network namespaces (docs/testing-faults.md)
  chromium                            # tests/web: Playwright drives Debian's browser (docs/web-ui-testing.md)
)

build_only=false
dry_run=false
for arg in "$@"; do
  case "$arg" in
    --build-only) build_only=true ;;
    --dry-run) dry_run=true ;;
    *) echo "install-deps: unknown option $arg (use --build-only, --dry-run)" >&2; exit 2 ;;
  esac
done
$build_only && TEST_PACKAGES=()

missing=()
# Node.js and npm run the browser tests. Use the machine's own where it has one (it may come
# from NodeSource, whose nodejs package bundles npm and conflicts with Debian's npm).
$build_only || command -v npm >/dev/null 2>&1 || TEST_PACKAGES+=(nodejs npm)
for pkg in "${BUILD_PACKAGES[@]}" ${TEST_PACKAGES[@]+"${TEST_PACKAGES[@]}"}; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#BUILD_PACKAGES[@]} build and ${#TEST_PACKAGES[@]} test packages present"
  exit 0
fi
echo "install-deps: missing: ${missing[*]}"
$dry_run && exit 0

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${#missing[@]} packages"
