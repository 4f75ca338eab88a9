// UTF-8 text packets (input.md §3.3) and the strict UTF-8 decoder they need. A host types
// these code points into the OS, so anything that is not well-formed UTF-8 is rejected
// rather than repaired: overlong forms and surrogates are classic filter bypasses.
#include <string>

#include "lightwell/proto/input.hpp"
#include "lightwell/proto/input_detail.hpp"

namespace lightwell::proto::input::detail {

namespace {

bool is_continuation(std::uint8_t b) noexcept { return (b & 0xC0) == 0x80; }

}  // namespace

Result<std::size_t> decode_utf8(Bytes text, std::span<char32_t> out) {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::uint8_t lead = text[i];
    std::size_t length = 0;
    char32_t cp = 0;
    // RFC 3629 §4 table: the lead byte fixes the length and the allowed range of the first
    // continuation byte (which is what excludes overlong forms, surrogates and > U+10FFFF).
    std::uint8_t second_min = 0x80;
    std::uint8_t second_max = 0xBF;
    if (lead < 0x80) {
      length = 1;
      cp = lead;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      cp = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      cp = lead & 0x0Fu;
      if (lead == 0xE0) second_min = 0xA0;  // below: overlong
      if (lead == 0xED) second_max = 0x9F;  // above: UTF-16 surrogates U+D800..U+DFFF
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      cp = lead & 0x07u;
      if (lead == 0xF0) second_min = 0x90;  // below: overlong
      if (lead == 0xF4) second_max = 0x8F;  // above: beyond U+10FFFF
    } else {
      // 0x80..0xC1 (stray continuation, overlong 2-byte lead) and 0xF5..0xFF.
      return fail(Errc::malformed, "invalid UTF-8 lead byte at offset " + std::to_string(i));
    }
    if (length > text.size() - i) {
      return fail(Errc::malformed, "truncated UTF-8 sequence at offset " + std::to_string(i));
    }
    for (std::size_t k = 1; k < length; ++k) {
      const std::uint8_t b = text[i + k];
      const bool in_range = k == 1 ? (b >= second_min && b <= second_max) : is_continuation(b);
      if (!in_range) {
        return fail(Errc::malformed,
                    "invalid UTF-8 continuation byte at offset " + std::to_string(i + k));
      }
      cp = (cp << 6) | (b & 0x3Fu);
    }
    if (cp == 0) {
      // Typing NUL has no meaning and would cut C strings in the injector.
      return fail(Errc::out_of_range, "UTF-8 text contains U+0000");
    }
    if (count == out.size()) {
      return fail(Errc::too_large, "UTF-8 text has more code points than fit");
    }
    out[count++] = cp;
    i += length;
  }
  return count;
}

Result<InputEvent> parse_text(Bytes packet) {
  // input.md §3.3: the body is size - 4 bytes of UTF-8 (the size field already equals the
  // real length). The client sends one code point (1..4 bytes); we accept up to the
  // client's 32-byte buffer.
  const std::size_t body = packet.size() - kHeaderBytes;
  if (body == 0) return fail(Errc::truncated, "UTF-8 text packet without text");
  if (body > kMaxTextBytes) {
    return fail(Errc::too_large, "UTF-8 text of " + std::to_string(body) + " bytes exceeds " +
                                     std::to_string(kMaxTextBytes));
  }
  const Bytes text = packet.subspan(kHeaderBytes);
  TextEvent e;
  auto count = decode_utf8(text, e.code_points);
  if (!count) return tl::unexpected(count.error());
  for (std::size_t i = 0; i < text.size(); ++i) e.bytes[i] = static_cast<char>(text[i]);
  e.size_bytes = static_cast<std::uint8_t>(text.size());
  e.code_point_count = static_cast<std::uint8_t>(*count);
  return e;
}

}  // namespace lightwell::proto::input::detail
