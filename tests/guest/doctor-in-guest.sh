#!/usr/bin/env bash
# doctor-in-guest.sh LIGHTWELL RUNNER - `lightwell doctor` in a throwaway QEMU guest
# (RUNNER = tests/guest/run-in-guest.sh) that has what this CI machine lacks: a DRM card
# (virtio-gpu; the kernel's fbcon sets a mode on it, so one CRTC is lit) and /dev/uinput.
# Checks that doctor sees both as ok, that the web check is skipped (no password set yet), and that its exit status
# is 1 exactly when a check says "problem" (the guest has no PipeWire, no Avahi: it does).
# Exit 0 pass, 1 fail; the whole report is printed either way.
set -euo pipefail
lightwell=$1
runner=$2
payload=$(mktemp -d)
trap 'rm -rf "$payload"' EXIT
cp "$lightwell" "$payload/lightwell"

set +e
out=$(bash "$runner" -d virtio -M uinput -t 240 "$payload" -- ./lightwell doctor --state-dir /test/state 2>&1)
rc=$?
set -e
printf '%s\n' "$out"
printf 'guest exit status: %s\n' "$rc"

fail=0
expect() {  # a multi-line Perl regex the report must contain
  if ! printf '%s\n' "$out" | grep -qzP "$1"; then
    echo "FAIL: the report does not match /$1/"
    fail=1
  fi
}
expect 'drm: ok\n  /dev/dri/card\d+ \(driver virtio_gpu\): [1-9]\d* of \d+ CRTCs lit: Virtual-\d+ \d+x\d+\n'
expect 'va-api: ok\n  /dev/dri/renderD\d+ \(driver virtio_gpu\): '
expect 'uinput: ok\n  /dev/uinput is writable\n'
expect 'web credentials: skipped\n  no web password set \(\S+ absent\): the web page on TCP \d+ refuses every login\n'
expect '\n11 checks: '
if printf '%s\n' "$out" | grep -q ': problem$'; then want=1; else want=0; fi
if [ "$rc" != "$want" ]; then
  echo "FAIL: exit status $rc, expected $want (1 exactly when a check reports a problem)"
  fail=1
fi
exit "$fail"
