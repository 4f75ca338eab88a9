#!/usr/bin/env bash
# stream-in-guest.sh LIGHTWELL GUEST_PROGRAM CHECKER RUNNER KIND - issue 5's "Done means": inside
# a throwaway QEMU guest (RUNNER = tests/guest/run-in-guest.sh, display KIND = vkms | virtio |
# bochs) the real `lightwell serve` captures the guest's KMS framebuffer and our test client
# (lightwell_stream_guest, in the guest on loopback) receives the stream, through a mode change;
# the frames come back through a 9p share and CHECKER (lightwell_stream_check) decodes them with
# libavcodec and checks the colours. Exit 0 pass, 1 fail; the guest's output is printed.
set -euo pipefail
lightwell=$1
program=$2
checker=$3
runner=$4
kind=$5
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/payload" "$work/share"
cp "$lightwell" "$work/payload/lightwell"
cp "$program" "$work/payload/lightwell_stream_guest"

set +e
out=$(bash "$runner" -d "$kind" -t "${LIGHTWELL_GUEST_TIMEOUT_S:-540}" -m 1536 -s "$work/share" "$work/payload" -- \
      ./lightwell_stream_guest /dev/dri/card0 /mnt/host/frames.bin 2>&1)
rc=$?
set -e
printf '%s\n' "$out"
printf 'guest exit status: %s\n' "$rc"
if [ "$rc" != 0 ] || ! printf '%s\n' "$out" | grep -q '^STREAM GUEST DONE'; then
  echo "FAIL: streaming in the $kind guest did not complete"
  exit 1
fi
"$checker" "$work/share/frames.bin"
