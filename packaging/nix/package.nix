# The Lightwell package, built with CMake from this source tree. Called by flake.nix (and by
# module.nix as its default): pkgs.callPackage ./package.nix { }.
# Dependencies use their nixpkgs attribute names.
{
  lib,
  stdenv,
  cmake,
  ninja,
  pkg-config,
  boost,
  openssl,
  enet,
  libopus,
  pipewire,
  libdrm,
  libva,
  libvpl,
  x264,
  x265,
  svt-av1,
  libevdev,
  avahi,
  tomlplusplus,
  spdlog,
  fmt,
  tl-expected,
  catch2,
  # The repository root; lib.cleanSource leaves out .git and editor/result files.
  src ? lib.cleanSource ../..,
}:

stdenv.mkDerivation (finalAttrs: {
  pname = "lightwell";
  # Keep in step with project(lightwell VERSION ...) in the top-level CMakeLists.txt.
  version = "0.1.0";
  inherit src;

  nativeBuildInputs = [ cmake ninja pkg-config ];

  buildInputs = [
    boost          # net (Asio, Beast), server (Boost.JSON); 1.81 or newer
    openssl        # proto_crypto, TLS
    enet           # control stream
    libopus        # audio
    pipewire       # audio capture
    libdrm         # KMS capture
    libva          # VA-API encoding
    libvpl         # oneVPL (QSV) encoding
    x264           # software H.264
    x265           # software HEVC (not linked yet; kept so the encode issue needs no change here)
    svt-av1        # software AV1 (same)
    libevdev       # uinput devices
    avahi          # mDNS publishing (avahi-client)
    tomlplusplus   # configuration
    spdlog         # logging
    fmt            # log formatting (public dependency of server/log.hpp)
    tl-expected    # proto's Result<T>
  ];

  # The unit tests need a PipeWire daemon, an Avahi daemon and loopback networking, which the
  # Nix sandbox does not have; CI runs them (tests/). Catch2 v2 is the nixpkgs `catch2`.
  doCheck = false;
  nativeCheckInputs = [ catch2 ];

  cmakeFlags = [
    (lib.cmakeBool "LIGHTWELL_BUILD_TESTS" finalAttrs.doCheck)
    (lib.cmakeBool "LIGHTWELL_BUILD_BENCH" false)
    # A newer compiler than CI's g++ 12 may add warnings; they must not fail a user's build.
    (lib.cmakeBool "LIGHTWELL_WERROR" false)
  ];

  # The CMake project has no install() rules yet (docs/packaging.md, "Still missing"), so the
  # files are placed by hand. The working directory is the CMake build directory.
  installPhase = ''
    runHook preInstall
    install -Dm755 server/lightwell $out/bin/lightwell
    install -Dm644 ../packaging/systemd/lightwell.service $out/lib/systemd/user/lightwell.service
    install -Dm644 ../packaging/systemd/lightwell-system.service $out/lib/systemd/system/lightwell-system.service
    for unit in $out/lib/systemd/user/lightwell.service $out/lib/systemd/system/lightwell-system.service; do
      substituteInPlace "$unit" --replace-fail /usr/bin/lightwell $out/bin/lightwell
    done
    install -Dm644 ../packaging/udev/60-lightwell-uinput.rules $out/lib/udev/rules.d/60-lightwell-uinput.rules
    install -Dm644 ../packaging/modules-load.d/lightwell.conf $out/lib/modules-load.d/lightwell.conf
    install -Dm644 ../packaging/sysusers.d/lightwell.conf $out/lib/sysusers.d/lightwell.conf
    install -Dm644 ../packaging/lightwell.example.toml $out/share/doc/lightwell/lightwell.example.toml
    install -Dm644 -t $out/share/doc/lightwell ../docs/*.md
    runHook postInstall
  '';

  meta = {
    description = "Moonlight-compatible (GameStream) game streaming host for Linux";
    mainProgram = "lightwell";
    platforms = lib.platforms.linux;
  };
})
