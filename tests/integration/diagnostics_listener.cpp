// Prints the integration diagnostics (client transcripts with the XML received, the server's
// log) at the first failed assertion of a test case, while the Scenario is still alive. Later
// failures of the same test case only point back to it, so the output stays readable.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

#include <iostream>

#include "integration_support.hpp"

namespace {

class DiagnosticsListener : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;

  void testCaseStarting(Catch::TestCaseInfo const& info) override {
    printed_ = false;
    TestEventListenerBase::testCaseStarting(info);
  }

  bool assertionEnded(Catch::AssertionStats const& stats) override {
    if (!stats.assertionResult.isOk() && !lightwell::test::diagnostics_providers().empty()) {
      if (!printed_) {
        for (const auto& provide : lightwell::test::diagnostics_providers()) std::cerr << provide();
        printed_ = true;
      } else {
        std::cerr << "(another failure; diagnostics printed above)\n";
      }
    }
    return true;
  }

 private:
  bool printed_ = false;
};

}  // namespace

CATCH_REGISTER_LISTENER(DiagnosticsListener)
