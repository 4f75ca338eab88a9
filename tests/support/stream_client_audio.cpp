// AudioReassembler: audio datagrams -> Opus packets in sequence order (audio.md §3-§5,
// fec.md §3). Behaviour and limits are described in stream_client_media.hpp.
#include <cstring>
#include <map>
#include <stdexcept>
#include <utility>

#include "lightwell/proto/crypto/aes.hpp"
#include "lightwell/proto/crypto/media_cipher.hpp"
#include "lightwell/proto/fec.hpp"
#include "stream_client_media.hpp"

namespace lightwell::test {
namespace {

constexpr std::size_t kRtpBytes = 12;
constexpr std::size_t kFecHeaderBytes = 12;  // after the RTP header (audio.md §5.2)
constexpr std::uint8_t kDataType = 97, kFecType = 127;

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
std::uint32_t be32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

}  // namespace

struct AudioReassembler::State {
  struct Packet {
    std::uint32_t timestamp_ms = 0;
    std::vector<std::uint8_t> payload;  // as sent (ciphertext when encrypted)
    bool recovered = false;
  };
  struct Block {
    std::array<std::optional<Packet>, 4> data;
    std::array<std::vector<std::uint8_t>, 2> fec;  // empty = missing
    std::optional<std::uint32_t> base_timestamp_ms;
  };
  std::optional<proto::crypto::AesCbc> cbc;
  bool started = false;
  std::int64_t next = 0;                 // unwrapped sequence number of the next packet to deliver
  std::map<std::int64_t, Block> blocks;  // by unwrapped base sequence number (multiple of 4)

  // 16-bit sequence number -> unwrapped, nearest to `next` (serial arithmetic).
  std::int64_t unwrap(std::uint16_t seq) const {
    return next + static_cast<std::int16_t>(static_cast<std::uint16_t>(seq - static_cast<std::uint16_t>(next)));
  }
};

AudioReassembler::AudioReassembler(AudioReassemblerOptions options)
    : options_(std::move(options)), state_(std::make_unique<State>()) {
  if (options_.key) {
    auto cbc = proto::crypto::AesCbc::create(*options_.key);
    if (!cbc) throw std::runtime_error("AES-CBC: " + cbc.error().message);
    state_->cbc.emplace(std::move(*cbc));
  }
}
AudioReassembler::~AudioReassembler() = default;
AudioReassembler::AudioReassembler(AudioReassembler&&) noexcept = default;
AudioReassembler& AudioReassembler::operator=(AudioReassembler&&) noexcept = default;

std::vector<ReceivedAudioPacket> AudioReassembler::push(std::span<const std::uint8_t> d) {
  std::vector<ReceivedAudioPacket> out;
  State& st = *state_;
  ++counters_.datagrams;
  if (d.size() <= kRtpBytes || (d[0] & 0xC0) != 0x80) { ++counters_.malformed; return out; }
  const std::uint8_t type = d[1] & 0x7F;
  if (type == kDataType) {
    const std::uint16_t seq = be16(&d[2]);
    if (!st.started) {
      // Start at the first block boundary at or after the first packet (audio.md §5.3).
      st.started = true;
      st.next = (seq + 3) & ~3;
    }
    const std::int64_t useq = st.unwrap(seq);
    if (options_.drop_one_packet_per_fec_block && (useq & 3) == ((useq >> 2) & 3)) {
      ++counters_.dropped_on_purpose;
      return out;
    }
    if (useq < st.next) return out;  // late, duplicate, or before the first block
    auto& slot = st.blocks[useq & ~std::int64_t{3}].data[static_cast<std::size_t>(useq & 3)];
    if (slot) return out;
    slot = State::Packet{be32(&d[4]), {d.begin() + kRtpBytes, d.end()}, false};
  } else if (type == kFecType) {
    ++counters_.fec_datagrams;
    if (d.size() <= kRtpBytes + kFecHeaderBytes) { ++counters_.malformed; return out; }
    const std::uint8_t shard = d[12];
    const std::uint16_t base = be16(&d[14]);
    if (shard >= 2 || d[13] != kDataType || (base & 3) != 0) { ++counters_.malformed; return out; }
    if (!st.started) return out;  // nothing of this block was seen: cannot be the first one
    const std::int64_t ubase = st.unwrap(base);
    if (ubase < (st.next & ~std::int64_t{3})) return out;
    auto& block = st.blocks[ubase];
    block.fec[shard].assign(d.begin() + kRtpBytes + kFecHeaderBytes, d.end());
    block.base_timestamp_ms = be32(&d[16]);
  } else {
    ++counters_.malformed;
    return out;
  }

  // Deliver in order; rebuild from FEC when something is missing; give a packet up once a
  // later block has started (the host sends a block's FEC before the next block's data).
  auto deliver = [&](std::int64_t useq, State::Packet& p) {
    ReceivedAudioPacket r;
    r.sequence_number = static_cast<std::uint16_t>(useq);
    r.timestamp_ms = p.timestamp_ms;
    r.recovered_with_fec = p.recovered;
    if (st.cbc) {
      r.opus.resize(p.payload.size());
      auto n = proto::crypto::open_audio_payload(*st.cbc, options_.rikeyid, r.sequence_number, p.payload, r.opus);
      if (!n) { ++counters_.malformed; ++counters_.packets_lost; return; }
      r.opus.resize(*n);
    } else {
      r.opus = p.payload;  // copied: the block keeps its shards for FEC
    }
    out.push_back(std::move(r));
  };
  while (true) {
    const std::int64_t base = st.next & ~std::int64_t{3};
    while (!st.blocks.empty() && st.blocks.begin()->first < base) st.blocks.erase(st.blocks.begin());
    auto it = st.blocks.find(base);
    if (it == st.blocks.end()) {
      if (st.blocks.empty()) break;
      // Nothing of this block arrived but a later one did: all of it is lost.
      ++counters_.packets_lost;
      ++st.next;
      continue;
    }
    State::Block& block = it->second;
    const auto i = static_cast<std::size_t>(st.next & 3);
    if (block.data[i]) {
      deliver(st.next, *block.data[i]);
      ++st.next;
      continue;
    }
    // Try FEC: any 4 of the 6 shards, all of the same length (audio.md §5.1).
    std::size_t have = 0, length = 0;
    bool same_length = true;
    auto note = [&](const std::vector<std::uint8_t>& shard) {
      if (length == 0) length = shard.size();
      same_length = same_length && shard.size() == length;
      ++have;
    };
    for (auto& p : block.data) if (p) note(p->payload);
    for (auto& f : block.fec) if (!f.empty()) note(f);
    if (have >= 4 && same_length && block.base_timestamp_ms) {
      std::array<std::vector<std::uint8_t>, 6> shards;
      std::array<std::uint8_t*, 6> ptrs{};
      bool present[6]{};
      for (std::size_t k = 0; k < 6; ++k) {
        const std::vector<std::uint8_t>* src = k < 4 ? (block.data[k] ? &block.data[k]->payload : nullptr)
                                                     : (block.fec[k - 4].empty() ? nullptr : &block.fec[k - 4]);
        present[k] = src != nullptr;
        shards[k] = src ? *src : std::vector<std::uint8_t>(length, 0);
        ptrs[k] = shards[k].data();
      }
      if (proto::fec::reconstruct(proto::fec::Matrix::audio(), ptrs, std::span<const bool>(present, 6), length)) {
        for (std::size_t k = 0; k < 4; ++k) {
          if (present[k]) continue;
          block.data[k] = State::Packet{
              *block.base_timestamp_ms + static_cast<std::uint32_t>(k) * options_.packet_duration_ms,
              std::move(shards[k]), true};
          ++counters_.fec_recoveries;
        }
        continue;
      }
      ++counters_.malformed;
    }
    if (std::next(it) == st.blocks.end()) break;  // the block may still complete
    ++counters_.packets_lost;
    ++st.next;
  }
  return out;
}

}  // namespace lightwell::test
