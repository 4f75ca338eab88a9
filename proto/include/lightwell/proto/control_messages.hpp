// Control-stream plaintext messages, client -> host, for generation 7 >= 7.1.431
// (shared/protocol/control.md §3 framing, §4 and §7 types; video.md §7 FEC status, §8 IDR/RFI/LTR;
// input.md §1 input transport).
//
// After the envelope is opened (crypto/control_cipher.hpp) the plaintext is one "V2" message:
//   [type u16 LE][payloadLength u16 LE][payload]
// parse_client_message() checks that payloadLength matches exactly and turns the known types
// into typed values with strict per-type payload lengths. Unknown types become
// UnknownClientMessage (not an error) so the host can ignore future extensions; a known type
// with a wrong payload length is an error. Reserved / unspecified bytes are not checked (the
// client leaves two bytes of the periodic ping uninitialised, control.md §4).
//
// Pure and stateless; every span in a result borrows the caller's plaintext buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <variant>

#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/result.hpp"

namespace lightwell::proto {

// Type codes sent by the client (packetTypesGen7Enc + Sunshine extensions, control.md §7).
// Note 0x5502 is FEC status in this direction and RGB LED host -> client (HostMessageType).
enum class ClientMessageType : std::uint16_t {
  request_idr = 0x0302,        // also "start A", the first message of every session
  start_b = 0x0307,
  invalidate_ref_frames = 0x0301,
  loss_stats = 0x0201,         // gen 7 < 7.1.415 only; parsed for completeness
  periodic_ping = 0x0200,
  input_data = 0x0206,
  frame_fec_status = 0x5502,   // Sunshine extension, sent unsequenced
  ltr_frame_ack = 0x0350,      // Sunshine extension
};

// The V2 message frame. Also used for host -> client messages.
inline constexpr std::size_t kControlFrameHeaderBytes = 4;

struct ControlFrame {
  std::uint16_t type = 0;
  Bytes payload;
};

// Strict: >= 4 bytes (else truncated) and payloadLength == size - 4 (more: truncated,
// less: malformed trailing bytes).
Result<ControlFrame> parse_control_frame(Bytes plaintext);
// Writes [type][payload.size()][payload] into out; returns the bytes written.
Result<std::size_t> write_control_frame(MutableBytes out, std::uint16_t type, Bytes payload);

// ---- typed client messages ------------------------------------------------------------------

// 0x0302, payload 2 bytes (00 00). Force the next video frame to be an IDR; the first one
// right after connecting is "start A" (control.md §4, §9).
struct IdrRequest {};

// 0x0307, payload 1 byte (00). Informational.
struct StartB {};

// 0x0301, 24 bytes SS_RFI_REQUEST: u32 LE first frame, u32 reserved, u32 LE last frame,
// 3 x u32 reserved. first <= last is required (the client asserts it).
struct RefFrameInvalidation {
  std::uint32_t first_frame_index = 0;
  std::uint32_t last_frame_index = 0;
};

// 0x0200, 8 bytes: u16 LE 4, u32 LE 0, 2 unspecified bytes. Only refreshes the session timeout.
struct PeriodicPing {};

// 0x0201 (pre-7.1.415 clients), 32 bytes LE: u32 loss count, u32 interval (50 ms), u32 1000,
// u64 last good frame, 3 x u32.
struct LossStats {
  std::uint32_t loss_count = 0;
  std::uint32_t interval_ms = 0;
  std::uint64_t last_good_frame = 0;
};

// 0x0206: exactly one input packet (input.md §2), handed to the input parser unparsed. Only
// the 8-byte NV_INPUT_HEADER minimum is checked here.
struct InputData {
  Bytes packet;
};
inline constexpr std::size_t kMinInputPacketBytes = 8;

// 0x5502 client -> host, 21 bytes SS_FRAME_FEC_STATUS, all fields BIG-endian (video.md §7).
struct FrameFecStatus {
  std::uint32_t frame_index = 0;
  std::uint16_t highest_received_sequence_number = 0;
  std::uint16_t next_contiguous_sequence_number = 0;
  std::uint16_t missing_packets_before_highest_received = 0;
  std::uint16_t total_data_packets = 0;
  std::uint16_t total_parity_packets = 0;
  std::uint16_t received_data_packets = 0;
  std::uint16_t received_parity_packets = 0;
  std::uint8_t fec_percentage = 0;
  std::uint8_t multi_fec_block_index = 0;
  std::uint8_t multi_fec_block_count = 0;
};
inline constexpr std::size_t kFrameFecStatusBytes = 21;

// 0x0350, 8 bytes: u32 LE frame index, u32 reserved (video.md §8).
struct LtrFrameAck {
  std::uint32_t frame_index = 0;
};

// Any other type (frame stats 0x0204, future extensions): ignore safely.
struct UnknownClientMessage {
  std::uint16_t type = 0;
  Bytes payload;
};

using ClientMessage = std::variant<IdrRequest, StartB, RefFrameInvalidation, PeriodicPing,
                                   LossStats, InputData, FrameFecStatus, LtrFrameAck,
                                   UnknownClientMessage>;

// Parses one decrypted plaintext. Errors: frame errors of parse_control_frame; a known type
// with the wrong payload length (truncated if short, malformed if long); an RFI range with
// first > last (out_of_range); an inner type 0x0001 (malformed: an envelope inside an envelope,
// which Sunshine also rejects).
Result<ClientMessage> parse_client_message(Bytes plaintext);

}  // namespace lightwell::proto
