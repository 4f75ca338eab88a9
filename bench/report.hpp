// Shared plumbing for bench_* executables (bench/report.hpp): one printed line per figure, plus a JSON file
// (bench-results/<bench>.json under the working directory, or $LIGHTWELL_BENCH_DIR) that
// tools can compare across runs. Figures are information, never a pass/fail verdict.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace lightwell::bench {

struct Figure {
  std::string name;    // e.g. "fec_encode/60kB/1024B/avx2"
  double value;        // in unit
  std::string unit;    // e.g. "GB/s", "us/frame"
  std::string target;  // the goal from the issue, as text ("" if none)
};

class Report {
 public:
  explicit Report(std::string bench_name);
  Report(const Report&) = delete;
  Report& operator=(const Report&) = delete;
  ~Report();  // writes the JSON file
  void add(Figure figure);  // prints the line at once

 private:
  std::string bench_;
  std::vector<Figure> figures_;
};

// The p-th quantile (0..1) of samples, nearest rank; 0 when there are none.
inline double percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1) + 0.5);
  return samples[std::min(i, samples.size() - 1)];
}

// True when --quick was passed: fewer repetitions, for smoke runs in the test command.
bool quick_mode(int argc, char** argv);

// Runs fn repeatedly for at least min_seconds (after one warm-up call), in `repeats`
// rounds, and returns the median seconds per call across rounds.
template <class Fn>
double seconds_per_call(Fn&& fn, double min_seconds, int repeats = 5) {
  using clock = std::chrono::steady_clock;
  fn();
  std::vector<double> rounds;
  for (int r = 0; r < repeats; ++r) {
    std::size_t calls = 0;
    const auto start = clock::now();
    double elapsed = 0;
    do {
      fn();
      ++calls;
      elapsed = std::chrono::duration<double>(clock::now() - start).count();
    } while (elapsed < min_seconds / repeats);
    rounds.push_back(elapsed / static_cast<double>(calls));
  }
  std::sort(rounds.begin(), rounds.end());
  return rounds[rounds.size() / 2];
}

}  // namespace lightwell::bench
