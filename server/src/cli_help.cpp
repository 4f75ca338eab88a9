// Help pages (kept in step with docs/cli.md).
#include "lightwell/server/cli.hpp"

namespace lightwell::server {
namespace {

constexpr std::string_view kGlobal = R"(Global options (before or after the command):
  --config FILE       configuration file (TOML). Default:
                      $CONFIGURATION_DIRECTORY/lightwell.toml (systemd
                      ConfigurationDirectory=), else /etc/lightwell/lightwell.toml
                      as root, else $XDG_CONFIG_HOME/lightwell/lightwell.toml
                      (~/.config/lightwell/lightwell.toml); built-in defaults if absent.
  --state-dir DIR     state directory (host identity, paired clients, control socket).
                      Default: $STATE_DIRECTORY (systemd), /var/lib/lightwell as root,
                      else $XDG_STATE_HOME/lightwell (~/.local/state/lightwell).
  --log-level LEVEL   trace, debug, info, warn or error (default: info, or [server]
                      log_level from the configuration).
  -h, --help          show help for the command.
)";

constexpr std::string_view kOverview = R"(lightwell - a Moonlight (GameStream) streaming host

Usage: lightwell [OPTIONS] COMMAND [ARGS]

Commands:
  serve                      run the host until SIGINT/SIGTERM
  pair PIN [--name NAME]     enter the PIN Moonlight shows, to pair that client
  clients list               list paired clients
  clients unpair NAME|ID     forget a paired client
  probe                      report what this machine offers (KMS, encoders, audio, input)
  doctor                     check this machine and print the fix for each problem
  display edid|kernel-params|install
                             headless guests: EDID blob and kernel parameters
  admin set-password [--user NAME]
                             set the web page's administrator password
  admin status               say whether a web password is set
  version                    print the version
  help [COMMAND]             show help for a command

)";

constexpr std::string_view kServe = R"(Usage: lightwell serve [OPTIONS]

Runs the streaming host: loads the configuration (or the built-in defaults), opens the
state directory (creating the host identity on first start), logs a start-up summary
(name, uniqueid, every port, state directory, apps) and runs until SIGINT or SIGTERM,
then shuts down cleanly with exit status 0.
Ports all derive from [server] base_port P (default 47989): HTTPS P-5, HTTP P, web P+1,
video UDP P+9, control UDP P+10, audio UDP P+11, RTSP P+21.
Exit status: 0 after a clean shutdown, 1 if start-up failed (one message with the fix).

)";

constexpr std::string_view kPair = R"(Usage: lightwell pair PIN [--name NAME] [OPTIONS]

Pairs the Moonlight client that is currently showing PIN: add the host in Moonlight, then
run this with the 4-digit PIN it displays. The PIN goes to the running server over its
control socket (control.sock in the state directory, reachable only by the service user).
  PIN           exactly 4 digits
  --name NAME   name to store for the client (default: the name the client sends)
Exit status: 0 paired, 1 not paired (server not running, no pairing attempt pending,
wrong PIN), 2 usage error.

)";

constexpr std::string_view kClients = R"(Usage: lightwell clients list [OPTIONS]
       lightwell clients unpair NAME|ID [OPTIONS]

list     prints every paired client: id, name, first and last seen (UTC).
unpair   forgets the client whose id (16 hex digits, from `clients list`) or name matches;
         a name shared by several clients must be given as an id. The client must pair
         again to connect.
With a server running, both go through its control socket (an unpair takes effect at
once); without one, they work on the state directory directly.
Exit status: 0 done, 1 no such client or unreadable state, 2 usage error.

)";

constexpr std::string_view kProbe = R"(Usage: lightwell probe [OPTIONS]

Reports what this machine offers, without changing anything:
  capture  DRM cards under /dev/dri (driver, connectors, lit CRTCs) for KMS capture
  encode   software encoders compiled in, VA-API render nodes
  audio    PipeWire socket reachability, Opus library version
  input    /dev/uinput present and writable, with the fix when it is not
Exit status: 0 (the report itself says what is missing).

)";

constexpr std::string_view kDoctor = R"(Usage: lightwell doctor [OPTIONS]

Checks the machine for running the host and prints one block per check: ok, problem or
skipped (with the reason), and for each problem the exact fix (a command or a configuration
line). Nothing is changed. Checks: state directory (owner, mode 0700, files readable), ports
of the configured base port free (or held by a lightwell running on this state directory),
firewall (nftables input chains; "cannot tell" rather than a guess), DRM card and a lit
connector, CAP_SYS_ADMIN (process and file capability), VA-API drivers and Intel
low-power/HuC encoding, the oneVPL GPU runtime, PipeWire, /dev/uinput, Avahi, web
credentials (a password set for the web page). Run it as the user the service runs as; the firewall
needs root to read.
Exit status: 0 no problem found, 1 at least one problem, 2 usage error.

)";

constexpr std::string_view kDisplay = R"(Usage: lightwell display edid --mode WxH[@HZ] [--mode ...] [--name NAME] [--output FILE]
       lightwell display kernel-params --connector CONN [--firmware FILE]
       lightwell display install --connector CONN --mode WxH[@HZ] [...] [--name NAME]
                                 [--firmware FILE]

Lights a connector on a machine with no monitor (a VM with a passed-through GPU), so KMS
capture has a screen to read (docs/display.md).
edid            writes an EDID 1.4 blob (CVT reduced-blanking timings; the first --mode is
                the preferred one; up to 8 modes, refresh defaults to 60) to FILE or to
                standard output (never to a terminal).
kernel-params   prints drm.edid_firmware=CONN:FILE video=CONN:e
install         writes the EDID to /lib/firmware/FILE (atomically; needs root) and prints
                what to add to the kernel command line and the initramfs. It never edits
                the boot loader.
  --mode WxH[@HZ]   e.g. 1920x1080@60, 3840x2160@30 (repeat for more modes)
  --name NAME       monitor name in the EDID, up to 13 ASCII characters (default Lightwell)
  --connector CONN  kernel connector name as `lightwell probe` lists it (HDMI-A-1, DP-1)
  --firmware FILE   path under /lib/firmware (default edid/lightwell.bin)
Exit status: 0 done, 1 failure (cannot write), 2 usage error.

)";

constexpr std::string_view kAdmin = R"(Usage: lightwell admin set-password [--user NAME] [OPTIONS]
       lightwell admin status [OPTIONS]

The web page (https://<host>:P+1/, [network] web_ui) has no account until you set one here;
nobody can claim it from the browser (docs/web.md).
set-password   asks for the password twice on the terminal (no echo), or reads one line
               from standard input when it is not a terminal:
                 echo 'long passphrase' | lightwell admin set-password
               At least 8 characters. Stored in <state dir>/admin.json (mode 0600) as a
               salted scrypt hash; a running server uses it at the next login.
  --user NAME  account name (default admin): letters, digits, '.', '_', '-'
status         says whether a password is set, and for which users.
Exit status: 0 done / set, 1 failure / no password set, 2 usage error.

)";

constexpr std::string_view kVersion = R"(Usage: lightwell version

Prints "lightwell <version>".

)";

constexpr std::string_view kHelp = R"(Usage: lightwell help [COMMAND]

Shows the overview, or the help page of COMMAND (same as `lightwell COMMAND --help`).

)";

// One static string per page: overview/command text followed by the global options.
template <const std::string_view& A>
std::string_view with_global() {
  static const std::string page = std::string(A) + std::string(kGlobal);
  return page;
}

}  // namespace

std::optional<std::string_view> help_text(std::string_view topic) {
  if (topic.empty()) return with_global<kOverview>();
  if (topic == "serve") return with_global<kServe>();
  if (topic == "pair") return with_global<kPair>();
  if (topic == "clients") return with_global<kClients>();
  if (topic == "probe") return with_global<kProbe>();
  if (topic == "doctor") return with_global<kDoctor>();
  if (topic == "version") return with_global<kVersion>();
  if (topic == "display") return with_global<kDisplay>();
  if (topic == "help") return with_global<kHelp>();
  if (topic == "admin") return with_global<kAdmin>();
  return std::nullopt;
}

}  // namespace lightwell::server
