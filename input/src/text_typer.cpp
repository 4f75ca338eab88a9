// See text_typer.hpp. Facts: input.md §3.3 (one code point per packet, the GTK/IBus
// Ctrl+Shift+U entry used by Sunshine on Linux), linux/input-event-codes.h (codes; letters
// and digits are not contiguous, so a table, input.md §3.2 pitfall).
#include "lightwell/input/text_typer.hpp"

#include <linux/input-event-codes.h>

#include <array>

namespace lightwell::input {
namespace {

constexpr DeviceId kKeyboard{DeviceKind::keyboard, 0};

struct Entry {
  std::uint16_t code = 0;  // 0 = no key
  bool shift = false;
};

// US layout, indexed by ASCII. Filled from the key caps of a US keyboard.
constexpr std::array<Entry, 128> make_us_table() {
  std::array<Entry, 128> t{};
  constexpr std::uint16_t letters[26] = {
      KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I, KEY_J, KEY_K, KEY_L, KEY_M,
      KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R, KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X, KEY_Y, KEY_Z};
  for (int i = 0; i < 26; ++i) {
    t[static_cast<std::size_t>('a' + i)] = {letters[i], false};
    t[static_cast<std::size_t>('A' + i)] = {letters[i], true};
  }
  constexpr std::uint16_t digits[10] = {KEY_0, KEY_1, KEY_2, KEY_3, KEY_4,
                                        KEY_5, KEY_6, KEY_7, KEY_8, KEY_9};
  for (int i = 0; i < 10; ++i) t[static_cast<std::size_t>('0' + i)] = {digits[i], false};
  // Shifted digit row: ! @ # $ % ^ & * ( ) on 1..9, 0.
  constexpr char shifted_digits[10] = {')', '!', '@', '#', '$', '%', '^', '&', '*', '('};
  for (int i = 0; i < 10; ++i) t[static_cast<std::size_t>(shifted_digits[i])] = {digits[i], true};
  const struct {
    char plain, shifted;
    std::uint16_t code;
  } punct[] = {
      {'-', '_', KEY_MINUS},     {'=', '+', KEY_EQUAL},      {'[', '{', KEY_LEFTBRACE},
      {']', '}', KEY_RIGHTBRACE}, {'\\', '|', KEY_BACKSLASH}, {';', ':', KEY_SEMICOLON},
      {'\'', '"', KEY_APOSTROPHE}, {'`', '~', KEY_GRAVE},    {',', '<', KEY_COMMA},
      {'.', '>', KEY_DOT},       {'/', '?', KEY_SLASH},
  };
  for (const auto& p : punct) {
    t[static_cast<std::size_t>(p.plain)] = {p.code, false};
    t[static_cast<std::size_t>(p.shifted)] = {p.code, true};
  }
  t[' '] = {KEY_SPACE, false};
  t['\n'] = {KEY_ENTER, false};
  t['\t'] = {KEY_TAB, false};
  return t;
}
constexpr auto kUsTable = make_us_table();

constexpr std::uint16_t kHexDigitKeys[16] = {KEY_0, KEY_1, KEY_2, KEY_3, KEY_4, KEY_5,
                                             KEY_6, KEY_7, KEY_8, KEY_9, KEY_A, KEY_B,
                                             KEY_C, KEY_D, KEY_E, KEY_F};

}  // namespace

std::optional<UsKey> us_key_for(char32_t ascii) noexcept {
  if (ascii >= kUsTable.size()) return std::nullopt;
  const Entry e = kUsTable[ascii];
  if (e.code == 0) return std::nullopt;
  return UsKey{e.code, e.shift};
}

void TextTyper::press(std::uint16_t code, bool down) {
  sink_.emit({kKeyboard, EV_KEY, code, down ? 1 : 0});
  sink_.emit({kKeyboard, EV_SYN, SYN_REPORT, 0});
}

void TextTyper::tap(std::uint16_t code) {
  press(code, true);
  press(code, false);
}

void TextTyper::type(const proto::input::TextEvent& e) {
  for (const char32_t cp : e.decoded()) type_code_point(cp);
}

void TextTyper::type_code_point(char32_t cp) {
  if (const auto k = us_key_for(cp)) {
    if (k->shift) press(KEY_LEFTSHIFT, true);
    tap(k->code);
    if (k->shift) press(KEY_LEFTSHIFT, false);
    return;
  }
  if (cp < 0x20 || cp == 0x7F) return;  // other controls: not text (see header)
  // GTK/IBus Unicode entry: Ctrl+Shift+U starts it (released again before the digits, which
  // both accept), the lowercase hex digits name the code point, Space commits it.
  press(KEY_LEFTCTRL, true);
  press(KEY_LEFTSHIFT, true);
  tap(KEY_U);
  press(KEY_LEFTSHIFT, false);
  press(KEY_LEFTCTRL, false);
  char hex[8];
  int n = 0;
  for (std::uint32_t v = static_cast<std::uint32_t>(cp); v != 0 || n == 0; v >>= 4)
    hex[n++] = static_cast<char>(v & 0xF);
  while (n > 0) tap(kHexDigitKeys[static_cast<std::size_t>(hex[--n])]);
  tap(KEY_SPACE);
}

}  // namespace lightwell::input
