// Reed–Solomon encode/decode throughput on one core, per kernel, for the video layouts the
// host really sends (video.md §5.2): a frame of ceil(frame / S) data shards split into blocks
// of at most 212 data shards (the largest block at 20 % FEC), Pn = ceil(D * 20 / 100) parity
// per block. Throughput counts DATA bytes (D * S per block), not parity. Figures only.
// Default timing is report.hpp's median; --best reports the fastest single call instead,
// which is what one uncontended core does when the machine is shared (docs/fec.md).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <random>
#include <string>
#include <vector>

#include "lightwell/proto/fec.hpp"
#include "report.hpp"

namespace fec = lightwell::proto::fec;
using lightwell::bench::Figure;
using lightwell::bench::Report;

namespace {

constexpr std::size_t kFecPercent = 20;
constexpr std::size_t kMaxDataPerBlock = 212;  // floor(255 * 100 / 120), video.md §5.2

struct Case {
  const char* frame_label;
  const char* shard_label;
  std::size_t frame_bytes;
  std::size_t shard_bytes;
  const char* target;
};

struct Variant {
  fec::Kernel kernel;
  fec::VectorWidth width;
  std::string name;
};

// One frame: contiguous data shards (shard i at data + i * S, as a packetizer slices a
// frame), blocks as video.md §5.2 splits them, parity buffers per block.
struct Frame {
  Frame(const Case& c, std::mt19937& rng) : shard(c.shard_bytes) {
    const std::size_t shards = (c.frame_bytes + shard - 1) / shard;
    const std::size_t blocks = (shards + kMaxDataPerBlock - 1) / kMaxDataPerBlock;
    const std::size_t per_block = (shards + blocks - 1) / blocks;
    bytes.resize(shards * shard);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    for (std::size_t first = 0; first < shards; first += per_block) {
      Block blk;
      const std::size_t d = std::min(per_block, shards - first);
      const std::size_t p = (d * kFecPercent + 99) / 100;
      for (std::size_t i = 0; i < d; ++i) blk.data.push_back(bytes.data() + (first + i) * shard);
      blk.parity_bytes.resize(p * shard);
      for (std::size_t j = 0; j < p; ++j) blk.parity.push_back(blk.parity_bytes.data() + j * shard);
      blocks_.push_back(std::move(blk));
    }
  }
  struct Block {
    std::vector<const std::uint8_t*> data;
    std::vector<std::uint8_t> parity_bytes;
    std::vector<std::uint8_t*> parity;
  };
  std::size_t data_bytes() const { return bytes.size(); }
  std::size_t shard;
  std::vector<std::uint8_t> bytes;
  std::vector<Block> blocks_;
};

bool has_flag(int argc, char** argv, const std::string& flag) {
  for (int i = 1; i < argc; ++i) {
    if (flag == argv[i]) return true;
  }
  return false;
}

// Seconds per call: median of rounds (report.hpp), or with best the fastest single call
// seen within the same time budget.
template <class Fn>
double time_call(Fn&& fn, double min_seconds, bool best) {
  if (!best) return lightwell::bench::seconds_per_call(fn, min_seconds);
  using clock = std::chrono::steady_clock;
  fn();
  double fastest = 1e30, total = 0;
  for (int calls = 0; calls < 20 || total < min_seconds; ++calls) {
    const auto start = clock::now();
    fn();
    const double t = std::chrono::duration<double>(clock::now() - start).count();
    fastest = std::min(fastest, t);
    total += t;
  }
  return fastest;
}

std::vector<Variant> variants() {
  std::vector<Variant> out;
  for (fec::Kernel k : {fec::Kernel::scalar, fec::Kernel::ssse3, fec::Kernel::avx2, fec::Kernel::gfni}) {
    if (fec::kernel_available(k)) out.push_back({k, fec::VectorWidth::widest, fec::to_string(k)});
  }
  // On AVX-512 machines also the ymm GFNI kernel (what CPUs with GFNI but no AVX-512 run).
  if (fec::kernel_available(fec::Kernel::gfni) &&
      fec::Encoder(fec::Matrix::audio(), fec::Kernel::gfni).vector_bytes() == 64) {
    out.push_back({fec::Kernel::gfni, fec::VectorWidth::max256, "gfni-ymm"});
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = lightwell::bench::quick_mode(argc, argv);
  const bool best = has_flag(argc, argv, "--best");
  const double min_seconds = quick ? 0.02 : 0.5;
  Report report("bench_fec");
  std::mt19937 rng(42);

  const Case cases[] = {
      {"60kB", "1024B", 60000, 1024, ">= 8 GB/s"},
      {"60kB", "1392B", 60000, 1392, ""},
      {"500kB", "1392B", 500000, 1392, ""},
  };
  const auto all = variants();
  std::printf("best kernel: %s; timing: %s\n", fec::to_string(fec::best_kernel()),
              best ? "fastest single call (--best)" : "median of rounds");
  for (const Case& c : cases) {
    Frame frame(c, rng);
    std::printf("# %s frame, %s shards: %zu data shards in %zu block(s), first block %zu+%zu\n", c.frame_label,
                c.shard_label, frame.bytes.size() / frame.shard, frame.blocks_.size(), frame.blocks_[0].data.size(),
                frame.blocks_[0].parity.size());
    for (const Variant& v : all) {
      // Encoders prepared up front, as EncoderCache keeps them for a session.
      std::vector<fec::Encoder> encoders;
      for (const auto& blk : frame.blocks_) {
        encoders.emplace_back(fec::Matrix::cauchy(blk.data.size(), blk.parity.size()).value(), v.kernel, v.width);
      }
      const double seconds = time_call(
          [&] {
            for (std::size_t b = 0; b < frame.blocks_.size(); ++b) {
              encoders[b].encode(frame.blocks_[b].data, frame.blocks_[b].parity, frame.shard);
            }
          },
          v.kernel == fec::Kernel::scalar ? min_seconds / 4 : min_seconds, best);
      report.add(Figure{std::string("fec_encode/") + c.frame_label + "/" + c.shard_label + "/" + v.name,
                        static_cast<double>(frame.data_bytes()) / seconds / 1e9, "GB/s", c.target});
    }

    // Decode as a client does on one lost data shard per block: pick rows, invert, rebuild,
    // with the best kernel. Counts the frame's data bytes per second of decode time.
    std::vector<std::vector<std::uint8_t*>> shard_ptrs;
    std::vector<std::vector<std::uint8_t>> lost_copy;
    std::vector<fec::Matrix> matrices;
    for (auto& blk : frame.blocks_) {
      const auto m = fec::Matrix::cauchy(blk.data.size(), blk.parity.size()).value();
      fec::Encoder(m).encode(blk.data, blk.parity, frame.shard);
      std::vector<std::uint8_t*> ptrs;
      for (const auto* d : blk.data) ptrs.push_back(const_cast<std::uint8_t*>(d));
      for (auto* p : blk.parity) ptrs.push_back(p);
      shard_ptrs.push_back(std::move(ptrs));
      matrices.push_back(m);
    }
    const double decode_seconds = time_call(
        [&] {
          for (std::size_t b = 0; b < frame.blocks_.size(); ++b) {
            const std::size_t n = shard_ptrs[b].size();
            std::unique_ptr<bool[]> present(new bool[n]);
            for (std::size_t s = 0; s < n; ++s) present[s] = s != 1;  // data shard 1 lost
            auto r = fec::reconstruct(matrices[b], shard_ptrs[b], std::span<const bool>(present.get(), n), frame.shard);
            if (!r) std::abort();
          }
        },
        min_seconds, best);
    report.add(Figure{std::string("fec_decode_1lost/") + c.frame_label + "/" + c.shard_label + "/" +
                          fec::to_string(fec::best_kernel()),
                      static_cast<double>(frame.data_bytes()) / decode_seconds / 1e9, "GB/s", ""});
  }
  return 0;
}
