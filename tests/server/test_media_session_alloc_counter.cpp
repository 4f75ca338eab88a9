// Counting global operator new/delete for tests_server (test_media_session_alloc.cpp): thin
// malloc/free wrappers, transparent for every other test. A translation unit of its own, with
// no other include, so the compiler never inlines these next to library code (GCC's
// -Wmismatched-new-delete). Compiled to nothing under AddressSanitizer, which owns
// operator new/delete.
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

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

std::size_t media_test_allocation_count() noexcept { return g_allocations.load(std::memory_order_relaxed); }

#endif
