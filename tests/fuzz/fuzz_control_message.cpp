// Decrypted control-stream plaintexts (proto/control_messages.hpp, control.md §3, §4, §7):
// the V2 frame and every typed client message, and the input packet inside 0x0206.
// Invariants: a frame's payload is exactly the rest of the plaintext; a typed message has its
// documented payload size; an RFI range is ordered; a known type never comes back as
// "unknown".
#include <algorithm>
#include <type_traits>
#include <variant>
#include <vector>

#include "fuzz_check.hpp"
#include "lightwell/proto/control_messages.hpp"
#include "lightwell/proto/input.hpp"

namespace lp = lightwell::proto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const lp::Bytes plaintext(data, size);
  auto frame = lp::parse_control_frame(plaintext);
  auto message = lp::parse_client_message(plaintext);
  if (!frame) {
    FUZZ_CHECK(!message.has_value());
    return 0;
  }
  FUZZ_CHECK(frame->payload.size() + lp::kControlFrameHeaderBytes == size);
  FUZZ_CHECK(frame->payload.data() == data + lp::kControlFrameHeaderBytes);
  if (!message) return 0;
  const std::size_t n = frame->payload.size();
  using T = lp::ClientMessageType;
  std::visit(
      [&](const auto& m) {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, lp::IdrRequest>) {
          FUZZ_CHECK(frame->type == std::uint16_t(T::request_idr) && n == 2);
        } else if constexpr (std::is_same_v<M, lp::StartB>) {
          FUZZ_CHECK(frame->type == std::uint16_t(T::start_b) && n == 1);
        } else if constexpr (std::is_same_v<M, lp::RefFrameInvalidation>) {
          FUZZ_CHECK(n == 24 && m.first_frame_index <= m.last_frame_index);
        } else if constexpr (std::is_same_v<M, lp::PeriodicPing>) {
          FUZZ_CHECK(n == 8);
        } else if constexpr (std::is_same_v<M, lp::LossStats>) {
          FUZZ_CHECK(n == 32);
        } else if constexpr (std::is_same_v<M, lp::FrameFecStatus>) {
          FUZZ_CHECK(n == lp::kFrameFecStatusBytes);
        } else if constexpr (std::is_same_v<M, lp::LtrFrameAck>) {
          FUZZ_CHECK(n == 8);
        } else if constexpr (std::is_same_v<M, lp::InputData>) {
          FUZZ_CHECK(m.packet.size() == n && m.packet.size() >= lp::kMinInputPacketBytes);
          (void)lp::input::parse_input_packet(m.packet);
        } else {
          static_assert(std::is_same_v<M, lp::UnknownClientMessage>);
          FUZZ_CHECK(m.type == frame->type && m.payload.size() == n);
          for (T known : {T::request_idr, T::start_b, T::invalidate_ref_frames, T::loss_stats,
                          T::periodic_ping, T::input_data, T::frame_fec_status, T::ltr_frame_ack}) {
            FUZZ_CHECK(m.type != std::uint16_t(known));
          }
          FUZZ_CHECK(m.type != 0x0001);  // an envelope inside an envelope is an error
        }
      },
      *message);
  // A frame of this type and payload must re-encode to the same bytes.
  std::vector<std::uint8_t> out(size);
  auto written = lp::write_control_frame(out, frame->type, frame->payload);
  FUZZ_CHECK(written.has_value() && *written == size && std::equal(out.begin(), out.end(), data));
  return 0;
}
