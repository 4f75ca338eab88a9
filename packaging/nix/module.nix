# NixOS module: services.lightwell (docs/packaging.md has an example configuration).
# Runs Lightwell as a systemd USER service of the logged-in (auto-login) user, where PipeWire
# and the compositor live; the same unit as packaging/systemd/lightwell.service.
{ config, lib, pkgs, ... }:

let
  cfg = config.services.lightwell;
  settingsFormat = pkgs.formats.toml { };

  # docs/configuration.md, "Ports": every port derives from the base port P.
  basePort = cfg.settings.server.base_port;
  tcpPorts = [ (basePort - 5) basePort ]              # nvhttp HTTPS, nvhttp HTTP
    ++ lib.optional cfg.settings.network.web_ui (basePort + 1)  # web UI (HTTPS)
    ++ [ (basePort + 21) ];                           # RTSP
  udpPorts = [ (basePort + 9) (basePort + 10) (basePort + 11) ];  # video, control (ENet), audio

  # TOML has no null: unset optional app fields are left out.
  renderApp = app: lib.filterAttrs (_: v: v != null) app;
  apps = cfg.settings.apps or { };
  finalSettings = cfg.settings // lib.optionalAttrs (cfg.applications != [ ]) {
    apps = apps // { list = (apps.list or [ ]) ++ map renderApp cfg.applications; };
  };
  configFile = settingsFormat.generate "lightwell.toml" finalSettings;

  # With capSysAdmin the service runs the capability wrapper instead of the store binary.
  executable = if cfg.capSysAdmin then "${config.security.wrapperDir}/lightwell" else lib.getExe cfg.package;

  appType = lib.types.submodule {
    freeformType = settingsFormat.type;
    options = {
      name = lib.mkOption {
        type = lib.types.str;
        description = "Name shown in Moonlight; unique, `Desktop` is taken while `apps.desktop` is true.";
      };
      cmd = lib.mkOption {
        type = lib.types.nullOr (lib.types.listOf lib.types.str);
        default = null;
        example = [ "steam" "-bigpicture" ];
        description = ''
          Main command as a list of arguments, run without a shell; the session ends when it
          exits. null: stream without running anything. Other keys (detached, prep,
          working_dir, image, shell) are passed through as written; see docs/configuration.md.
        '';
      };
    };
  };
in
{
  options.services.lightwell = {
    enable = lib.mkEnableOption "Lightwell, a Moonlight-compatible game streaming host";

    package = lib.mkOption {
      type = lib.types.package;
      default = pkgs.lightwell or (pkgs.callPackage ./package.nix { });
      defaultText = lib.literalExpression "pkgs.lightwell or the package built from this repository";
      description = "The Lightwell package to run.";
    };

    openFirewall = lib.mkOption {
      type = lib.types.bool;
      default = false;
      description = ''
        Open the ports derived from `settings.server.base_port` (P): TCP P-5, P, P+1 (only
        with the web UI on) and P+21; UDP P+9, P+10 and P+11.
      '';
    };

    capSysAdmin = lib.mkOption {
      type = lib.types.bool;
      default = false;
      description = ''
        Install a wrapper with cap_sys_admin in its permitted set and run the service
        through it. KMS capture needs CAP_SYS_ADMIN for the framebuffer handles of
        drmModeGetFB2; the server drops it after start-up. Without it only capture paths
        that need no capability work.
      '';
    };

    autoStart = lib.mkOption {
      type = lib.types.bool;
      default = true;
      description = ''
        Start with the graphical session (WantedBy=graphical-session.target). false: start
        by hand with `systemctl --user start lightwell`.
      '';
    };

    settings = lib.mkOption {
      default = { };
      description = ''
        Configuration written to lightwell.toml (docs/configuration.md lists every key;
        unknown keys stop start-up). Relative paths would be relative to the Nix store:
        use absolute paths.
      '';
      example = lib.literalExpression ''
        {
          server.name = "Living Room";
          video.encoder = "vaapi";
          audio.max_channels = 6;
        }
      '';
      type = lib.types.submodule {
        freeformType = settingsFormat.type;
        # Declared because the firewall ports are computed from them; defaults as the server's.
        options.server = lib.mkOption {
          default = { };
          description = "The [server] table.";
          type = lib.types.submodule {
            freeformType = settingsFormat.type;
            options.base_port = lib.mkOption {
              type = lib.types.ints.between 6 65514;
              default = 47989;
              description = "Base port P; every other port derives from it.";
            };
          };
        };
        options.network = lib.mkOption {
          default = { };
          description = "The [network] table.";
          type = lib.types.submodule {
            freeformType = settingsFormat.type;
            options.web_ui = lib.mkOption {
              type = lib.types.bool;
              default = true;
              description = "Serve the web UI (PIN entry, paired clients) on TCP P+1.";
            };
          };
        };
      };
    };

    applications = lib.mkOption {
      type = lib.types.listOf appType;
      default = [ ];
      example = lib.literalExpression ''
        [
          { name = "Steam Big Picture"; detached = [ [ "steam" "steam://open/bigpicture" ] ]; }
          { name = "Terminal"; cmd = [ "foot" ]; }
        ]
      '';
      description = ''
        Apps offered after Desktop, appended to `settings.apps.list` in this order
        (the `[[apps.list]]` blocks of docs/configuration.md).
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    environment.systemPackages = [ cfg.package ];  # lightwell pair / clients / doctor

    # Client input through /dev/uinput: the module loaded at boot, the rule from the package
    # (group uinput, uaccess ACL for the seat's user).
    boot.kernelModules = [ "uinput" ];
    users.groups.uinput = { };
    services.udev.packages = [ cfg.package ];

    # Moonlight finds the host over mDNS; the server publishes through avahi-daemon.
    services.avahi = {
      enable = lib.mkDefault true;
      publish.enable = lib.mkDefault true;
      publish.userServices = lib.mkDefault true;
    };

    networking.firewall = lib.mkIf cfg.openFirewall {
      allowedTCPPorts = tcpPorts;
      allowedUDPPorts = udpPorts;
    };

    security.wrappers = lib.mkIf cfg.capSysAdmin {
      lightwell = {
        owner = "root";
        group = "root";
        capabilities = "cap_sys_admin+p";
        source = lib.getExe cfg.package;
      };
    };

    systemd.user.services.lightwell = {
      description = "Lightwell game streaming host (user session)";
      # Started with the session so the compositor's WAYLAND_DISPLAY/DISPLAY are imported;
      # launched apps inherit the server's environment.
      wantedBy = lib.optional cfg.autoStart "graphical-session.target";
      partOf = [ "graphical-session.target" ];
      after = [ "graphical-session.target" "pipewire.service" "wireplumber.service" ];
      wants = [ "pipewire.service" ];
      restartTriggers = [ configFile ];
      serviceConfig = {
        # READY/WATCHDOG/STOPPING/STATUS through sd_notify (docs/packaging.md).
        Type = "notify";
        NotifyAccess = "main";
        ExecStart = "${executable} serve --config ${configFile}";
        Restart = "on-failure";
        RestartSec = "2s";
        WatchdogSec = "30s";
        # The server stops its apps and runs their undo commands itself.
        KillMode = "mixed";
        TimeoutStopSec = "15s";
        # No namespace sandboxing here: in a user manager it implies PrivateUsers= and
        # NoNewPrivileges=, which would void the capability wrapper, and the apps launched
        # by the server (Steam, games) inherit it. See packaging/systemd/lightwell.service.
      };
    };
  };
}
