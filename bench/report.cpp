#include "report.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace lightwell::bench {

Report::Report(std::string bench_name) : bench_(std::move(bench_name)) {}

void Report::add(Figure figure) {
  std::printf("%-48s %12.3f %-10s %s\n", figure.name.c_str(), figure.value, figure.unit.c_str(),
              figure.target.empty() ? "" : ("(target " + figure.target + ")").c_str());
  std::fflush(stdout);
  figures_.push_back(std::move(figure));
}

Report::~Report() {
  const char* dir_env = std::getenv("LIGHTWELL_BENCH_DIR");
  const std::filesystem::path dir = dir_env ? dir_env : "bench-results";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::ofstream out(dir / (bench_ + ".json"));
  if (!out) return;
  out << "{\n  \"bench\": \"" << bench_ << "\",\n  \"figures\": [\n";
  for (std::size_t i = 0; i < figures_.size(); ++i) {
    const auto& f = figures_[i];
    out << "    {\"name\": \"" << f.name << "\", \"value\": " << f.value << ", \"unit\": \"" << f.unit
        << "\", \"target\": \"" << f.target << "\"}" << (i + 1 < figures_.size() ? "," : "") << "\n";
  }
  out << "  ]\n}\n";
  std::printf("figures written to %s\n", (dir / (bench_ + ".json")).c_str());
}

bool quick_mode(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) return true;
  }
  return false;
}

}  // namespace lightwell::bench
