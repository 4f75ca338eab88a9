// Injector: proto input events -> evdev events. Mapping facts: input.md §3.2 (VK table),
// §4 (mouse, scroll), linux/input-event-codes.h (codes).
#include "lightwell/input/injector.hpp"

#include <linux/input-event-codes.h>

#include <array>
#include <type_traits>
#include <utility>

namespace lightwell::input {
namespace {

namespace pi = proto::input;

// VK -> KEY_* as a 256-entry table (input.md §3.2 "use a lookup table, never arithmetic").
constexpr std::array<std::uint16_t, 256> make_vk_table() {
  std::array<std::uint16_t, 256> t{};
  const std::pair<int, int> m[] = {
      {0x08, KEY_BACKSPACE}, {0x09, KEY_TAB}, {0x0C, KEY_CLEAR}, {0x0D, KEY_ENTER},
      {0x10, KEY_LEFTSHIFT}, {0x11, KEY_LEFTCTRL}, {0x12, KEY_LEFTALT}, {0x13, KEY_PAUSE},
      {0x14, KEY_CAPSLOCK}, {0x15, KEY_KATAKANAHIRAGANA}, {0x16, KEY_HANGEUL},
      {0x17, KEY_HANJA}, {0x19, KEY_KATAKANA}, {0x1B, KEY_ESC}, {0x1C, KEY_HENKAN},
      {0x1D, KEY_MUHENKAN}, {0x20, KEY_SPACE}, {0x21, KEY_PAGEUP}, {0x22, KEY_PAGEDOWN},
      {0x23, KEY_END}, {0x24, KEY_HOME}, {0x25, KEY_LEFT}, {0x26, KEY_UP}, {0x27, KEY_RIGHT},
      {0x28, KEY_DOWN}, {0x29, KEY_SELECT}, {0x2A, KEY_PRINT}, {0x2C, KEY_SYSRQ},
      {0x2D, KEY_INSERT}, {0x2E, KEY_DELETE}, {0x2F, KEY_HELP},
      {0x30, KEY_0}, {0x31, KEY_1}, {0x32, KEY_2}, {0x33, KEY_3}, {0x34, KEY_4},
      {0x35, KEY_5}, {0x36, KEY_6}, {0x37, KEY_7}, {0x38, KEY_8}, {0x39, KEY_9},
      {0x41, KEY_A}, {0x42, KEY_B}, {0x43, KEY_C}, {0x44, KEY_D}, {0x45, KEY_E},
      {0x46, KEY_F}, {0x47, KEY_G}, {0x48, KEY_H}, {0x49, KEY_I}, {0x4A, KEY_J},
      {0x4B, KEY_K}, {0x4C, KEY_L}, {0x4D, KEY_M}, {0x4E, KEY_N}, {0x4F, KEY_O},
      {0x50, KEY_P}, {0x51, KEY_Q}, {0x52, KEY_R}, {0x53, KEY_S}, {0x54, KEY_T},
      {0x55, KEY_U}, {0x56, KEY_V}, {0x57, KEY_W}, {0x58, KEY_X}, {0x59, KEY_Y},
      {0x5A, KEY_Z}, {0x5B, KEY_LEFTMETA}, {0x5C, KEY_RIGHTMETA}, {0x5D, KEY_COMPOSE},
      {0x5F, KEY_SLEEP}, {0x60, KEY_KP0}, {0x61, KEY_KP1}, {0x62, KEY_KP2}, {0x63, KEY_KP3},
      {0x64, KEY_KP4}, {0x65, KEY_KP5}, {0x66, KEY_KP6}, {0x67, KEY_KP7}, {0x68, KEY_KP8},
      {0x69, KEY_KP9}, {0x6A, KEY_KPASTERISK}, {0x6B, KEY_KPPLUS}, {0x6C, KEY_KPCOMMA},
      {0x6D, KEY_KPMINUS}, {0x6E, KEY_KPDOT}, {0x6F, KEY_KPSLASH},
      {0x70, KEY_F1}, {0x71, KEY_F2}, {0x72, KEY_F3}, {0x73, KEY_F4}, {0x74, KEY_F5},
      {0x75, KEY_F6}, {0x76, KEY_F7}, {0x77, KEY_F8}, {0x78, KEY_F9}, {0x79, KEY_F10},
      {0x7A, KEY_F11}, {0x7B, KEY_F12}, {0x7C, KEY_F13}, {0x7D, KEY_F14}, {0x7E, KEY_F15},
      {0x7F, KEY_F16}, {0x80, KEY_F17}, {0x81, KEY_F18}, {0x82, KEY_F19}, {0x83, KEY_F20},
      {0x84, KEY_F21}, {0x85, KEY_F22}, {0x86, KEY_F23}, {0x87, KEY_F24},
      {0x90, KEY_NUMLOCK}, {0x91, KEY_SCROLLLOCK}, {0xA0, KEY_LEFTSHIFT},
      {0xA1, KEY_RIGHTSHIFT}, {0xA2, KEY_LEFTCTRL}, {0xA3, KEY_RIGHTCTRL},
      {0xA4, KEY_LEFTALT}, {0xA5, KEY_RIGHTALT}, {0xA6, KEY_BACK}, {0xA7, KEY_FORWARD},
      {0xA8, KEY_REFRESH}, {0xA9, KEY_STOP}, {0xAA, KEY_SEARCH}, {0xAB, KEY_BOOKMARKS},
      {0xAC, KEY_HOMEPAGE}, {0xAD, KEY_MUTE}, {0xAE, KEY_VOLUMEDOWN}, {0xAF, KEY_VOLUMEUP},
      {0xB0, KEY_NEXTSONG}, {0xB1, KEY_PREVIOUSSONG}, {0xB2, KEY_STOPCD},
      {0xB3, KEY_PLAYPAUSE}, {0xBA, KEY_SEMICOLON}, {0xBB, KEY_EQUAL}, {0xBC, KEY_COMMA},
      {0xBD, KEY_MINUS}, {0xBE, KEY_DOT}, {0xBF, KEY_SLASH}, {0xC0, KEY_GRAVE},
      {0xDB, KEY_LEFTBRACE}, {0xDC, KEY_BACKSLASH}, {0xDD, KEY_RIGHTBRACE},
      {0xDE, KEY_APOSTROPHE}, {0xE2, KEY_102ND},
  };
  for (const auto& [vk, key] : m) t[static_cast<std::size_t>(vk)] = static_cast<std::uint16_t>(key);
  return t;
}
constexpr auto kVkTable = make_vk_table();

constexpr DeviceId kKeyboard{DeviceKind::keyboard, 0};
constexpr DeviceId kMouse{DeviceKind::mouse, 0};
constexpr DeviceId kAbsPointer{DeviceKind::absolute_pointer, 0};

std::uint16_t mouse_button_code(pi::MouseButton b) noexcept {  // input.md §4.3
  switch (b) {
    case pi::MouseButton::left: return BTN_LEFT;
    case pi::MouseButton::middle: return BTN_MIDDLE;
    case pi::MouseButton::right: return BTN_RIGHT;
    case pi::MouseButton::x1: return BTN_SIDE;
    case pi::MouseButton::x2: return BTN_EXTRA;
  }
  return BTN_LEFT;
}

}  // namespace

std::optional<std::uint16_t> vk_to_evdev(std::uint8_t vk) noexcept {
  const std::uint16_t code = kVkTable[vk];
  if (code == 0) return std::nullopt;
  return code;
}

void Injector::syn(DeviceId device) { sink_.emit({device, EV_SYN, SYN_REPORT, 0}); }

std::uint8_t modifier_bit_of(std::uint16_t evdev_code) noexcept {
  switch (evdev_code) {
    case KEY_LEFTSHIFT: case KEY_RIGHTSHIFT: return pi::modifier::shift;
    case KEY_LEFTCTRL: case KEY_RIGHTCTRL: return pi::modifier::ctrl;
    case KEY_LEFTALT: case KEY_RIGHTALT: return pi::modifier::alt;
    case KEY_LEFTMETA: case KEY_RIGHTMETA: return pi::modifier::meta;
    default: return 0;
  }
}

// Keys are tracked as held or not, and only changes reach the device: a DOWN for a key
// already down and an UP for a key already up are dropped (as Sunshine does, input.md
// §3.1; the kernel would drop them too). This keeps release_stale_modifiers() from sending
// a second UP when the client's own UP for that modifier follows.
void Injector::key(std::uint16_t code, bool down) {
  if (down ? !held_keys_.insert(code).second : held_keys_.erase(code) == 0) return;
  sink_.emit({kKeyboard, EV_KEY, code, down ? 1 : 0});
  syn(kKeyboard);
}

// input.md §3.1: the modifiers byte is the client's modifier state. A modifier key we hold
// whose bit the client reports clear has been released on the client, and its UP was lost
// (or never sent: focus changes, client-side shortcuts); releasing it here prevents a stuck
// Shift/Ctrl/Alt/Meta in the guest. The key of the event itself is left to the event. We
// never PRESS modifiers from the bits (Sunshine does, for on-screen keyboards): a held bit
// with no key down is left alone, so a client that reports modifiers late cannot create
// phantom presses.
void Injector::release_stale_modifiers(std::uint8_t client_modifiers, std::uint16_t except_code) {
  const auto held = held_keys_;
  for (const auto code : held) {
    const std::uint8_t bit = modifier_bit_of(code);
    if (bit != 0 && code != except_code && (client_modifiers & bit) == 0) key(code, false);
  }
}

void Injector::key_event(const pi::KeyEvent& e) {
  const auto code = vk_to_evdev(e.vk());
  if (!code) return;  // unmapped VK (input.md §3.2): nothing at all, not even the sync
  release_stale_modifiers(e.modifiers, *code);
  key(*code, e.action == pi::KeyAction::down);
}

void Injector::button(std::uint16_t code, bool down) {
  if (down) held_buttons_.insert(code); else held_buttons_.erase(code);
  sink_.emit({kMouse, EV_KEY, code, down ? 1 : 0});
  syn(kMouse);
}

// input.md §4.4/4.5: amounts in 1/120 notch. REL_*_HI_RES carries them as is; the legacy
// axis gets one count per full 120 accumulated (same sign convention: positive = up/right).
void Injector::scroll(std::uint16_t hires_code, std::uint16_t legacy_code, std::int16_t amount,
                      std::int32_t& remainder) {
  if (amount == 0) return;
  sink_.emit({kMouse, EV_REL, hires_code, amount});
  remainder += amount;
  const std::int32_t notches = remainder / 120;
  if (notches != 0) {
    remainder -= notches * 120;
    sink_.emit({kMouse, EV_REL, legacy_code, notches});
  }
  syn(kMouse);
}

void Injector::inject(const pi::InputEvent& event) {
  std::visit(
      [this](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, pi::KeyEvent>) {
          key_event(e);
        } else if constexpr (std::is_same_v<T, pi::MouseMove>) {
          if (e.delta_x == 0 && e.delta_y == 0) return;
          if (e.delta_x != 0) sink_.emit({kMouse, EV_REL, REL_X, e.delta_x});
          if (e.delta_y != 0) sink_.emit({kMouse, EV_REL, REL_Y, e.delta_y});
          syn(kMouse);
        } else if constexpr (std::is_same_v<T, pi::MouseButtonEvent>) {
          button(mouse_button_code(e.button), e.action == pi::ButtonAction::press);
        } else if constexpr (std::is_same_v<T, pi::VerticalScroll>) {
          scroll(REL_WHEEL_HI_RES, REL_WHEEL, e.amount, vscroll_remainder_);
        } else if constexpr (std::is_same_v<T, pi::HorizontalScroll>) {
          scroll(REL_HWHEEL_HI_RES, REL_HWHEEL, e.amount, hscroll_remainder_);
        } else if constexpr (std::is_same_v<T, pi::MousePosition>) {
          // input.md §4.2: x / reference_width of the picture, scaled to the screen and clamped.
          auto scale = [](std::int32_t v, std::int32_t ref, std::int32_t screen) {
            if (v < 0) v = 0;
            if (v > ref) v = ref;
            return static_cast<std::int32_t>(static_cast<std::int64_t>(v) * (screen - 1) / ref);
          };
          sink_.emit({kAbsPointer, EV_ABS, ABS_X, scale(e.x, e.reference_width, screen_.width_px)});
          sink_.emit({kAbsPointer, EV_ABS, ABS_Y, scale(e.y, e.reference_height, screen_.height_px)});
          syn(kAbsPointer);
        } else if constexpr (std::is_same_v<T, pi::ControllerArrival>) {
          gamepads_.arrival(e);
        } else if constexpr (std::is_same_v<T, pi::ControllerState>) {
          gamepads_.state(e);
        } else if constexpr (std::is_same_v<T, pi::TouchEvent>) {
          touch_pen_.touch(e);
        } else if constexpr (std::is_same_v<T, pi::PenEvent>) {
          touch_pen_.pen(e);
        } else if constexpr (std::is_same_v<T, pi::TextEvent>) {
          text_.type(e);
        }
        // EnableHaptics, ControllerTouch, ControllerMotion, ControllerBattery: nothing to do.
      },
      event);
}

void Injector::release_all() {
  const auto keys = held_keys_;
  for (const auto code : keys) key(code, false);
  const auto buttons = held_buttons_;
  for (const auto code : buttons) button(code, false);
  touch_pen_.release_all();
  gamepads_.remove_all();
}

}  // namespace lightwell::input
