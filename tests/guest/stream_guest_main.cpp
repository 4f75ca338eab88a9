// lightwell_stream_guest - runs INSIDE the QEMU guest as root (tests/guest/stream-in-guest.sh via
// run-in-guest.sh -d vkms|virtio|bochs -s SHARE) and streams the guest's real screen with the
// real `lightwell serve` ([video] capture = "kms") to our test client on loopback:
//   1. brings up lo, becomes DRM master, sets the preferred mode with the block picture of
//      stream_pattern.hpp and (where the driver has a cursor plane) a cursor with
//      drmModeSetCursor/MoveCursor;
//   2. starts ./lightwell serve (a second process: not master, root → CAP_SYS_ADMIN permitted,
//      which the server raises only around GetFB2), pairs through `lightwell pair`, launches
//      at the screen's size, streams (RTSP, ENet, UDP, encrypted) and keeps the frames;
//   3. switches to another mode of another aspect ratio with the second picture: the server's
//      source says reinit, is rebuilt, and the frames go on at the stream's size, letterboxed;
//   4. writes every received frame to SHARE/frames.bin (the host decodes them with
//      libavcodec and checks the colours: stream_check_main.cpp; the guest has no libavcodec,
//      its closure would be ~130 MB of initramfs).
// Exit status 0 = everything ran (the verdict is the host checker's); the output says what
// failed otherwise.
#include <drm_fourcc.h>
#include <fcntl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "gamestream_client.hpp"
#include "lightwell_process.hpp"
#include "stream_client.hpp"
#include "stream_pattern.hpp"

using namespace std::chrono_literals;
using namespace lightwell::test;
namespace sg = lightwell::test::stream_guest;

namespace {

bool loopback_up() {
  const int s = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) return false;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ::ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  ok = ok && ::ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
  ::close(s);
  return ok;
}

struct Dumb {
  std::uint32_t handle = 0, pitch = 0, fb_id = 0;
  std::uint64_t size = 0;
  void* map = nullptr;
};

bool make_dumb(int fd, std::uint32_t w, std::uint32_t h, bool with_fb, Dumb& out) {
  drm_mode_create_dumb create{};
  create.width = w;
  create.height = h;
  create.bpp = 32;
  if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) != 0) { std::perror("CREATE_DUMB"); return false; }
  out.handle = create.handle;
  out.pitch = create.pitch;
  out.size = create.size;
  drm_mode_map_dumb map{};
  map.handle = create.handle;
  if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map) != 0) { std::perror("MAP_DUMB"); return false; }
  out.map = mmap(nullptr, create.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(map.offset));
  if (out.map == MAP_FAILED) { std::perror("mmap"); return false; }
  if (with_fb) {
    const std::uint32_t handles[4] = {create.handle, 0, 0, 0};
    const std::uint32_t pitches[4] = {create.pitch, 0, 0, 0};
    const std::uint32_t offsets[4] = {0, 0, 0, 0};
    if (drmModeAddFB2(fd, w, h, DRM_FORMAT_XRGB8888, handles, pitches, offsets, &out.fb_id, 0) != 0) {
      std::perror("AddFB2");
      return false;
    }
  }
  return true;
}

bool show(int fd, std::uint32_t crtc, std::uint32_t conn, drmModeModeInfo mode, std::uint32_t seed) {
  Dumb d;
  if (!make_dumb(fd, mode.hdisplay, mode.vdisplay, true, d)) return false;
  for (std::uint32_t y = 0; y < mode.vdisplay; ++y) {
    auto* row = reinterpret_cast<std::uint32_t*>(static_cast<std::uint8_t*>(d.map) + static_cast<std::size_t>(y) * d.pitch);
    for (std::uint32_t x = 0; x < mode.hdisplay; ++x) row[x] = sg::screen_pixel(x, y, mode.hdisplay, mode.vdisplay, seed);
  }
  munmap(d.map, d.size);
  if (drmModeSetCrtc(fd, crtc, d.fb_id, 0, 0, &conn, 1, &mode) != 0) { std::perror("SetCrtc"); return false; }
  (void)drmModeDirtyFB(fd, d.fb_id, nullptr, 0);
  std::printf("setter: %ux%u on CRTC %u, fb %u, picture %u\n", mode.hdisplay, mode.vdisplay, crtc, d.fb_id, seed);
  return true;
}

bool set_cursor(int fd, std::uint32_t crtc, int x, int y) {
  Dumb d;
  if (!make_dumb(fd, sg::kCursorSize, sg::kCursorSize, false, d)) return false;
  for (std::uint32_t r = 0; r < sg::kCursorSize; ++r) {
    auto* row = reinterpret_cast<std::uint32_t*>(static_cast<std::uint8_t*>(d.map) + static_cast<std::size_t>(r) * d.pitch);
    for (std::uint32_t c = 0; c < sg::kCursorSize; ++c) row[c] = sg::cursor_pixel(c, r);
  }
  munmap(d.map, d.size);
  if (drmModeSetCursor(fd, crtc, d.handle, sg::kCursorSize, sg::kCursorSize) != 0) {
    std::printf("cursor: drmModeSetCursor: %s (no cursor on this driver)\n", std::strerror(errno));
    return false;
  }
  if (drmModeMoveCursor(fd, crtc, x, y) != 0) {
    std::printf("cursor: drmModeMoveCursor: %s\n", std::strerror(errno));
    return false;
  }
  std::printf("cursor: shown at (%d, %d)\n", x, y);
  return true;
}

bool wait_log(const LightwellProcess& host, const std::string& text, std::chrono::seconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    if (host.log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

int fail(const char* what, const LightwellProcess* host, const StreamClient* sc = nullptr) {
  std::printf("FAIL: %s\n", what);
  if (sc != nullptr) std::printf("----- client transcript -----\n%s\n", sc->transcript().c_str());
  if (host != nullptr) std::printf("----- server log -----\n%s\n", host->log().c_str());
  return 1;
}

void append(std::vector<std::uint8_t>& file, const std::vector<ReceivedVideoFrame>& frames, std::uint8_t phase) {
  for (const auto& f : frames) {
    file.push_back(phase);
    file.push_back(f.frame_type);
    const auto n = static_cast<std::uint32_t>(f.bitstream.size());
    for (int i = 0; i < 4; ++i) file.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
    file.insert(file.end(), f.bitstream.begin(), f.bitstream.end());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (argc < 3) {
    std::printf("usage: lightwell_stream_guest CARD OUT_FILE\n");
    return 2;
  }
  const char* card = argv[1];
  const std::string out_path = argv[2];
  if (!loopback_up()) return fail("cannot bring up lo", nullptr);

  const int fd = open(card, O_RDWR | O_CLOEXEC);
  if (fd < 0) { std::perror(card); return 1; }
  (void)drmSetMaster(fd);
  drmModeRes* res = drmModeGetResources(fd);
  if (res == nullptr) return fail("no KMS resources", nullptr);
  drmModeConnector* conn = nullptr;
  for (int i = 0; i < res->count_connectors && conn == nullptr; ++i) {
    drmModeConnector* c = drmModeGetConnector(fd, res->connectors[i]);
    if (c != nullptr && c->connection == DRM_MODE_CONNECTED && c->count_modes > 0) conn = c;
    else if (c != nullptr) drmModeFreeConnector(c);
  }
  if (conn == nullptr) return fail("no connected connector", nullptr);
  drmModeModeInfo first = conn->modes[0];
  for (int i = 0; i < conn->count_modes; ++i) {
    if ((conn->modes[i].type & DRM_MODE_TYPE_PREFERRED) != 0) { first = conn->modes[i]; break; }
  }
  // The second mode: another aspect ratio (so the letterbox shows), not much larger (TCG).
  drmModeModeInfo second{};
  const std::uint64_t area1 = std::uint64_t{first.hdisplay} * first.vdisplay;
  for (int i = 0; i < conn->count_modes; ++i) {
    const auto& m = conn->modes[i];
    const bool other_shape = std::uint64_t{m.hdisplay} * first.vdisplay != std::uint64_t{first.hdisplay} * m.vdisplay;
    if (other_shape && std::uint64_t{m.hdisplay} * m.vdisplay * 5 <= area1 * 6 && m.hdisplay % 2 == 0 &&
        m.vdisplay % 2 == 0 && m.hdisplay >= 640) { second = m; break; }
  }
  if (second.hdisplay == 0) return fail("the connector offers no second mode of another shape", nullptr);
  std::uint32_t crtc = 0;
  for (int i = 0; i < conn->count_encoders && crtc == 0; ++i) {
    drmModeEncoder* enc = drmModeGetEncoder(fd, conn->encoders[i]);
    for (int k = 0; enc != nullptr && k < res->count_crtcs && crtc == 0; ++k) {
      if ((enc->possible_crtcs & (1U << k)) != 0) crtc = res->crtcs[k];
    }
    if (enc != nullptr) drmModeFreeEncoder(enc);
  }
  if (crtc == 0) return fail("no CRTC", nullptr);
  std::printf("modes %ux%u then %ux%u\n", first.hdisplay, first.vdisplay, second.hdisplay, second.vdisplay);
  if (!show(fd, crtc, conn->connector_id, first, 1)) return fail("cannot show the first picture", nullptr);
  sg::FileHeader header;
  header.width1_px = first.hdisplay;
  header.height1_px = first.vdisplay;
  header.width2_px = second.hdisplay;
  header.height2_px = second.vdisplay;
  // Inside block (2, 2), centred.
  const int bw = static_cast<int>(first.hdisplay / sg::kColumns), bh = static_cast<int>(first.vdisplay / sg::kRows);
  header.cursor_x_px = 2 * bw + (bw - static_cast<int>(sg::kCursorSize)) / 2;
  header.cursor_y_px = 2 * bh + (bh - static_cast<int>(sg::kCursorSize)) / 2;
  header.cursor_shown = set_cursor(fd, crtc, header.cursor_x_px, header.cursor_y_px) ? 1 : 0;

  ::setenv("LIGHTWELL_BINARY", "/test/lightwell", 1);
  LightwellOptions options;
  options.log_level = "info";
  options.capture = "kms";
  options.extra_config = "[input]\nenabled = false\n";
  LightwellProcess host(options);
  try {
    host.start(std::chrono::milliseconds(150'000));
  } catch (const std::exception& e) {
    return fail(e.what(), &host);
  }
  std::printf("server up (%s)\n", host.log().find("capture: KMS") != std::string::npos ? "capture: KMS" : "capture: ?");

  auto identity = make_client_identity();
  if (!identity) return fail("cannot make a client identity", &host);
  GameStreamClient client(host.address(), std::move(*identity));
  PairOptions pair_options;
  pair_options.phase1_timeout = 60s;
  auto paired = std::async(std::launch::async, [&] { return client.pair("4321", PairingRandomness::random(), pair_options); });
  const auto pin_deadline = std::chrono::steady_clock::now() + 60s;
  for (;;) {
    const CliResult r = host.enter_pin("4321", "guest", 60s);
    const bool not_yet = r.exit_code == 1 && r.output.find("no pairing attempt pending") != std::string::npos;
    if (!not_yet || std::chrono::steady_clock::now() >= pin_deadline) break;
  }
  if (!paired.get().paired) return fail("pairing failed", &host);
  long long desktop = 0;
  for (const auto& app : parse_applist(client.applist())) {
    if (app.title == "Desktop") desktop = app.id;
  }
  if (desktop == 0) return fail("no Desktop app", &host);
  LaunchParams launch;
  launch.appid = desktop;
  launch.mode = std::to_string(first.hdisplay) + "x" + std::to_string(first.vdisplay) + "x30";
  launch.rikey = random_secret();
  launch.rikeyid = 0x1234567;
  const XmlReply reply = client.launch(launch);
  if (!reply.ok()) return fail("launch refused", &host);
  StreamClientOptions so;
  so.host = "127.0.0.1";
  so.rtsp_port = host.rtsp_port();
  so.session_url = reply.text("sessionUrl0").value_or("");
  so.rikey = launch.rikey;
  so.rikeyid = launch.rikeyid;
  so.width_px = first.hdisplay;
  so.height_px = first.vdisplay;
  so.fps = 30;
  so.bitrate_kbps = 8000;
  so.io_timeout = 60s;
  StreamClient sc(so);
  sc.handshake();
  sc.start_streaming();
  std::vector<std::uint8_t> file(sizeof header);
  if (sc.wait_for_frames(8, 120s) < 8) return fail("fewer than 8 frames before the mode change", &host, &sc);
  append(file, sc.take_video_frames(), 1);
  std::printf("phase 1: frames received\n");

  if (!show(fd, crtc, conn->connector_id, second, 2)) return fail("cannot set the second mode", &host, &sc);
  if (!wait_log(host, "scaled to", 60s)) return fail("the server did not report the new screen size", &host, &sc);
  append(file, sc.take_video_frames(), 0);
  if (sc.wait_for_frames(6, 120s) < 6) return fail("fewer than 6 frames after the mode change", &host, &sc);
  append(file, sc.take_video_frames(), 2);
  std::printf("phase 2: frames received; termination: %s\n",
              sc.counters().termination_hresult ? "yes (unexpected)" : "none");
  std::memcpy(file.data(), &header, sizeof header);
  if (FILE* f = std::fopen(out_path.c_str(), "wb")) {
    const bool ok = std::fwrite(file.data(), 1, file.size(), f) == file.size();
    if (std::fclose(f) != 0 || !ok) return fail("cannot write the frames", &host, &sc);
  } else {
    return fail("cannot open the output file", &host, &sc);
  }
  // The server's own account, for the host's log.
  const std::string log = host.log();
  for (const char* key : {"capabilities:", "capture:", "video:", "media path failed"}) {
    for (std::size_t at = log.find(key); at != std::string::npos; at = log.find(key, at + 1)) {
      const auto start = log.rfind('\n', at);
      const auto end = log.find('\n', at);
      std::printf("server| %s\n", log.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1)).c_str());
    }
  }
  sc.stop();
  (void)host.stop(std::chrono::milliseconds(20'000));
  drmModeFreeConnector(conn);
  drmModeFreeResources(res);
  std::printf("STREAM GUEST DONE (%zu bytes of frames)\n", file.size());
  return 0;
}
