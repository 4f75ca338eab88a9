// The encrypted control-stream envelope of generation 7 >= 7.1.431 (shared/protocol/control.md §3).
// Every ENet packet on an encrypted control stream (ANNOUNCE `x-nv-general.useReliableUdp:13`)
// is
//
//   offset 0  u16 LE  encryptedHeaderType = 0x0001
//   offset 2  u16 LE  length = 4 (seq) + 16 (tag) + plaintext length
//   offset 4  u32 LE  seq, one counter per direction, starting at 0
//   offset 8  16      AES-128-GCM tag
//   offset 24 n       ciphertext of the plaintext "V2" message [type LE16][len LE16][payload]
//
// and the ENet packet is exactly `length + 4` bytes. This header holds only the pure framing
// and the IV rule; the AES-GCM seal/open lives in proto_crypto (crypto/control_cipher.hpp).
// Everything here is stateless and thread-safe; views borrow the caller's packet.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/result.hpp"

namespace lightwell::proto {

inline constexpr std::uint16_t kControlEnvelopeType = 0x0001;
// type + length + seq in front of the tag.
inline constexpr std::size_t kControlEnvelopeHeaderBytes = 8;
inline constexpr std::size_t kControlTagBytes = 16;
// Bytes the envelope adds around the plaintext (header + tag).
inline constexpr std::size_t kControlEnvelopeOverheadBytes =
    kControlEnvelopeHeaderBytes + kControlTagBytes;
// A V2 message is at least its own 4-byte header; the client discards anything shorter
// (control.md §3 "runts": length < 4 + 16 + 4).
inline constexpr std::size_t kControlMinPlaintextBytes = 4;
// Our upper bound for one plaintext message. The client builds every message in a 256-byte
// buffer (moonlight-common-c ControlStream.c sendMessageEnet asserts < 256) and our own host
// messages are at most 31 bytes; 1024 leaves room for future extensions while letting the
// ENet layer use a fixed stack buffer per packet.
inline constexpr std::size_t kControlMaxPlaintextBytes = 1024;
inline constexpr std::size_t kControlMaxPacketBytes =
    kControlEnvelopeOverheadBytes + kControlMaxPlaintextBytes;

// Who sent the message: selects IV bytes 10..11 (control.md §3, §9).
enum class ControlDirection : std::uint8_t {
  client_to_host,  // 'C' 'C'
  host_to_client,  // 'H' 'C'
};

using ControlIv = std::array<std::uint8_t, 12>;

// SS_ENC_CONTROL_V2 IV: LE32(seq) ‖ 6 zero bytes ‖ ('C' | 'H') ‖ 'C'. The legacy 16-byte IV
// (low byte of seq only; repeats every 256 messages) is deliberately not offered: every client
// enables V2 when the host advertises it in x-ss-general.encryptionSupported (docs/control.md).
ControlIv control_iv(std::uint32_t seq, ControlDirection direction) noexcept;

// A parsed envelope; spans borrow the packet passed to parse_control_envelope.
struct ControlEnvelopeView {
  std::uint32_t seq = 0;
  Bytes tag;         // 16 bytes
  Bytes ciphertext;  // kControlMinPlaintextBytes..kControlMaxPlaintextBytes bytes
};

// Strict parse of one whole ENet packet payload:
//   < 8 bytes                           -> truncated
//   outer type != 0x0001                -> malformed (unencrypted message on an encrypted stream)
//   length + 4 > packet size            -> truncated (the length field lies upwards)
//   length + 4 < packet size            -> malformed (trailing bytes; the length lies downwards)
//   length < 4 + 16 + 4 (runt)          -> out_of_range
//   plaintext > kControlMaxPlaintextBytes -> too_large
Result<ControlEnvelopeView> parse_control_envelope(Bytes packet);

// Writes the 8-byte header for a plaintext of plaintext_bytes into packet_out[0..8) and returns
// the total packet size (plaintext_bytes + 24). The caller seals into
// packet_out[8..24) (tag) and packet_out[24..) (ciphertext). Fails with out_of_range/too_large
// if plaintext_bytes is outside [4, kControlMaxPlaintextBytes], truncated if packet_out is
// smaller than the total.
Result<std::size_t> write_control_envelope_header(MutableBytes packet_out, std::uint32_t seq,
                                                  std::size_t plaintext_bytes);

}  // namespace lightwell::proto
