// Shared helpers of the input packet tests: the captured client packets of
// tests/data/input_packets.txt keyed by magic, and byte patching.
#pragma once

#include <bit>
#include <cstdint>
#include <map>
#include <vector>

#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/input.hpp"
#include "vector_file.hpp"

namespace lightwell::test::input_util {

using Packet = std::vector<std::uint8_t>;

// Every captured packet, in file order.
inline std::vector<Packet> all_packets() {
  std::vector<Packet> out;
  for (const auto& rec : read_records("input_packets.txt")) out.push_back(rec.hex("bytes"));
  return out;
}

// The first captured packet of each magic (17 magics: every type of input.md §2.1).
inline std::map<std::uint32_t, Packet> first_by_magic() {
  std::map<std::uint32_t, Packet> out;
  for (auto& p : all_packets()) out.emplace(proto::load_u32_le(p.data() + 4), p);
  return out;
}

inline Packet sample(std::uint32_t magic) { return first_by_magic().at(magic); }

// Rewrites the BE32 size so it agrees with the packet's length (input.md §2).
inline Packet fix_size(Packet p) {
  proto::store_u32_be(p.data(), static_cast<std::uint32_t>(p.size() - 4));
  return p;
}

// Values are taken as int so tests can list literals; they are truncated to the width.
inline Packet with_u8(Packet p, std::size_t off, int v) {
  p.at(off) = static_cast<std::uint8_t>(v);
  return p;
}
inline Packet with_u16_le(Packet p, std::size_t off, int v) {
  proto::store_u16_le(&p.at(off + 1) - 1, static_cast<std::uint16_t>(v));
  return p;
}
inline Packet with_u32_le(Packet p, std::size_t off, std::uint32_t v) {
  proto::store_u32_le(&p.at(off + 3) - 3, v);
  return p;
}
inline Packet with_f32(Packet p, std::size_t off, float v) {
  return with_u32_le(std::move(p), off, std::bit_cast<std::uint32_t>(v));
}

inline proto::Result<proto::input::InputEvent> parse(const Packet& p) {
  return proto::input::parse_input_packet(proto::Bytes(p));
}

}  // namespace lightwell::test::input_util
