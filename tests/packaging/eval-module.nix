# Evaluates packaging/nix/module.nix against tests/packaging/stub-nixpkgs.nix with a given
# services.lightwell configuration and returns what the checks in parse-nix.sh compare.
{ basePort ? 47989, webUi ? true, capSysAdmin ? false, autoStart ? true, openFirewall ? true }:
let
  stub = import ./stub-nixpkgs.nix;
  cfg = {
    enable = true;
    package = stub.pkgs.lightwell;
    inherit openFirewall capSysAdmin autoStart;
    settings = {
      server = { base_port = basePort; name = "Living Room"; };
      network.web_ui = webUi;
      apps.desktop = true;
    };
    applications = [
      { name = "Steam Big Picture"; cmd = null; detached = [ [ "steam" "steam://open/bigpicture" ] ]; }
      { name = "Terminal"; cmd = [ "foot" ]; }
    ];
  };
  module = import ../../packaging/nix/module.nix {
    inherit (stub) lib pkgs;
    config = { services.lightwell = cfg; security.wrapperDir = "/run/wrappers/bin"; };
  };
  out = module.config.content;
  service = out.systemd.user.services.lightwell;
  execStart = service.serviceConfig.ExecStart;
  configArg = builtins.elemAt (builtins.split " --config " execStart) 2;
in
{
  optionNames = builtins.attrNames module.options.services.lightwell;
  enabledWhen = module.config.condition;
  tcp = if out.networking.firewall.condition then out.networking.firewall.content.allowedTCPPorts else [ ];
  udp = if out.networking.firewall.condition then out.networking.firewall.content.allowedUDPPorts else [ ];
  executable = builtins.head (builtins.split " " execStart);
  command = builtins.elemAt (builtins.split " " execStart) 2;
  settings = builtins.fromJSON (builtins.elemAt (builtins.split "toml-lightwell.toml:" configArg) 2);
  wrapper = if out.security.wrappers.condition then out.security.wrappers.content.lightwell else null;
  wantedBy = service.wantedBy;
  inherit (service.serviceConfig) Type Restart WatchdogSec;
  kernelModules = out.boot.kernelModules;
}
