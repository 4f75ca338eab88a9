// lightwell: entry point. All behaviour lives in lightwell_server (run_cli) so tests reach it.
#include <iostream>
#include <string>
#include <vector>

#include "lightwell/server/cli.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  return lightwell::server::run_cli(args, {std::cout, std::cerr});
}
