// Catch2 glue of the fault tests: the loud skip when the machine cannot make network
// namespaces (not root, no ip/nft), so a skipped fault test is never mistaken for a pass.
#pragma once

#include <catch2/catch.hpp>

#include <iostream>

#include "netns.hpp"

// Returns from the test case (after a WARN on stderr) when namespaces are unavailable. CI
// runs as root: there it never skips.
#define LIGHTWELL_REQUIRE_NETNS()                                                                   \
  do {                                                                                              \
    if (auto lightwell_why = ::lightwell::test::VethLink::unavailable_reason()) {                   \
      std::cerr << "\n*** SKIPPED (" << Catch::getResultCapture().getCurrentTestName()              \
                << "): " << *lightwell_why << " ***\n\n";                                           \
      WARN("SKIPPED: " << *lightwell_why);                                                          \
      return;                                                                                       \
    }                                                                                               \
  } while (false)
