// The software media backends of issue 4 (stream_controller.hpp software_media_backends).
#include "lightwell/audio/opus_encoder.hpp"
#include "lightwell/audio/pipewire_source.hpp"
#include "lightwell/audio/test_tone.hpp"
#include "lightwell/capture/test_pattern.hpp"
#include "lightwell/encode/encoder_table.hpp"
#include "lightwell/encode/video_encoder.hpp"
#include "lightwell/server/stream_controller.hpp"

namespace lightwell::server {

MediaBackends software_media_backends() {
  MediaBackends b;
  b.frame_source = [](std::uint32_t width_px, std::uint32_t height_px) {
    return capture::make_test_pattern_source(width_px, height_px);
  };
  // The first entry of the encoder table that can encode the negotiated codec and mode
  // (encode/encoder_table.hpp: hardware first, then x264 / x265 / SVT-AV1).
  b.video_encoder = [](const encode::EncoderConfig& config) { return encode::create_encoder(config); };
  b.audio_source = [](std::uint32_t channels, const Log&) { return audio::make_test_tone_source(channels); };
  b.audio_encoder = [](const audio::OpusConfig& config) { return audio::make_opus_encoder(config); };
  return b;
}

MediaBackends media_backends(const AudioOptions& audio) {
  MediaBackends b = software_media_backends();
  if (audio.source == AudioSourceKind::pipewire) {
    b.audio_source = [audio](std::uint32_t channels, const Log& log) {
      audio::PipeWireSourceOptions o;
      o.channels = channels;
      o.target_sink = audio.sink;
      o.virtual_sink = audio.virtual_sink;
      o.max_channels = audio.max_channels;
      o.on_event = [log](std::string_view line) { log.info("{}", line); };
      return audio::make_pipewire_source(o);
    };
  }
  return b;
}

}  // namespace lightwell::server
