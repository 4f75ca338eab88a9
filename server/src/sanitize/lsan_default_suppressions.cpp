// Compiled into the `lightwell` executable in sanitizer builds only (server/CMakeLists.txt).
// LeakSanitizer calls this weak hook at start-up for suppressions built into the program
// (sanitizer_common's __lsan_default_suppressions): tests start `lightwell` with their own
// environment, so LSAN_OPTIONS=suppressions=tests/lsan.supp does not reach it.
// libx265 3.5 (Debian bookworm) leaks on x265_encoder_close: a program that only opens and
// closes an encoder reports the same blocks (docs/video-encoding.md), so it is not ours.
extern "C" const char* __lsan_default_suppressions();
extern "C" const char* __lsan_default_suppressions() { return "leak:libx265.so\n"; }
