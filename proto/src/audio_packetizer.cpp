// Audio RTP + FEC datagrams (audio.md §3, §5) with the fixed parity matrix (fec.md §3).
#include <cstring>
#include <string>

#include "lightwell/proto/audio_packetizer.hpp"

namespace lightwell::proto {

namespace {

void write_rtp_header(std::uint8_t* p, std::uint8_t payload_type, std::uint16_t seq, std::uint32_t timestamp) {
  p[0] = 0x80;  // V=2, no extension (audio.md §3)
  p[1] = payload_type;
  store_u16_be(p + 2, seq);
  store_u32_be(p + 4, timestamp);
  store_u32_be(p + 8, 0);  // SSRC
}

}  // namespace

std::array<std::uint8_t, 16> audio_encryption_iv(std::int32_t rikeyid, std::uint16_t sequence_number) noexcept {
  std::array<std::uint8_t, 16> iv{};
  // 32-bit two's-complement wrap-around addition (audio.md §4).
  store_u32_be(iv.data(), static_cast<std::uint32_t>(rikeyid) + sequence_number);
  return iv;
}

AudioPacketizer::AudioPacketizer(const AudioStreamParams& params, fec::Kernel kernel)
    : params_(params),
      encoder_(fec::Matrix::audio(), kernel),
      next_seq_(params.first_sequence_number),
      next_ts_(params.first_timestamp_ms) {}

Result<AudioPacketizer> AudioPacketizer::create(const AudioStreamParams& params, fec::Kernel kernel) {
  switch (params.packet_duration_ms) {
    case 5: case 10: case 20: case 40: case 60: break;
    default:
      return fail(Errc::out_of_range,
                  "audio packetDuration " + std::to_string(params.packet_duration_ms) + " ms (need 5, 10, 20, 40 or 60)");
  }
  // audio.md §5.1: FEC blocks start at multiples of 4, or the client disables audio FEC.
  if (params.first_sequence_number % kAudioDataShards != 0) {
    return fail(Errc::out_of_range, "first audio sequence number " + std::to_string(params.first_sequence_number) +
                                        " is not a multiple of 4");
  }
  return AudioPacketizer(params, kernel);
}

Result<std::span<const Bytes>> AudioPacketizer::packetize(Bytes opus_packet, AudioPayloadSealer* sealer) {
  if (opus_packet.empty()) return fail(Errc::malformed, "empty audio packet");
  const std::size_t payload_size = sealer != nullptr ? sealer->sealed_size(opus_packet.size()) : opus_packet.size();
  if (payload_size > kAudioMaxPayloadBytes) {
    return fail(Errc::too_large, "audio payload of " + std::to_string(payload_size) + " bytes (max " +
                                     std::to_string(kAudioMaxPayloadBytes) + ")");
  }
  const std::size_t index = next_seq_ % kAudioDataShards;  // position in the FEC block
  if (index != 0 && payload_size != block_payload_) {
    return fail(Errc::out_of_range, "audio payload of " + std::to_string(payload_size) +
                                        " bytes in a block of " + std::to_string(block_payload_) +
                                        "-byte payloads (FEC needs CBR, audio.md §5.1)");
  }

  std::uint8_t* datagram = buffers_[index].data();
  MutableBytes payload(datagram + kAudioRtpHeaderBytes, payload_size);
  if (sealer != nullptr) {
    if (auto ok = sealer->seal(next_seq_, opus_packet, payload); !ok) return tl::unexpected(ok.error());
  } else {
    std::memcpy(payload.data(), opus_packet.data(), payload_size);
  }
  write_rtp_header(datagram, kAudioPayloadType, next_seq_, next_ts_);
  if (index == 0) {
    block_payload_ = payload_size;
    block_base_ts_ = next_ts_;
  }
  out_[0] = Bytes(datagram, kAudioRtpHeaderBytes + payload_size);
  std::size_t count = 1;

  if (index + 1 == kAudioDataShards) {
    // audio.md §5: parity over the four payloads as sent, then two FEC datagrams.
    const std::array<const std::uint8_t*, kAudioDataShards> data{
        buffers_[0].data() + kAudioRtpHeaderBytes, buffers_[1].data() + kAudioRtpHeaderBytes,
        buffers_[2].data() + kAudioRtpHeaderBytes, buffers_[3].data() + kAudioRtpHeaderBytes};
    constexpr std::size_t kFecOffset = kAudioRtpHeaderBytes + kAudioFecHeaderBytes;
    const std::array<std::uint8_t*, kAudioParityShards> parity{buffers_[4].data() + kFecOffset,
                                                                buffers_[5].data() + kFecOffset};
    encoder_.encode(data, parity, payload_size);
    const auto base_seq = static_cast<std::uint16_t>(next_seq_ - (kAudioDataShards - 1));
    for (std::size_t j = 0; j < kAudioParityShards; ++j) {
      std::uint8_t* p = buffers_[kAudioDataShards + j].data();
      // §5.2: Sunshine numbers FEC packets (4k+3) + 1 + j, colliding with the next block's
      // data numbers; harmless because the client tells them apart by payload type.
      write_rtp_header(p, kAudioFecPayloadType, static_cast<std::uint16_t>(next_seq_ + 1 + j), 0);
      p[12] = static_cast<std::uint8_t>(j);
      p[13] = kAudioPayloadType;
      store_u16_be(p + 14, base_seq);
      store_u32_be(p + 16, block_base_ts_);
      store_u32_be(p + 20, 0);
      out_[count++] = Bytes(p, kFecOffset + payload_size);
    }
    block_payload_ = 0;
  }

  next_seq_ = static_cast<std::uint16_t>(next_seq_ + 1);
  next_ts_ += params_.packet_duration_ms;
  return std::span<const Bytes>(out_.data(), count);
}

}  // namespace lightwell::proto
