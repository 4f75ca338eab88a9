# Lightwell flake: the package and the NixOS module services.lightwell (docs/packaging.md).
# The flake lives in packaging/nix; build it from the repository root with
#   nix build 'git+file:.?dir=packaging/nix'
# (git+file copies the whole repository, so package.nix can use ../.. as its source).
{
  description = "Lightwell: Moonlight-compatible game streaming host";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      packages = forAllSystems (pkgs: rec {
        lightwell = pkgs.callPackage ./package.nix { };
        default = lightwell;
      });

      overlays.default = final: prev: {
        lightwell = final.callPackage ./package.nix { };
      };

      # The module alone takes its package from pkgs.lightwell when present; this wrapper
      # makes the flake's own build the default so no overlay is needed.
      nixosModules.lightwell =
        { lib, pkgs, ... }:
        {
          imports = [ ./module.nix ];
          services.lightwell.package = lib.mkDefault self.packages.${pkgs.stdenv.hostPlatform.system}.lightwell;
        };
      nixosModules.default = self.nixosModules.lightwell;

      formatter = forAllSystems (pkgs: pkgs.nixfmt-rfc-style);
    };
}
