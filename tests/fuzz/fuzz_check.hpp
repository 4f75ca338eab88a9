// Helpers shared by the fuzz targets (docs/fuzzing.md). A broken invariant is reported with
// the target's own words and then abort()s, which libFuzzer records as a crash and saves the
// input as crash-<sha1> (reproduce: ./fuzz_<name> crash-<sha1>).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>

namespace lightwell::fuzz {

[[noreturn]] inline void invariant_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fuzz invariant broken at %s:%d: %s\n", file, line, what);
  std::abort();
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}
inline std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace lightwell::fuzz

// Checked in every build type (not assert(): NDEBUG must not turn the fuzzer blind).
#define FUZZ_CHECK(cond)                                                       \
  do {                                                                         \
    if (!(cond)) ::lightwell::fuzz::invariant_failed(#cond, __FILE__, __LINE__); \
  } while (0)
