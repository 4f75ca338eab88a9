# Assertions for tests/packaging/parse-nix.sh: evaluates to the list of failed checks
# (empty = all good). Facts: docs/configuration.md "Ports" (TCP P-5, P, P+1, P+21;
# UDP P+9, P+10, P+11) and issue 9 (Type=notify, Restart=on-failure, cap_sys_admin+p).
let
  stub = import ./stub-nixpkgs.nix;
  check = name: ok: if ok then [ ] else [ name ];

  default = import ./eval-module.nix { };
  other = import ./eval-module.nix { basePort = 50000; webUi = false; capSysAdmin = true; autoStart = false; };
  closed = import ./eval-module.nix { openFirewall = false; };

  flake = import ../../packaging/nix/flake.nix;
  nixpkgs = {
    lib = stub.lib;
    legacyPackages = stub.lib.genAttrs [ "x86_64-linux" "aarch64-linux" ] (system: {
      callPackage = path: args: { inherit path args; };
      nixfmt-rfc-style = "nixfmt";
      stdenv.hostPlatform.system = system;
    });
  };
  outputs = flake.outputs { self = outputs // { outPath = ../../packaging/nix; }; inherit nixpkgs; };

  # package.nix called with every dependency as its own name, mkDerivation as a fixed point.
  packageFn = import ../../packaging/nix/package.nix;
  pkgLib = stub.lib // {
    cleanSource = p: p;
    cmakeBool = name: value: "-D${name}:BOOL=${if value then "TRUE" else "FALSE"}";
    platforms.linux = [ "x86_64-linux" ];
  };
  package = packageFn (builtins.mapAttrs (name: _: name) (builtins.functionArgs packageFn) // {
    lib = pkgLib;
    stdenv.mkDerivation = f: let attrs = f attrs; in attrs;
  });
  wantedDeps = [ "boost" "openssl" "enet" "libopus" "pipewire" "libdrm" "libva" "libvpl" "x264"
                 "x265" "svt-av1" "libevdev" "avahi" "tomlplusplus" "spdlog" ];
in
check "module declares enable, package, openFirewall, capSysAdmin, autoStart, settings, applications"
  (default.optionNames == [ "applications" "autoStart" "capSysAdmin" "enable" "openFirewall" "package" "settings" ])
++ check "default base port: TCP 47984 47989 47990 48010" (default.tcp == [ 47984 47989 47990 48010 ])
++ check "default base port: UDP 47998 47999 48000" (default.udp == [ 47998 47999 48000 ])
++ check "base 50000 without web UI: TCP 49995 50000 50021" (other.tcp == [ 49995 50000 50021 ])
++ check "base 50000: UDP 50009 50010 50011" (other.udp == [ 50009 50010 50011 ])
++ check "openFirewall = false opens nothing" (closed.tcp == [ ] && closed.udp == [ ])
++ check "settings reach the TOML file, applications appended to apps.list"
  (default.settings.server.base_port == 47989 && default.settings.apps.desktop
   && map (a: a.name) default.settings.apps.list == [ "Steam Big Picture" "Terminal" ]
   && !(default.settings.apps.list ? cmd) && (builtins.elemAt default.settings.apps.list 1).cmd == [ "foot" ]
   && !((builtins.head default.settings.apps.list) ? cmd))
++ check "ExecStart runs the package's binary with serve" (default.command == "serve"
   && default.executable == "${stub.pkgs.lightwell.outPath}/bin/lightwell")
++ check "no wrapper without capSysAdmin" (default.wrapper == null)
++ check "capSysAdmin: wrapper cap_sys_admin+p from the package, service runs it"
  (other.wrapper.capabilities == "cap_sys_admin+p" && other.wrapper.source == default.executable
   && other.executable == "/run/wrappers/bin/lightwell")
++ check "autoStart: wanted by graphical-session.target, else by nothing"
  (default.wantedBy == [ "graphical-session.target" ] && other.wantedBy == [ ])
++ check "Type=notify, Restart=on-failure, watchdog" (default.Type == "notify" && default.Restart == "on-failure" && default.WatchdogSec != null)
++ check "uinput loaded at boot" (default.kernelModules == [ "uinput" ])
++ check "flake: packages.<system>.lightwell and default from package.nix"
  (outputs.packages.x86_64-linux.lightwell.path == ../../packaging/nix/package.nix
   && outputs.packages.aarch64-linux.default == outputs.packages.aarch64-linux.lightwell)
++ check "flake: nixosModules.lightwell imports module.nix and sets the package"
  (let m = outputs.nixosModules.lightwell { lib = stub.lib; pkgs = nixpkgs.legacyPackages.x86_64-linux; };
   in m.imports == [ ../../packaging/nix/module.nix ]
      && m.services.lightwell.package.content == outputs.packages.x86_64-linux.lightwell
      && outputs.nixosModules ? default)
++ check "package: pname lightwell, every dependency by its nixpkgs name"
  (package.pname == "lightwell" && builtins.all (d: builtins.elem d package.buildInputs) wantedDeps
   && package.nativeBuildInputs == [ "cmake" "ninja" "pkg-config" ] && package.nativeCheckInputs == [ "catch2" ])
++ check "package: no tests/bench in the Nix build, -Werror off"
  (builtins.elem "-DLIGHTWELL_BUILD_TESTS:BOOL=FALSE" package.cmakeFlags
   && builtins.elem "-DLIGHTWELL_BUILD_BENCH:BOOL=FALSE" package.cmakeFlags
   && builtins.elem "-DLIGHTWELL_WERROR:BOOL=FALSE" package.cmakeFlags)
