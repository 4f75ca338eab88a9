// Audio packetizer (shared/protocol/audio.md §3–§5): one RTP datagram per Opus packet, with
// the payload optionally AES-CBC encrypted by a sealer, and after every 4th data packet two
// FEC datagrams computed with the fixed audio matrix (fec.md §3) over the payloads as sent.
//
// Buffers and ownership (docs/packetizers.md): the packetizer owns six fixed 1400-byte
// datagram buffers (4 data + 2 FEC) and never allocates after create(). The data payloads of
// the current block stay in their buffers, which are the RS data shards. packetize() returns
// spans into those buffers, valid until the next packetize() call, a move, or destruction.
//
// Equal payload sizes: the client disables audio FEC for the whole session when two packets of
// a block differ in payload length (audio.md §5.1), data packets included, so padding the FEC
// alone cannot help, and an Opus packet cannot be zero-padded. We therefore require CBR: the
// first packet of a block (sequence number ≡ 0 mod 4) fixes the block's payload size (after
// encryption), and a later packet of another size is rejected (out_of_range) without
// consuming a sequence number. The size may change at block boundaries.
//
// Pure: sequence numbers and millisecond timestamps are state advanced per packet (audio.md §3:
// both start at 0; timestamp += packetDuration). Thread: one packetizer per audio send thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "lightwell/proto/bytes.hpp"
#include "lightwell/proto/fec.hpp"
#include "lightwell/proto/result.hpp"

namespace lightwell::proto {

inline constexpr std::size_t kAudioRtpHeaderBytes = 12;
inline constexpr std::size_t kAudioFecHeaderBytes = 12;  // after the RTP header of an FEC packet
inline constexpr std::size_t kAudioMaxDatagramBytes = 1400;  // the client's receive buffer
// FEC datagrams carry 24 header bytes and a shard as long as the payload (audio.md §3).
inline constexpr std::size_t kAudioMaxPayloadBytes =
    kAudioMaxDatagramBytes - kAudioRtpHeaderBytes - kAudioFecHeaderBytes;  // 1376
inline constexpr std::size_t kAudioDataShards = 4;
inline constexpr std::size_t kAudioParityShards = 2;
inline constexpr std::uint8_t kAudioPayloadType = 97;
inline constexpr std::uint8_t kAudioFecPayloadType = 127;

// audio.md §4: IV = BE32(uint32(rikeyid) + sequenceNumber) ‖ 12 zero bytes.
std::array<std::uint8_t, 16> audio_encryption_iv(std::int32_t rikeyid, std::uint16_t sequence_number) noexcept;

// Encrypts one payload (implemented in proto_crypto: AudioEncryptor in crypto/media_cipher.hpp).
class AudioPayloadSealer {
 public:
  // Length of the sealed payload for a plaintext of plaintext_bytes.
  virtual std::size_t sealed_size(std::size_t plaintext_bytes) const noexcept = 0;
  // Writes exactly sealed_size(plaintext.size()) bytes to out (out is that long).
  virtual Result<void> seal(std::uint16_t sequence_number, Bytes plaintext, MutableBytes out) = 0;

 protected:
  ~AudioPayloadSealer() = default;
};

struct AudioStreamParams {
  // x-nv-aqos.packetDuration (audio.md §2.2): an Opus-legal whole number of milliseconds,
  // one of 5, 10, 20, 40, 60 (the client carries it as an integer; 2.5 cannot be negotiated).
  std::uint32_t packet_duration_ms = 5;
  std::uint16_t first_sequence_number = 0;  // audio.md §3: 0; must be a multiple of 4 (§5.1)
  std::uint32_t first_timestamp_ms = 0;     // audio.md §3: 0
};

class AudioPacketizer {
 public:
  static Result<AudioPacketizer> create(const AudioStreamParams& params, fec::Kernel kernel = fec::best_kernel());

  // Packetizes one Opus packet (borrowed for the call). Returns the datagrams to send now, in
  // order: the data datagram, followed by the block's two FEC datagrams when this packet
  // completed a block. sealer == nullptr sends the payload in clear. Errors (nothing consumed):
  // empty payload (malformed), sealed payload > 1376 bytes (too_large), size differing from the
  // block's first packet (out_of_range), sealer failure.
  Result<std::span<const Bytes>> packetize(Bytes opus_packet, AudioPayloadSealer* sealer = nullptr);

  std::uint16_t next_sequence_number() const noexcept { return next_seq_; }
  std::uint32_t next_timestamp_ms() const noexcept { return next_ts_; }
  // Payload size fixed for the current block, 0 at a block boundary.
  std::size_t block_payload_bytes() const noexcept { return block_payload_; }

 private:
  AudioPacketizer(const AudioStreamParams& params, fec::Kernel kernel);

  AudioStreamParams params_;
  fec::Encoder encoder_;
  std::uint16_t next_seq_;
  std::uint32_t next_ts_;
  std::uint32_t block_base_ts_ = 0;
  std::size_t block_payload_ = 0;
  // 0..3 data datagrams of the current block, 4..5 its FEC datagrams.
  std::array<std::array<std::uint8_t, kAudioMaxDatagramBytes>, kAudioDataShards + kAudioParityShards> buffers_{};
  std::array<Bytes, 1 + kAudioParityShards> out_{};
};

}  // namespace lightwell::proto
