// A small H.264 Annex-B reader for the encoder tests: NAL unit splitting, emulation-prevention
// removal, an Exp-Golomb bit reader, the SPS (with its VUI) and the first fields of a slice
// header (ITU-T H.264 §7.3.2.1, §7.3.3, Annex E.1). Written from the standard, independent of
// the encoder, so the tests check what is on the wire rather than what we asked x264 for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <vector>

namespace lightwell::test::h264 {

struct Nal {
  int type = 0;                          // nal_unit_type
  std::size_t start_code_offset = 0;     // where its start code begins in the access unit
  std::span<const std::uint8_t> bytes;   // header byte + payload (escaped), no start code
};

// Splits an Annex-B access unit at 00 00 01 / 00 00 00 01. Trailing zero bytes belong to no
// NAL unit (they are legal padding).
inline std::vector<Nal> split_annexb(std::span<const std::uint8_t> au) {
  std::vector<Nal> out;
  std::size_t i = 0;
  const auto start_at = [&](std::size_t k) { return k + 3 <= au.size() && au[k] == 0 && au[k + 1] == 0 && au[k + 2] == 1; };
  std::optional<std::size_t> payload_begin;
  std::size_t code_begin = 0;
  const auto close = [&](std::size_t end) {
    if (!payload_begin) return;
    while (end > *payload_begin && au[end - 1] == 0) --end;  // trailing_zero_8bits / next code's 00
    if (end > *payload_begin) {
      out.push_back(Nal{au[*payload_begin] & 0x1F, code_begin, au.subspan(*payload_begin, end - *payload_begin)});
    }
  };
  while (i < au.size()) {
    if (start_at(i)) {
      const std::size_t code = (i > 0 && au[i - 1] == 0) ? i - 1 : i;
      close(code);
      code_begin = code;
      payload_begin = i + 3;
      i += 3;
    } else {
      ++i;
    }
  }
  close(au.size());
  return out;
}

// RBSP of a NAL unit payload (after the header byte): drops emulation_prevention_three_byte.
inline std::vector<std::uint8_t> unescape(std::span<const std::uint8_t> nal_with_header) {
  std::vector<std::uint8_t> rbsp;
  int zeros = 0;
  for (std::size_t i = 1; i < nal_with_header.size(); ++i) {
    const std::uint8_t b = nal_with_header[i];
    if (zeros >= 2 && b == 3) {
      zeros = 0;
      continue;
    }
    rbsp.push_back(b);
    zeros = b == 0 ? zeros + 1 : 0;
  }
  return rbsp;
}

class BitReader {
 public:
  explicit BitReader(std::span<const std::uint8_t> data) : data_(data) {}
  std::uint32_t u(int bits) {
    std::uint32_t v = 0;
    for (int k = 0; k < bits; ++k) v = (v << 1) | bit();
    return v;
  }
  std::uint32_t ue() {
    int leading = 0;
    while (bit() == 0) {
      if (++leading > 31) throw std::runtime_error("Exp-Golomb code longer than 32 bits");
    }
    return leading == 0 ? 0 : ((1u << leading) - 1 + u(leading));
  }
  std::int32_t se() {
    const std::uint32_t k = ue();
    return (k & 1) != 0 ? static_cast<std::int32_t>((k + 1) / 2) : -static_cast<std::int32_t>(k / 2);
  }

 private:
  std::uint32_t bit() {
    if (pos_ >= data_.size() * 8) throw std::runtime_error("read past the end of the RBSP");
    const std::uint32_t b = (data_[pos_ / 8] >> (7 - pos_ % 8)) & 1u;
    ++pos_;
    return b;
  }
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
};

struct Sps {
  std::uint32_t profile_idc = 0, level_idc = 0;
  std::uint32_t max_num_ref_frames = 0;
  std::uint32_t width_px = 0, height_px = 0;  // after cropping (4:2:0, frame_mbs_only)
  bool vui_present = false;
  // VUI (Annex E.1.1)
  bool video_signal_type_present = false;
  std::uint32_t video_format = 5;
  bool full_range = false;
  bool colour_description_present = false;
  std::uint32_t colour_primaries = 2, transfer_characteristics = 2, matrix_coefficients = 2;
  bool timing_info_present = false;
  std::uint32_t num_units_in_tick = 0, time_scale = 0;
  bool fixed_frame_rate = false;
  bool nal_hrd = false, vcl_hrd = false;
  bool bitstream_restriction = false;
  bool motion_vectors_over_pic_boundaries = false;
  std::uint32_t max_num_reorder_frames = 0, max_dec_frame_buffering = 0;
};

inline void skip_hrd(BitReader& r) {
  const std::uint32_t cpb_cnt = r.ue() + 1;
  r.u(4);
  r.u(4);
  for (std::uint32_t i = 0; i < cpb_cnt; ++i) {
    r.ue();
    r.ue();
    r.u(1);
  }
  r.u(20);  // four 5-bit lengths
}

inline Sps parse_sps(const Nal& nal) {
  if (nal.type != 7) throw std::runtime_error("not an SPS");
  const std::vector<std::uint8_t> rbsp = unescape(nal.bytes);
  BitReader r(rbsp);
  Sps s;
  s.profile_idc = r.u(8);
  r.u(8);  // constraint flags + reserved
  s.level_idc = r.u(8);
  r.ue();  // seq_parameter_set_id
  std::uint32_t chroma_format_idc = 1;
  switch (s.profile_idc) {
    case 100: case 110: case 122: case 244: case 44: case 83: case 86: case 118: case 128: case 138: case 139:
    case 134: case 135:
      chroma_format_idc = r.ue();
      if (chroma_format_idc == 3) r.u(1);
      r.ue();  // bit_depth_luma_minus8
      r.ue();  // bit_depth_chroma_minus8
      r.u(1);  // qpprime_y_zero_transform_bypass_flag
      if (r.u(1) != 0) throw std::runtime_error("scaling matrices not handled by this test reader");
      break;
    default: break;
  }
  r.ue();  // log2_max_frame_num_minus4
  const std::uint32_t poc_type = r.ue();
  if (poc_type == 0) {
    r.ue();
  } else if (poc_type == 1) {
    r.u(1);
    r.se();
    r.se();
    const std::uint32_t n = r.ue();
    for (std::uint32_t i = 0; i < n; ++i) r.se();
  }
  s.max_num_ref_frames = r.ue();
  r.u(1);  // gaps_in_frame_num_value_allowed_flag
  const std::uint32_t mb_w = r.ue() + 1, map_h = r.ue() + 1;
  const bool frame_mbs_only = r.u(1) != 0;
  if (!frame_mbs_only) r.u(1);
  r.u(1);  // direct_8x8_inference_flag
  std::uint32_t crop[4] = {0, 0, 0, 0};
  if (r.u(1) != 0) {
    for (auto& c : crop) c = r.ue();
  }
  if (chroma_format_idc != 1 || !frame_mbs_only) throw std::runtime_error("only 4:2:0 progressive handled");
  s.width_px = mb_w * 16 - 2 * (crop[0] + crop[1]);
  s.height_px = map_h * 16 - 2 * (crop[2] + crop[3]);
  s.vui_present = r.u(1) != 0;
  if (!s.vui_present) return s;
  if (r.u(1) != 0) {  // aspect_ratio_info_present_flag
    if (r.u(8) == 255) r.u(32);
  }
  if (r.u(1) != 0) r.u(1);  // overscan
  s.video_signal_type_present = r.u(1) != 0;
  if (s.video_signal_type_present) {
    s.video_format = r.u(3);
    s.full_range = r.u(1) != 0;
    s.colour_description_present = r.u(1) != 0;
    if (s.colour_description_present) {
      s.colour_primaries = r.u(8);
      s.transfer_characteristics = r.u(8);
      s.matrix_coefficients = r.u(8);
    }
  }
  if (r.u(1) != 0) {  // chroma_loc_info_present_flag
    r.ue();
    r.ue();
  }
  s.timing_info_present = r.u(1) != 0;
  if (s.timing_info_present) {
    s.num_units_in_tick = r.u(32);
    s.time_scale = r.u(32);
    s.fixed_frame_rate = r.u(1) != 0;
  }
  s.nal_hrd = r.u(1) != 0;
  if (s.nal_hrd) skip_hrd(r);
  s.vcl_hrd = r.u(1) != 0;
  if (s.vcl_hrd) skip_hrd(r);
  if (s.nal_hrd || s.vcl_hrd) r.u(1);  // low_delay_hrd_flag
  r.u(1);                              // pic_struct_present_flag
  s.bitstream_restriction = r.u(1) != 0;
  if (s.bitstream_restriction) {
    s.motion_vectors_over_pic_boundaries = r.u(1) != 0;
    r.ue();  // max_bytes_per_pic_denom
    r.ue();  // max_bits_per_mb_denom
    r.ue();  // log2_max_mv_length_horizontal
    r.ue();  // log2_max_mv_length_vertical
    s.max_num_reorder_frames = r.ue();
    s.max_dec_frame_buffering = r.ue();
  }
  return s;
}

struct SliceStart {
  std::uint32_t first_mb_in_slice = 0;
  std::uint32_t slice_type = 0;  // mod 5: 0 P, 1 B, 2 I
};

inline SliceStart parse_slice_start(const Nal& nal) {
  if (nal.type != 1 && nal.type != 5) throw std::runtime_error("not a slice");
  const std::vector<std::uint8_t> rbsp = unescape(nal.bytes.first(std::min<std::size_t>(nal.bytes.size(), 16)));
  BitReader r(rbsp);
  SliceStart s;
  s.first_mb_in_slice = r.ue();
  s.slice_type = r.ue() % 5;
  return s;
}

}  // namespace lightwell::test::h264
