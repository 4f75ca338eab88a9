// Shared by the input tests: the captured client packets of tests/data/input_packets.txt
// (bytes from the real client library) and injecting one through an Injector. Test-only.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "../support/vector_file.hpp"
#include "lightwell/input/injector.hpp"
#include "lightwell/proto/input.hpp"

namespace lightwell::test {

// The bytes of the index-th record whose call starts with call_prefix; fails the test if none.
inline std::vector<std::uint8_t> input_packet(const std::string& call_prefix, std::size_t index = 0) {
  for (const auto& r : read_records("input_packets.txt")) {
    if (r.get("call").rfind(call_prefix, 0) == 0 && index-- == 0) return r.hex("bytes");
  }
  FAIL("no vector " << call_prefix);
  return {};
}

// Every record whose call starts with call_prefix, in file order.
inline std::vector<std::vector<std::uint8_t>> input_packets(const std::string& call_prefix) {
  std::vector<std::vector<std::uint8_t>> out;
  for (const auto& r : read_records("input_packets.txt")) {
    if (r.get("call").rfind(call_prefix, 0) == 0) out.push_back(r.hex("bytes"));
  }
  return out;
}

// Parses (must succeed) and injects one packet.
inline void inject_packet(input::Injector& inj, const std::vector<std::uint8_t>& bytes) {
  auto ev = proto::input::parse_input_packet(bytes);
  REQUIRE(ev.has_value());
  inj.inject(*ev);
}

}  // namespace lightwell::test
