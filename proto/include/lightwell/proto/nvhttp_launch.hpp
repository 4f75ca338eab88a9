// `/launch` and `/resume` parameters (shared/protocol/http-pairing.md §7) as a typed,
// range-checked LaunchRequest. Both verbs take the same parameters; what is required differs.
// A request with any bad value is rejected whole (nothing is half-applied).
//
// Ownership: plain values. Thread rules: none (pure functions).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "lightwell/proto/query.hpp"
#include "lightwell/proto/result.hpp"

namespace lightwell::proto {

enum class LaunchVerb { launch, resume };

// `mode=WIDTHxHEIGHTxFPS`. All zero when the client sent none (the reference host's default
// "0x0x0"); fps 0 is what clients send to GFE above 60 fps. Only a display-mode hint: the
// encode parameters come from RTSP ANNOUNCE.
struct DisplayModeRequest {
  std::uint32_t width = 0;   // pixels, 0 or 1..16384 (0 only together with height 0)
  std::uint32_t height = 0;  // pixels
  std::uint32_t fps = 0;     // frames per second, 0..1000
};

// `surroundAudioInfo = (channelMask << 16) | channelCount` (stereo 0x30002 = 196610,
// 5.1 0x3F0006, 7.1 0x63F0008). The mask must name exactly channel_count speakers.
struct SurroundAudioInfo {
  std::uint16_t channel_count = 2;
  std::uint16_t channel_mask = 0x3;
  std::uint32_t raw() const noexcept {
    return (static_cast<std::uint32_t>(channel_mask) << 16) | channel_count;
  }
};

inline constexpr std::uint32_t kDefaultSurroundAudioInfo = 196610;  // stereo

struct LaunchRequest {
  // Launch: required, 1..INT32_MAX (app ids are positive, http-pairing.md §3).
  // Resume: optional and ignored by the host, 0..INT32_MAX when present.
  std::optional<std::uint32_t> app_id;
  DisplayModeRequest mode;
  bool additional_states = true;  // `additionalStates`, GFE-specific, always 1; 0/1 when present
  bool sops = false;              // `sops`: may the host change the display mode / game settings
  // `rikey`: AES-128 key of this session (control, encrypted RTSP, video, audio).
  std::array<std::uint8_t, 16> rikey{};
  // `rikeyid`: signed 32-bit decimal; values 2^31..2^32-1 are accepted too (the same 32 bits
  // written unsigned) and stored as their two's-complement int32.
  std::int32_t rikey_id = 0;
  bool local_audio_play_mode = false;  // `localAudioPlayMode`: also play audio on the host
  SurroundAudioInfo surround_audio;    // `surroundAudioInfo`, default stereo
  std::uint16_t remote_controllers_bitmap = 0;  // bit i = gamepad i attached (max 16 pads)
  std::uint16_t gcmap = 0;                      // same bitmap, GFE's name
  bool gc_persist = false;                      // `gcpersist`: keep virtual pads after disconnect
  std::uint32_t core_version = 0;               // `corever`, 0..255; >= 1: encrypted RTSP/control/video
  bool hdr_mode = false;                        // `hdrMode`
  std::optional<std::string> client_name;       // `clientName`, if present (<= 128 bytes)
  std::optional<std::string> surround_params;   // `surroundParams` (Sunshine ext., <= 64 bytes)
  bool continuous_audio = false;                // `continuousAudio` (Sunshine ext.)

  // The "RI IV": BE32((uint32)rikeyid) ‖ 12 zero bytes (http-pairing.md §7; legacy input
  // encryption and the audio IV base).
  std::array<std::uint8_t, 16> ri_iv() const noexcept;
  // corever >= 1: reply with rtspenc:// and use encrypted RTSP.
  bool wants_encryption() const noexcept { return core_version >= 1; }
};

// Required: launch -> appid, rikey, rikeyid, localAudioPlayMode;
//           resume -> rikey, rikeyid.
// The clientHdrCap* parameters are fixed dummies that every client sends alongside hdrMode;
// they are ignored (the query limits still bound them).
Result<LaunchRequest> parse_launch_request(const Query& query, LaunchVerb verb);

// Parses `WIDTHxHEIGHTxFPS` alone.
Result<DisplayModeRequest> parse_display_mode(std::string_view text);
// Decodes and checks a surroundAudioInfo value.
Result<SurroundAudioInfo> decode_surround_audio_info(std::uint32_t raw);

}  // namespace lightwell::proto
