// "After warm-up, packetizing does not allocate" (docs/packetizers.md), made checkable: this
// file replaces the global operator new/delete of tests_proto with thin malloc/free wrappers
// that count calls. The replacement is transparent for every other test in the binary.
// Under AddressSanitizer (which owns operator new/delete itself and reports the mixed pairs
// as alloc-dealloc mismatches) the file compiles to nothing; the normal build runs it.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "lightwell/proto/audio_packetizer.hpp"
#include "lightwell/proto/video_packetizer.hpp"

#if !defined(__SANITIZE_ADDRESS__)

namespace {
std::atomic<std::size_t> g_allocations{0};  // test instrumentation only
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

using namespace lightwell::proto;

TEST_CASE("Packetizing frames of already-seen shapes allocates nothing") {
  VideoStreamParams params;
  params.packet_size_bytes = 1392 - 32;
  auto packetizer = VideoPacketizer::create(params).value();
  // A large IDR (2 blocks), a mid-size and a small P-frame: warm-up grows the arena once for
  // the largest and prepares each block shape once.
  const std::vector<std::size_t> sizes{400'000, 104'166, 3'000};
  std::vector<std::vector<std::uint8_t>> frames;
  for (std::size_t n : sizes) frames.emplace_back(n, static_cast<std::uint8_t>(n));
  VideoFrameInput in;
  const std::size_t at_start = g_allocations.load();
  for (const auto& f : frames) {
    in.bitstream = f;
    REQUIRE(packetizer.packetize(in));
    ++in.frame_index;
  }
  const std::size_t before = g_allocations.load();
  CHECK(before > at_start);  // the counter is live: warm-up did allocate (arena, tables)
  for (int round = 0; round < 3; ++round) {
    for (const auto& f : frames) {
      in.bitstream = f;
      auto out = packetizer.packetize(in);
      REQUIRE(out.has_value());
      ++in.frame_index;
    }
  }
  CHECK(g_allocations.load() - before == 0);
}

TEST_CASE("Audio packetizing never allocates after create") {
  auto packetizer = AudioPacketizer::create({}).value();
  const std::vector<std::uint8_t> payload(60, 0xfc);
  const std::size_t before = g_allocations.load();
  for (int i = 0; i < 64; ++i) {
    auto out = packetizer.packetize(payload);
    REQUIRE(out.has_value());
  }
  CHECK(g_allocations.load() - before == 0);
}

#endif  // !__SANITIZE_ADDRESS__
