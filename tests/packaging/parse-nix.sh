#!/usr/bin/env bash
# Checks packaging/nix/ without network and without nixpkgs (docs/packaging.md, "What was
# verified"): needs only nix-instantiate (Debian 12: apt-get install nix-bin).
#  1. every .nix file parses (nix-instantiate --parse);
#  2. the module's own logic is evaluated against tests/packaging/stub-nixpkgs.nix, a tiny
#     stand-in for lib/pkgs (option declarations become plain values, the test supplies the
#     merged config): firewall ports from the base port, TOML settings with the applications,
#     ExecStart, the cap_sys_admin wrapper, autoStart; plus the flake's outputs and
#     package.nix's dependency names (tests/packaging/checks.nix).
# Not covered (needs nixpkgs, i.e. network): the real module system's type checking, the
# TOML rendering by pkgs.formats.toml, and building the package.
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
command -v nix-instantiate >/dev/null || { echo "FAIL: nix-instantiate not found (apt-get install nix-bin)" >&2; exit 2; }
# Debian's nix.conf names a nixbld group that need not exist; evaluation builds nothing.
export NIX_CONFIG="build-users-group ="
export NIX_STATE_DIR="${TMPDIR:-/tmp}/lightwell-nix-state.$$"
trap 'rm -rf "$NIX_STATE_DIR"' EXIT
failures=0

for f in "$repo"/packaging/nix/*.nix "$repo"/tests/packaging/*.nix; do
  if out=$(nix-instantiate --parse "$f" 2>&1 >/dev/null) && [[ -z $out ]]; then
    echo "ok:   parses: ${f#"$repo"/}"
  else
    echo "FAIL: ${f#"$repo"/}" >&2; printf '%s\n' "$out" >&2; failures=$((failures + 1))
  fi
done

if out=$(cd "$repo/tests/packaging" && nix-instantiate --eval --strict --json checks.nix 2>&1); then
  if [[ $out == "[]" ]]; then
    echo "ok:   module, flake and package checks (tests/packaging/checks.nix)"
  else
    echo "FAIL: checks.nix: $out" >&2; failures=$((failures + 1))
  fi
else
  echo "FAIL: checks.nix does not evaluate:" >&2; printf '%s\n' "$out" >&2; failures=$((failures + 1))
fi

if [[ $failures -ne 0 ]]; then
  echo "parse-nix: $failures problem(s)" >&2
  exit 1
fi
echo "parse-nix: all Nix files OK"
