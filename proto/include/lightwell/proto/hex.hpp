// Hex text <-> bytes. nvhttp carries every binary pairing value and rikey as hex
// (shared/protocol/http-pairing.md §5); clients send lower case, some hosts answer upper case,
// so decoding accepts both.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/result.hpp"

namespace lightwell::proto {

std::string to_hex(Bytes data, bool upper_case = false);
// Fails on an odd length or a non-hex character; max_bytes bounds the output (a peer's
// length is never trusted).
Result<std::vector<std::uint8_t>> from_hex(std::string_view text, std::size_t max_bytes);

}  // namespace lightwell::proto
