# A tiny stand-in for the parts of nixpkgs' lib and pkgs that packaging/nix/*.nix use, so
# tests/packaging/parse-nix.sh can evaluate the module's own logic (ports, TOML settings,
# ExecStart, wrapper) with a bare nix-instantiate and no network. It does not implement
# the module system: option declarations evaluate to their arguments, mkIf/mkDefault to
# markers, and the test passes a fully merged `config` by hand.
rec {
  lib = rec {
    mkOption = args: { _option = args; };
    mkEnableOption = name: mkOption { default = false; description = "Whether to enable ${name}."; };
    literalExpression = text: { _type = "literalExpression"; inherit text; };
    mkIf = condition: content: { _type = "if"; inherit condition content; };
    mkDefault = value: { _type = "override"; priority = 1000; content = value; };
    optional = cond: x: if cond then [ x ] else [ ];
    optionalAttrs = cond: attrs: if cond then attrs else { };
    filterAttrs = pred: set:
      builtins.listToAttrs (builtins.filter (e: pred e.name e.value)
        (map (name: { inherit name; value = set.${name}; }) (builtins.attrNames set)));
    getExe = drv: "${drv.outPath}/bin/${drv.meta.mainProgram}";
    genAttrs = names: f: builtins.listToAttrs (map (name: { inherit name; value = f name; }) names);
    types = {
      str = "str"; bool = "bool"; package = "package";
      ints.between = lo: hi: { between = [ lo hi ]; };
      nullOr = t: { nullOr = t; };
      listOf = t: { listOf = t; };
      submodule = m: { submodule = m; };
    };
  };
  pkgs = {
    lightwell = {
      outPath = "/nix/store/00000000000000000000000000000000-lightwell-0.1.0";
      meta.mainProgram = "lightwell";
    };
    formats.toml = _: {
      type = "toml value";
      # The rendered file's name plus the settings as JSON, so the test can check them.
      generate = name: value: "/nix/store/toml-${name}:" + builtins.toJSON value;
    };
  };
}
