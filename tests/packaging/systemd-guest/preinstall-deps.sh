#!/bin/sh
# Runs inside the base image while mmdebstrap builds it (tests/packaging/systemd-guest.sh).
# Installs what `apt-get install ./lightwell.deb` would install besides the package itself:
# Depends and Recommends (apt's default, apt.conf(5) APT::Install-Recommends; mmdebstrap turns
# it off while it runs, hence -o). In the guest the install of the package then takes seconds
# instead of two minutes of dpkg under TCG, and still fails if a dependency is missing (the
# guest has no network).
set -eu
probe=$1
apt_get() { env -u APT_CONFIG DEBIAN_FRONTEND=noninteractive apt-get -o APT::Install-Recommends=true "$@"; }
apt_get clean
apt_get install -y --download-only "$probe"
self=$(dpkg-deb -f "$probe" Package)
set --
for f in /var/cache/apt/archives/*.deb; do
  [ -e "$f" ] || continue
  [ "$(dpkg-deb -f "$f" Package)" = "$self" ] || set -- "$@" "$f"
done
if [ $# -gt 0 ]; then
  apt_get install -y "$@"
  # As after `apt install ./lightwell.deb`: dependencies are marked automatically installed.
  for f in "$@"; do dpkg-deb -f "$f" Package; done | xargs apt-mark auto >/dev/null
fi
apt_get clean
