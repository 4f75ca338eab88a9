// A single-producer single-consumer float ring between PipeWire's real-time thread (producer:
// copies only, never blocks or allocates) and the session's audio thread (consumer). Internal
// to audio/ (pipewire_source.cpp, pipewire_capture.cpp).
//
// Ownership: the PipeWireSource owns the ring for the whole session; each PipeWire connection
// (there is a new one after PipeWire restarts) pushes into it while it lives, and the previous
// connection is destroyed before the next one is made, so there is only ever one producer.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <vector>

namespace lightwell::audio::detail {

class FloatRing {
 public:
  // frame_samples: samples per frame (the channel count); push() and discard() keep frames whole.
  FloatRing(std::size_t capacity_samples, std::size_t frame_samples)
      : data_(capacity_samples - capacity_samples % frame_samples), frame_samples_(frame_samples) {}
  FloatRing(const FloatRing&) = delete;
  FloatRing& operator=(const FloatRing&) = delete;

  // Producer. What does not fit is dropped: the consumer is late, and dropping the newest
  // samples keeps the producer wait-free (the consumer bounds latency with discard()).
  void push(const float* src, std::size_t n) noexcept {
    const std::size_t head = head_.load(std::memory_order_relaxed);
    const std::size_t tail = tail_.load(std::memory_order_acquire);
    n = std::min(n, data_.size() - (head - tail));
    n -= n % frame_samples_;
    for (std::size_t i = 0; i < n; ++i) data_[(head + i) % data_.size()] = src[i];
    head_.store(head + n, std::memory_order_release);
  }
  // Consumer.
  std::size_t available() const noexcept {
    return head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_relaxed);
  }
  std::size_t pop(float* dst, std::size_t n) noexcept {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    n = std::min(n, head_.load(std::memory_order_acquire) - tail);
    for (std::size_t i = 0; i < n; ++i) dst[i] = data_[(tail + i) % data_.size()];
    tail_.store(tail + n, std::memory_order_release);
    return n;
  }
  // Consumer: drops the n oldest samples (or all there are).
  void discard(std::size_t n) noexcept {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    n = std::min(n, head_.load(std::memory_order_acquire) - tail);
    n -= n % frame_samples_;
    tail_.store(tail + n, std::memory_order_release);
  }
  std::size_t capacity() const noexcept { return data_.size(); }

 private:
  std::vector<float> data_;
  std::size_t frame_samples_;
  std::atomic<std::size_t> head_{0};
  std::atomic<std::size_t> tail_{0};
};

}  // namespace lightwell::audio::detail
