#!/bin/bash
# Guest side of tests/packaging/systemd-guest.sh: runs inside the Debian 12 guest, under
# systemd, as lwtest.service. Boot 1 installs the package and enables the system unit the way
# a person would, then reboots; boot 2 checks that the unit came back by itself with the same
# host identity.
# Output: every line to /dev/ttyS1 (the host's out.log), one verdict line
# "LWTEST_BOOT<n>=PASS|FAIL" to /dev/ttyS2 (status.log). Then it reboots (boot 1 passed) or powers off.
set -u

UNIT=lightwell-system.service
HTTP_PORT=47989            # default base port P: nvhttp HTTP (docs/configuration.md, Ports)
WAIT_S=120                 # generous: everything is slow under TCG (5-15x)
MARK=/var/lib/lwtest

stty -F /dev/ttyS1 raw -echo 2>/dev/null
stty -F /dev/ttyS2 raw -echo 2>/dev/null
exec >/dev/ttyS1 2>&1

failures=0
check() { # check NAME CONDITION-RESULT(0/1) DETAIL
  if [ "$2" -eq 0 ]; then echo "CHECK PASS $1${3:+: $3}"; else
    echo "CHECK FAIL $1${3:+: $3}"; failures=$((failures + 1)); fi
}
# warn NAME CONDITION-RESULT DETAIL: reported, not counted (a fact worth knowing that the
# "Done means" does not require).
warn() {
  if [ "$2" -eq 0 ]; then echo "CHECK PASS $1${3:+: $3}"; else echo "CHECK WARN $1${3:+: $3}"; fi
}
step() { echo "=== [$(cut -d" " -f1 /proc/uptime) s] $*"; }
finish() {
  local boot=$1 verdict=PASS
  [ "$failures" -eq 0 ] || verdict=FAIL
  step "systemctl status $UNIT"
  SYSTEMD_COLORS=0 systemctl status --no-pager -l "$UNIT" 2>&1
  step "journalctl -u $UNIT -b"
  journalctl --no-pager -o short-monotonic -u "$UNIT" -b 2>&1 | tail -n 200
  step "systemctl --failed"
  systemctl --failed --no-pager 2>&1
  echo "LWTEST_BOOT${boot}=${verdict} failures=${failures}"
  echo "LWTEST_BOOT${boot}=${verdict}" >/dev/ttyS2
  sync
  # A real reboot after a good boot 1 (systemd stops everything, the machine resets, the
  # kernel boots again from the same disk); otherwise the run is over.
  if [ "$boot" = 1 ] && [ "$verdict" = PASS ]; then systemctl reboot; else systemctl poweroff; fi
  exit 0
}

# GET /serverinfo over plain HTTP and print the <uniqueid> (http-pairing.md: serverinfo is
# answered without pairing). bash's /dev/tcp: the image needs no HTTP client.
uniqueid() {
  local reply
  exec 3<>"/dev/tcp/127.0.0.1/${HTTP_PORT}" 2>/dev/null || return 1
  printf 'GET /serverinfo HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
  reply=$(timeout 20 cat <&3)
  exec 3<&-
  reply=${reply#*<uniqueid>}
  [ "$reply" != "${reply%%</uniqueid>*}" ] || return 1
  reply=${reply%%</uniqueid>*}
  [ -n "$reply" ] && printf '%s\n' "$reply"
}

main_pid() { systemctl show -p MainPID --value "$UNIT"; }

# Waits until the unit is active and serverinfo answers; prints the uniqueid.
wait_serving() {
  local i id
  for ((i = 0; i < WAIT_S; i++)); do
    if [ "$(systemctl is-active "$UNIT")" = active ] && id=$(uniqueid); then
      printf '%s\n' "$id"; return 0
    fi
    sleep 1
  done
  return 1
}

# Checks every boot makes about what the package set up. $1: check (or warn) for /dev/uinput:
# right after the install the package's postinst must have loaded the module and re-triggered
# udev; after a reboot modules-load.d and the udev rule must have done it.
check_running_setup() {
  local uinput_check=$1 pid user mode
  pid=$(main_pid)
  user=$(stat -c %U "/proc/$pid" 2>/dev/null)
  check "server runs as the dedicated user (sysusers.d)" "$([ "$user" = lightwell ]; echo $?)" "pid $pid user '$user'"
  mode=$(stat -c '%U %a' /var/lib/lightwell 2>/dev/null)
  check "state directory /var/lib/lightwell lightwell 700 (StateDirectory=)" "$([ "$mode" = 'lightwell 700' ]; echo $?)" "$mode"
  check "host identity persisted in the state directory" "$([ -s /var/lib/lightwell/identity.json ]; echo $?)"
  mode=$(stat -c '%G %a' /dev/uinput 2>/dev/null)
  "$uinput_check" "/dev/uinput group uinput 660 (modules-load.d + udev rule)" "$([ "$mode" = 'uinput 660' ]; echo $?)" "$mode"
}

step "lwtest: waiting for boot to finish"
state=$(timeout 600 systemctl is-system-running --wait 2>&1)
echo "system state: $state"
uname -a

if [ ! -e "$MARK/boot1.done" ]; then
  # ---------------- boot 1: install, enable, restart ----------------
  mkdir -p "$MARK"
  # The package comes on a second disk (/dev/vdb), so the cached base image serves every run.
  mkdir -p /opt/lwtest/payload
  mount -o ro /dev/vdb /opt/lwtest/payload
  check "package disk mounted" $? "/dev/vdb"
  cp /opt/lwtest/payload/lightwell.deb /opt/lwtest/lightwell.deb
  umount /opt/lwtest/payload
  # No --no-download: apt "downloads" a local .deb into its cache too (and refuses with
  # --no-download); the guest has no network, so a dependency missing from the cache fails.
  step "apt-get install /opt/lwtest/lightwell.deb (offline: the dependencies are installed already)"
  DEBIAN_FRONTEND=noninteractive apt-get install -q -y -o Dpkg::Progress-Fancy=0 \
    /opt/lwtest/lightwell.deb 2>&1
  check "package installs with its dependencies" $? "apt-get install"
  dpkg-query -W lightwell >/dev/null 2>&1 || finish 1
  dpkg-query -W -f='${Status} ${Version}\n' lightwell
  check "lightwell binary runs" "$(/usr/bin/lightwell version >/dev/null 2>&1; echo $?)" "$(/usr/bin/lightwell version 2>&1 | head -n 1)"
  check "user lightwell exists" "$(getent passwd lightwell >/dev/null; echo $?)" "$(id lightwell 2>&1)"

  step "systemctl enable --now $UNIT"
  systemctl enable --now "$UNIT" 2>&1
  check "systemctl enable --now" $? ""
  check "unit is enabled" "$([ "$(systemctl is-enabled "$UNIT")" = enabled ]; echo $?)" "$(systemctl is-enabled "$UNIT")"
  if id1=$(wait_serving); then check "active and serving after enable --now" 0 "uniqueid $id1"
  else check "active and serving after enable --now" 1 "$(systemctl is-active "$UNIT")"; finish 1; fi
  check_running_setup check

  pid_before=$(main_pid)
  step "systemctl restart $UNIT"
  systemctl restart "$UNIT" 2>&1
  check "systemctl restart" $? ""
  if id2=$(wait_serving); then check "active and serving after restart" 0 "uniqueid $id2"
  else check "active and serving after restart" 1 "$(systemctl is-active "$UNIT")"; finish 1; fi
  pid_after=$(main_pid)
  check "restart started a new process" "$([ "$pid_after" != "$pid_before" ]; echo $?)" "pid $pid_before -> $pid_after"
  check "same uniqueid after restart" "$([ "$id2" = "$id1" ]; echo $?)" "$id1 / $id2"

  # Restart=on-failure: a crash (SIGKILL is not one of the clean signals, systemd.service(5))
  # brings the server back by itself after RestartSec=.
  step "kill -KILL main process"
  kill -KILL "$pid_after"
  sleep 1
  if id3=$(wait_serving); then check "back by itself after a crash (Restart=on-failure)" 0 "uniqueid $id3"
  else check "back by itself after a crash (Restart=on-failure)" 1 "$(systemctl is-active "$UNIT")"; finish 1; fi
  nrestarts=$(systemctl show -p NRestarts --value "$UNIT")
  check "systemd counted the automatic restart" "$([ "$nrestarts" = 1 ]; echo $?)" "NRestarts=$nrestarts"
  check "same uniqueid after the crash" "$([ "$id3" = "$id1" ]; echo $?)" "$id3"

  printf '%s\n' "$id1" >"$MARK/uniqueid"
  cat /proc/sys/kernel/random/boot_id >"$MARK/boot_id"
  touch "$MARK/boot1.done"
  finish 1
else
  # ---------------- boot 2: cold start, nobody starts the unit ----------------
  expected=$(cat "$MARK/uniqueid")
  old_boot=$(cat "$MARK/boot_id") new_boot=$(cat /proc/sys/kernel/random/boot_id)
  check "this is a new boot (kernel boot_id changed)" "$([ "$old_boot" != "$new_boot" ]; echo $?)" "$old_boot -> $new_boot"
  # Only wait here: the unit must have been started by multi-user.target (WantedBy=).
  if id=$(wait_serving); then check "active and serving after a reboot, started by systemd" 0 "uniqueid $id"
  else check "active and serving after a reboot, started by systemd" 1 "$(systemctl is-active "$UNIT")"; finish 2; fi
  check "same uniqueid as before the reboot (state persisted)" "$([ "$id" = "$expected" ]; echo $?)" "$expected / $id"
  check_running_setup check
  # Type=notify: active means systemd got READY=1 (systemd.service(5), Type=notify). With
  # WatchdogSec= systemd kills a server that stops sending WATCHDOG=1 within that time, so
  # stay until the server has been up for 1.5 watchdog periods: it must still be the same
  # process, never restarted (NRestarts counts only automatic restarts, reset at boot).
  type=$(systemctl show -p Type --value "$UNIT")
  warn "unit is Type=notify (active = READY=1 received)" "$([ "$type" = notify ]; echo $?)" "Type=$type"
  echo "StatusText: $(systemctl show -p StatusText --value "$UNIT")"
  # The raw microseconds over D-Bus ("t 30000000"); systemctl show formats them ("30s").
  wd_us=$(busctl get-property org.freedesktop.systemd1 \
    /org/freedesktop/systemd1/unit/lightwell_2dsystem_2eservice \
    org.freedesktop.systemd1.Service WatchdogUSec 2>/dev/null | awk '{print $2}')
  case $wd_us in ''|*[!0-9]*) wd_s=0 ;; *) wd_s=$(( wd_us / 1000000 )) ;; esac
  if [ "$wd_s" -gt 0 ]; then
    pid=$(main_pid)
    since=$(systemctl show -p ActiveEnterTimestampMonotonic --value "$UNIT")
    now=$(cut -d' ' -f1 /proc/uptime | tr -d .)0000   # centiseconds -> microseconds
    left=$(( (since + wd_s * 1500000 - now) / 1000000 ))
    step "watchdog ${wd_s}s: staying ${left}s until the server has been up 1.5 periods"
    [ "$left" -le 0 ] || sleep "$left"
    nr=$(systemctl show -p NRestarts --value "$UNIT")
    check "watchdog kept happy (same process, NRestarts=0, active)" \
      "$([ "$(main_pid)" = "$pid" ] && [ "$nr" = 0 ] && [ "$(systemctl is-active "$UNIT")" = active ]; echo $?)" \
      "pid $pid -> $(main_pid), NRestarts=$nr"
  fi
  # The previous boot's shutdown stopped the server with SIGTERM; systemd logs
  # "Deactivated successfully" for a clean exit, "Failed with result ..." otherwise.
  last=$(journalctl --no-pager -b -1 -u "$UNIT" -o cat 2>/dev/null | grep -E 'Deactivated successfully|Failed with result' | tail -n 1)
  check "clean stop at the previous shutdown" "$([[ "$last" == *'Deactivated successfully'* ]]; echo $?)" "${last:-no journal of boot -1}"
  finish 2
fi
