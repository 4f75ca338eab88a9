// Digests used by pairing (http-pairing.md §5.1: SHA-256 for generation 7 hosts).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>

#include "lightwell/proto/bytes.hpp"

namespace lightwell::proto::crypto {

using Sha256Digest = std::array<std::uint8_t, 32>;

// SHA-256 of the concatenation of the parts (pairing hashes challenge ‖ signature ‖ secret).
Sha256Digest sha256(std::initializer_list<Bytes> parts);

// Constant-time comparison (for MACs, hashes and password checks).
bool equal_constant_time(Bytes a, Bytes b) noexcept;

}  // namespace lightwell::proto::crypto
