// Loss figures (issue 10 "Faults and loss", docs/testing-faults.md): the real `lightwell serve`
// in its own network namespace, our test client across a veth pair, nftables in the server's
// namespace dropping server→client media datagrams at 5/10/20 % at random, in runs of 5 of
// every 100, and in 100 ms outages every second. Per level: the datagrams really dropped, the
// frames delivered whole (after FEC), the frames Moonlight would have shown (nothing from a
// loss to the IDR it asks for), IDR requests and recovery IDRs, audio packets lost after FEC.
// The same code as tests/faults/test_loss.cpp (tests/faults/loss_run.cpp), longer per level.
// Needs root (namespaces); prints why and exits 0 otherwise. --quick: 3 s per level.
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include "fault_session.hpp"
#include "loss_run.hpp"
#include "report.hpp"

using namespace lightwell;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  if (auto why = test::VethLink::unavailable_reason()) {
    std::cout << "bench_loss: skipped: " << *why << "\n";
    return 0;
  }
  const bool quick = bench::quick_mode(argc, argv);
  const auto per_level = quick ? 3s : 10s;
  bench::Report report("bench_loss");
  std::vector<test::LossFigures> rows;
  try {
    test::FaultSession session(true);
    for (const auto& level : test::standard_loss_levels()) {
      rows.push_back(test::run_loss_level(session, level, per_level));
      const auto& r = rows.back();
      // "random 10 %" → "loss/random_10_pct"
      std::string key = "loss/";
      for (const char c : r.name) {
        if (c == '%') key += "pct";
        else if (c == ' ' && !key.empty() && key.back() != '_') key += '_';
        else if (c != ' ') key += c;
      }
      const bool target = r.name == "random 10 %";
      report.add({key + "/dropped", 100.0 * r.drop_fraction(), "%", ""});
      report.add({key + "/frames_whole", 100.0 * r.whole_fraction(), "%", target ? ">= 99 % (20 % FEC)" : ""});
      report.add({key + "/frames_shown", 100.0 * r.shown_fraction(), "%", ""});
      report.add({key + "/idr_requests", static_cast<double>(r.counters.idr_requests), "requests", ""});
      report.add({key + "/recovery_idrs", static_cast<double>(r.frames.recovery_idrs), "frames", ""});
      report.add({key + "/longest_gap", static_cast<double>(r.frames.longest_gap), "frames", ""});
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_loss: " << e.what() << "\n";
    return 1;
  }
  std::cout << "\n720p60 H.264 10 Mbit/s, 20 % FEC, " << per_level.count() << " s per level:\n"
            << test::format_loss_table(rows);
  return 0;
}
