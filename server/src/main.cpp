// lightwell: entry point. All behaviour lives in lightwell_server so tests can reach it.
#include <cstdio>
#include <cstring>

#include "lightwell/server/version.hpp"

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "version") == 0) {
    std::printf("lightwell %.*s\n", static_cast<int>(lightwell::server::version().size()),
                lightwell::server::version().data());
    return 0;
  }
  std::fputs("usage: lightwell version\n", stderr);
  return 2;
}
