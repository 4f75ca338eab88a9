// Host -> client control messages for generation 7 >= 7.1.431 (shared/protocol/control.md §5,
// input.md §8). Each builder returns the exact plaintext V2 message
// [type u16 LE][payloadLength u16 LE][payload], ready for ControlSealer (crypto/control_cipher.hpp).
// Payload fields are little-endian except the termination HRESULT (big-endian).
//
// Layouts follow what the client parses (moonlight-common-c ControlStream.c
// controlReceiveThreadFunc / queueAsyncCallback) and what Sunshine sends (stream.cpp
// control_*_t, packed). Controller numbers are the client's, 0..15; builders refuse others.
// Pure, stateless, no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/result.hpp"

namespace lightwell::proto {

enum class HostMessageType : std::uint16_t {
  termination = 0x0109,        // extended form (u32 BE HRESULT)
  rumble = 0x010b,
  hdr_mode = 0x010e,
  trigger_rumble = 0x5500,     // Sunshine extension
  motion_event_state = 0x5501, // Sunshine extension
  rgb_led = 0x5502,            // Sunshine extension; 0x5502 is FEC status client -> host
  adaptive_triggers = 0x5503,  // Sunshine extension
};

// Largest host message: HDR mode, 4 + 1 + 26 = 31 bytes.
inline constexpr std::size_t kMaxHostMessageBytes = 32;
inline constexpr std::uint16_t kMaxControllers = 16;

// A built message, returned by value.
struct HostMessage {
  std::array<std::uint8_t, kMaxHostMessageBytes> storage{};
  std::size_t size = 0;
  Bytes bytes() const noexcept { return Bytes(storage.data(), size); }
};

// ---- termination 0x0109 ---------------------------------------------------------------------
// HRESULTs the client recognises (control.md §5); any other value reaches the user as an error.
// NVST_DISCONN_SERVER_TERMINATED_CLOSED: graceful (app exited / host stopping). The client
// reports 0 if it had seen a video frame, else -102 (unexpected early termination).
inline constexpr std::uint32_t kTerminationGraceful = 0x80030023;
// NVST_DISCONN_SERVER_VFP_PROTECTED_CONTENT -> client error -103.
inline constexpr std::uint32_t kTerminationProtectedContent = 0x800e9302;
// NVST_DISCONN_SERVER_VIDEO_ENCODER_CONVERT_INPUT_FRAME_FAILED -> client error -104.
inline constexpr std::uint32_t kTerminationFrameConversionFailed = 0x800e9403;

HostMessage build_termination(std::uint32_t hresult) noexcept;

// ---- rumble 0x010b --------------------------------------------------------------------------
// u32 ignored by the client (we write LE 0x00C0FFEE as Sunshine does), u16 controller,
// u16 low-frequency motor, u16 high-frequency motor: 10 bytes. Values persist; 0/0 stops.
inline constexpr std::uint32_t kRumbleFiller = 0x00C0FFEE;
Result<HostMessage> build_rumble(std::uint16_t controller, std::uint16_t low_freq_motor,
                                 std::uint16_t high_freq_motor);

// ---- trigger rumble 0x5500 ------------------------------------------------------------------
// u16 controller, u16 left trigger motor, u16 right trigger motor: 6 bytes.
Result<HostMessage> build_trigger_rumble(std::uint16_t controller, std::uint16_t left_trigger,
                                         std::uint16_t right_trigger);

// ---- motion event state 0x5501 --------------------------------------------------------------
// u16 controller, u16 report rate (Hz, 0 = stop), u8 sensor type: 5 bytes.
enum class MotionSensor : std::uint8_t { accelerometer = 0x01, gyroscope = 0x02 };
Result<HostMessage> build_motion_event_state(std::uint16_t controller, std::uint16_t report_rate_hz,
                                             MotionSensor sensor);

// ---- RGB LED 0x5502 -------------------------------------------------------------------------
// u16 controller, u8 r, u8 g, u8 b: 5 bytes.
Result<HostMessage> build_rgb_led(std::uint16_t controller, std::uint8_t r, std::uint8_t g,
                                  std::uint8_t b);

// ---- DualSense adaptive triggers 0x5503 -----------------------------------------------------
// u16 controller, u8 event flags, u8 type left, u8 type right, left[10], right[10]: 25 bytes.
// The effect bytes are opaque DualSense trigger-effect parameters.
inline constexpr std::uint8_t kAdaptiveTriggerRight = 0x04;
inline constexpr std::uint8_t kAdaptiveTriggerLeft = 0x08;
inline constexpr std::size_t kAdaptiveTriggerEffectBytes = 10;
struct AdaptiveTriggers {
  std::uint8_t event_flags = 0;  // kAdaptiveTriggerLeft | kAdaptiveTriggerRight: which changed
  std::uint8_t type_left = 0;
  std::uint8_t type_right = 0;
  std::array<std::uint8_t, kAdaptiveTriggerEffectBytes> left{};
  std::array<std::uint8_t, kAdaptiveTriggerEffectBytes> right{};
};
Result<HostMessage> build_adaptive_triggers(std::uint16_t controller, const AdaptiveTriggers& t);

// ---- HDR mode 0x010e ------------------------------------------------------------------------
// u8 enabled, then SS_HDR_METADATA (moonlight-common-c Limelight.h, 13 x u16 LE = 26 bytes):
// R, G, B display primaries (x, y), white point (x, y) - chromaticities normalised to 50 000 -,
// max display luminance (nits), min display luminance (1/10 000 nit), max content light level
// (nits), max frame-average light level (nits), max full-frame luminance (nits). 27 bytes.
// (control.md §5 says 1 + 22 = 23; that count is wrong, see docs/control.md.)
struct HdrChromaticity {
  std::uint16_t x = 0;  // normalised to 50 000
  std::uint16_t y = 0;
};
struct HdrMetadata {
  std::array<HdrChromaticity, 3> display_primaries{};  // R, G, B
  HdrChromaticity white_point{};
  std::uint16_t max_display_luminance_nits = 0;
  std::uint16_t min_display_luminance_1e4_nits = 0;
  std::uint16_t max_content_light_level_nits = 0;
  std::uint16_t max_frame_average_light_level_nits = 0;
  std::uint16_t max_full_frame_luminance_nits = 0;
};
inline constexpr std::size_t kHdrMetadataBytes = 26;
HostMessage build_hdr_mode(bool enabled, const HdrMetadata& metadata) noexcept;

}  // namespace lightwell::proto
