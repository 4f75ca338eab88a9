#include "lightwell/proto/control_messages.hpp"

#include <string>

#include "lightwell/proto/control_envelope.hpp"

namespace lightwell::proto {

namespace {

std::string type_name(std::uint16_t type) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "0x";
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kDigits[(type >> shift) & 0xF]);
  return out;
}

// Exact payload size for a fixed-size message; short -> truncated, long -> malformed.
Result<void> expect_size(const ControlFrame& frame, std::size_t expected, const char* name) {
  if (frame.payload.size() == expected) return {};
  const std::string what = std::string(name) + " (" + type_name(frame.type) + ") payload is " +
                           std::to_string(frame.payload.size()) + " bytes, expected " +
                           std::to_string(expected);
  return fail(frame.payload.size() < expected ? Errc::truncated : Errc::malformed, what);
}

Result<ClientMessage> parse_rfi(const ControlFrame& frame) {
  if (auto ok = expect_size(frame, 24, "reference frame invalidation"); !ok) {
    return tl::unexpected(ok.error());
  }
  // SS_RFI_REQUEST (moonlight-common-c Video.h); Sunshine reads LE int64 at 0 and 8, whose high
  // halves are the reserved words, so reading the u32s is the same for a conforming client.
  RefFrameInvalidation rfi;
  rfi.first_frame_index = load_u32_le(frame.payload.data());
  rfi.last_frame_index = load_u32_le(frame.payload.data() + 8);
  if (rfi.first_frame_index > rfi.last_frame_index) {
    return fail(Errc::out_of_range, "reference frame invalidation range " +
                                        std::to_string(rfi.first_frame_index) + ".." +
                                        std::to_string(rfi.last_frame_index) + " is reversed");
  }
  return rfi;
}

Result<ClientMessage> parse_loss_stats(const ControlFrame& frame) {
  if (auto ok = expect_size(frame, 32, "loss stats"); !ok) return tl::unexpected(ok.error());
  const std::uint8_t* p = frame.payload.data();
  LossStats stats;
  stats.loss_count = load_u32_le(p);
  stats.interval_ms = load_u32_le(p + 4);
  stats.last_good_frame = std::uint64_t(load_u32_le(p + 12)) |
                          (std::uint64_t(load_u32_le(p + 16)) << 32);
  return stats;
}

Result<ClientMessage> parse_fec_status(const ControlFrame& frame) {
  if (auto ok = expect_size(frame, kFrameFecStatusBytes, "frame FEC status"); !ok) {
    return tl::unexpected(ok.error());
  }
  // video.md §7: every field big-endian, unlike the rest of the control stream.
  const std::uint8_t* p = frame.payload.data();
  FrameFecStatus s;
  s.frame_index = load_u32_be(p);
  s.highest_received_sequence_number = load_u16_be(p + 4);
  s.next_contiguous_sequence_number = load_u16_be(p + 6);
  s.missing_packets_before_highest_received = load_u16_be(p + 8);
  s.total_data_packets = load_u16_be(p + 10);
  s.total_parity_packets = load_u16_be(p + 12);
  s.received_data_packets = load_u16_be(p + 14);
  s.received_parity_packets = load_u16_be(p + 16);
  s.fec_percentage = p[18];
  s.multi_fec_block_index = p[19];
  s.multi_fec_block_count = p[20];
  return s;
}

}  // namespace

Result<ControlFrame> parse_control_frame(Bytes plaintext) {
  if (plaintext.size() < kControlFrameHeaderBytes) {
    return fail(Errc::truncated, "control message of " + std::to_string(plaintext.size()) +
                                     " bytes is shorter than its 4-byte header");
  }
  // The same bound as write_control_frame and the envelope (control_envelope.hpp): a frame
  // the host could not have written back is refused, whatever carried it (found by fuzzing).
  if (plaintext.size() > kControlMaxPlaintextBytes) {
    return fail(Errc::too_large, "control message of " + std::to_string(plaintext.size()) +
                                     " bytes exceeds the " + std::to_string(kControlMaxPlaintextBytes) +
                                     "-byte message limit");
  }
  ControlFrame frame;
  frame.type = load_u16_le(plaintext.data());
  const std::size_t length = load_u16_le(plaintext.data() + 2);
  const std::size_t actual = plaintext.size() - kControlFrameHeaderBytes;
  if (length > actual) {
    return fail(Errc::truncated, "control message " + type_name(frame.type) + " announces " +
                                     std::to_string(length) + " payload bytes, has " +
                                     std::to_string(actual));
  }
  if (length < actual) {
    return fail(Errc::malformed, "control message " + type_name(frame.type) + " announces " +
                                     std::to_string(length) + " payload bytes, has " +
                                     std::to_string(actual));
  }
  frame.payload = plaintext.subspan(kControlFrameHeaderBytes);
  return frame;
}

Result<std::size_t> write_control_frame(MutableBytes out, std::uint16_t type, Bytes payload) {
  if (payload.size() > kControlMaxPlaintextBytes - kControlFrameHeaderBytes) {
    return fail(Errc::too_large, "control payload of " + std::to_string(payload.size()) +
                                     " bytes exceeds the message limit");
  }
  ByteWriter w{out};
  w.u16_le(type).u16_le(static_cast<std::uint16_t>(payload.size())).bytes(payload);
  if (!w.ok()) {
    return fail(Errc::truncated, "buffer of " + std::to_string(out.size()) +
                                     " bytes cannot hold control message " + type_name(type));
  }
  return w.size();
}

Result<ClientMessage> parse_client_message(Bytes plaintext) {
  auto parsed = parse_control_frame(plaintext);
  if (!parsed) return tl::unexpected(parsed.error());
  const ControlFrame& frame = *parsed;

  if (frame.type == kControlEnvelopeType) {
    return fail(Errc::malformed, "encrypted envelope nested inside a control message");
  }
  switch (static_cast<ClientMessageType>(frame.type)) {
    case ClientMessageType::request_idr:
      if (auto ok = expect_size(frame, 2, "IDR request"); !ok) return tl::unexpected(ok.error());
      return IdrRequest{};
    case ClientMessageType::start_b:
      if (auto ok = expect_size(frame, 1, "start B"); !ok) return tl::unexpected(ok.error());
      return StartB{};
    case ClientMessageType::invalidate_ref_frames:
      return parse_rfi(frame);
    case ClientMessageType::loss_stats:
      return parse_loss_stats(frame);
    case ClientMessageType::periodic_ping:
      if (auto ok = expect_size(frame, 8, "periodic ping"); !ok) return tl::unexpected(ok.error());
      return PeriodicPing{};
    case ClientMessageType::input_data:
      if (frame.payload.size() < kMinInputPacketBytes) {
        return fail(Errc::truncated, "input message payload of " +
                                         std::to_string(frame.payload.size()) +
                                         " bytes is shorter than the 8-byte input header");
      }
      return InputData{frame.payload};
    case ClientMessageType::frame_fec_status:
      return parse_fec_status(frame);
    case ClientMessageType::ltr_frame_ack:
      if (auto ok = expect_size(frame, 8, "LTR frame ACK"); !ok) return tl::unexpected(ok.error());
      return LtrFrameAck{load_u32_le(frame.payload.data())};
  }
  return UnknownClientMessage{frame.type, frame.payload};
}

}  // namespace lightwell::proto
