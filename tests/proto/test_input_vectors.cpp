// Every packet of tests/data/input_packets.txt (bytes produced by the real client library's
// LiSend* API for a 7.1.431.-1 host) parses into exactly the event its `call` describes.
// The expected values are written out by hand from each call string, not from our parser,
// so a wrong offset, byte order or scale fails here.
#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "lightwell/proto/input.hpp"
#include "lightwell/proto/input_convert.hpp"
#include "vector_file.hpp"

using namespace lightwell::proto;
using namespace lightwell::proto::input;

namespace {

template <class T>
const T& as(const InputEvent& e) {
  REQUIRE(std::holds_alternative<T>(e));
  return std::get<T>(e);
}

struct Expected {
  const char* call_prefix;  // the record's call string must start with this
  std::function<void(const InputEvent&)> check;
};

void key(const InputEvent& ev, KeyAction action, std::uint8_t vk, std::uint8_t modifiers,
         std::uint8_t flags) {
  const auto& k = as<KeyEvent>(ev);
  CHECK(k.action == action);
  CHECK(k.vk() == vk);
  CHECK(k.key_code == vk);  // the C client puts nothing in the high byte
  CHECK(k.modifiers == modifiers);
  CHECK(k.flags == flags);
  CHECK(k.non_normalized() == ((flags & kKeyFlagNonNormalized) != 0));
}

void text(const InputEvent& ev, const std::string& utf8, char32_t code_point) {
  const auto& t = as<TextEvent>(ev);
  CHECK(std::string(t.utf8()) == utf8);
  REQUIRE(t.decoded().size() == 1);  // one code point per packet
  CHECK(t.decoded()[0] == code_point);
}

void zero_state(const InputEvent& ev, std::uint8_t number, std::uint16_t mask) {
  const auto& s = as<ControllerState>(ev);
  CHECK(s.controller_number == number);
  CHECK(s.active_mask == mask);
  CHECK(s.buttons == 0);
  CHECK(s.left_trigger == 0);
  CHECK(s.right_trigger == 0);
  CHECK(s.left_stick_x == 0);
  CHECK(s.left_stick_y == 0);
  CHECK(s.right_stick_x == 0);
  CHECK(s.right_stick_y == 0);
}

const std::vector<Expected>& expectations() {
  static const std::vector<Expected> table = {
      {"(automatic on start) enable haptics",
       [](const InputEvent& ev) { CHECK(as<EnableHaptics>(ev).enable == 1); }},
      {"LiSendKeyboardEvent(0x41 'A', KEY_ACTION_DOWN, 0)",
       [](const InputEvent& ev) { key(ev, KeyAction::down, 0x41, 0, 0); }},
      {"LiSendKeyboardEvent(0x41 'A', KEY_ACTION_UP, 0)",
       [](const InputEvent& ev) { key(ev, KeyAction::up, 0x41, 0, 0); }},
      {"LiSendKeyboardEvent(0xA0 VK_LSHIFT, KEY_ACTION_DOWN, MODIFIER_SHIFT)",
       [](const InputEvent& ev) { key(ev, KeyAction::down, 0xA0, modifier::shift, 0); }},
      {"LiSendKeyboardEvent2(0xBA VK_OEM_1, KEY_ACTION_DOWN, MODIFIER_SHIFT|MODIFIER_CTRL, "
       "SS_KBE_FLAG_NON_NORMALIZED)",
       [](const InputEvent& ev) {
         key(ev, KeyAction::down, 0xBA, modifier::shift | modifier::ctrl, kKeyFlagNonNormalized);
       }},
      // "h\u00e9\u20ac" -> three packets, one per code point.
      {"LiSendUtf8TextEvent(\"h\\u00e9\\u20ac\", 6)",
       [](const InputEvent& ev) { text(ev, "h", U'h'); }},
      {"LiSendUtf8TextEvent(\"h\\u00e9\\u20ac\", 6)",
       [](const InputEvent& ev) { text(ev, "\xc3\xa9", U'\u00e9'); }},
      {"LiSendUtf8TextEvent(\"h\\u00e9\\u20ac\", 6)",
       [](const InputEvent& ev) { text(ev, "\xe2\x82\xac", U'\u20ac'); }},
      {"LiSendMouseMoveEvent(5, -3)",
       [](const InputEvent& ev) {
         const auto& m = as<MouseMove>(ev);
         CHECK(m.delta_x == 5);
         CHECK(m.delta_y == -3);
       }},
      {"LiSendMouseMoveEvent(-300, 1000)",
       [](const InputEvent& ev) {
         const auto& m = as<MouseMove>(ev);
         CHECK(m.delta_x == -300);
         CHECK(m.delta_y == 1000);
       }},
      {"LiSendMousePositionEvent(100, 200, 1920, 1080)",
       [](const InputEvent& ev) {
         const auto& p = as<MousePosition>(ev);
         CHECK(p.x == 100);
         CHECK(p.y == 200);
         // The "reference size - 1" rule: the wire carries 1919 x 1079 for 1920 x 1080.
         CHECK(p.reference_width == 1919);
         CHECK(p.reference_height == 1079);
         CHECK(client_reference_width(p) == 1920);
         CHECK(client_reference_height(p) == 1080);
       }},
      {"LiSendMouseButtonEvent(BUTTON_ACTION_PRESS, BUTTON_LEFT)",
       [](const InputEvent& ev) {
         const auto& b = as<MouseButtonEvent>(ev);
         CHECK(b.action == ButtonAction::press);
         CHECK(b.button == MouseButton::left);
       }},
      {"LiSendMouseButtonEvent(BUTTON_ACTION_RELEASE, BUTTON_LEFT)",
       [](const InputEvent& ev) {
         const auto& b = as<MouseButtonEvent>(ev);
         CHECK(b.action == ButtonAction::release);
         CHECK(b.button == MouseButton::left);
       }},
      {"LiSendMouseButtonEvent(BUTTON_ACTION_PRESS, BUTTON_X2)",
       [](const InputEvent& ev) {
         const auto& b = as<MouseButtonEvent>(ev);
         CHECK(b.action == ButtonAction::press);
         CHECK(b.button == MouseButton::x2);
       }},
      {"LiSendScrollEvent(1) (= +120)",
       [](const InputEvent& ev) { CHECK(as<VerticalScroll>(ev).amount == 120); }},
      {"LiSendHighResScrollEvent(-30)",
       [](const InputEvent& ev) { CHECK(as<VerticalScroll>(ev).amount == -30); }},
      {"LiSendHScrollEvent(-1) (= -120)",
       [](const InputEvent& ev) { CHECK(as<HorizontalScroll>(ev).amount == -120); }},
      // Arrival: the arrival packet, then an all-zero state packet with the new bit set.
      {"LiSendControllerArrivalEvent(1, 0x0003, LI_CTYPE_PS,",
       [](const InputEvent& ev) {
         const auto& a = as<ControllerArrival>(ev);
         CHECK(a.controller_number == 1);
         CHECK(a.type == ControllerType::playstation);
         CHECK(a.capabilities == (capability::touchpad | capability::accelerometer |
                                  capability::gyro | capability::rumble |
                                  capability::analog_triggers | capability::battery_state |
                                  capability::rgb_led));
         // The call string elides the flags ("0x3FFFFF..."); the wire carries 0x0030F7FF:
         // every §5.1 button except 0x0800 (unused) and the four paddles.
         CHECK(a.supported_buttons == 0x0030F7FFu);
         CHECK(a.supported_buttons ==
               (gamepad_button::known_mask & ~(gamepad_button::paddle1 | gamepad_button::paddle2 |
                                               gamepad_button::paddle3 | gamepad_button::paddle4)));
       }},
      {"LiSendControllerArrivalEvent(1, 0x0003, LI_CTYPE_PS,",
       [](const InputEvent& ev) {
         zero_state(ev, 1, 0x0003);
         CHECK(as<ControllerState>(ev).present());
       }},
      {"LiSendMultiControllerEvent(1, 0x0003, A_FLAG|UP_FLAG|TOUCHPAD_FLAG, LT=0x80, RT=0xFF, "
       "LX=-32768, LY=32767, RX=1000, RY=-1000)",
       [](const InputEvent& ev) {
         const auto& s = as<ControllerState>(ev);
         CHECK(s.controller_number == 1);
         CHECK(s.active_mask == 0x0003);
         CHECK(s.buttons ==
               (gamepad_button::a | gamepad_button::dpad_up | gamepad_button::touchpad));
         CHECK(s.left_trigger == 0x80);
         CHECK(s.right_trigger == 0xFF);
         CHECK(s.left_stick_x == -32768);
         CHECK(s.left_stick_y == 32767);
         CHECK(s.right_stick_x == 1000);
         CHECK(s.right_stick_y == -1000);
         CHECK(s.present());
       }},
      {"LiSendMultiControllerEvent(1, 0x0001 (controller 1 removed)",
       [](const InputEvent& ev) {
         zero_state(ev, 1, 0x0001);
         CHECK_FALSE(as<ControllerState>(ev).present());  // removal
       }},
      {"LiSendControllerTouchEvent(0, LI_TOUCH_EVENT_DOWN, pointerId=7, x=0.25, y=0.75, "
       "pressure=1.0)",
       [](const InputEvent& ev) {
         const auto& t = as<ControllerTouch>(ev);
         CHECK(t.controller_number == 0);
         CHECK(t.event_type == TouchEventType::down);
         CHECK(t.touchpad_index == 0);
         CHECK(t.pointer_id == 7);
         CHECK(t.x == 0.25f);
         CHECK(t.y == 0.75f);
         CHECK(t.pressure == 1.0f);
       }},
      {"LiSendControllerTouchEvent2(0, LI_TOUCH_EVENT_MOVE, touchpadIndex=1, pointerId=7, x=0.5, "
       "y=0.5, pressure=0.5)",
       [](const InputEvent& ev) {
         const auto& t = as<ControllerTouch>(ev);
         CHECK(t.controller_number == 0);
         CHECK(t.event_type == TouchEventType::move);
         CHECK(t.touchpad_index == 1);
         CHECK(t.pointer_id == 7);
         CHECK(t.x == 0.5f);
         CHECK(t.y == 0.5f);
         CHECK(t.pressure == 0.5f);
       }},
      {"LiSendControllerMotionEvent(0, LI_MOTION_TYPE_ACCEL, 0.0, 9.80665, -1.5)",
       [](const InputEvent& ev) {
         const auto& m = as<ControllerMotion>(ev);
         CHECK(m.controller_number == 0);
         CHECK(m.type == MotionType::accelerometer);
         CHECK(m.x == 0.0f);
         CHECK(m.y == 9.80665f);
         CHECK(m.z == -1.5f);
       }},
      {"LiSendControllerMotionEvent(0, LI_MOTION_TYPE_GYRO, 0,0,0)",
       [](const InputEvent& ev) {
         const auto& m = as<ControllerMotion>(ev);
         CHECK(m.controller_number == 0);
         CHECK(m.type == MotionType::gyroscope);
         CHECK(m.x == 0.0f);
         CHECK(m.y == 0.0f);
         CHECK(m.z == 0.0f);
       }},
      {"LiSendControllerBatteryEvent(0, LI_BATTERY_STATE_CHARGING, 80)",
       [](const InputEvent& ev) {
         const auto& b = as<ControllerBattery>(ev);
         CHECK(b.controller_number == 0);
         CHECK(b.state == BatteryState::charging);
         CHECK(b.percentage == 80);
       }},
      {"LiSendTouchEvent(LI_TOUCH_EVENT_DOWN, pointerId=0x11223344, x=0.5, y=0.25, pressure=0.8, "
       "major=0.01, minor=0.005, rotation=90)",
       [](const InputEvent& ev) {
         const auto& t = as<TouchEvent>(ev);
         CHECK(t.event_type == TouchEventType::down);
         CHECK(t.pointer_id == 0x11223344u);
         CHECK(t.x == 0.5f);
         CHECK(t.y == 0.25f);
         CHECK(t.pressure_or_distance == 0.8f);
         CHECK(t.contact_area_major == 0.01f);
         CHECK(t.contact_area_minor == 0.005f);
         CHECK(t.rotation_deg == 90);
       }},
      {"LiSendTouchEvent(LI_TOUCH_EVENT_CANCEL_ALL, 0, ...)",
       [](const InputEvent& ev) {
         const auto& t = as<TouchEvent>(ev);
         CHECK(t.event_type == TouchEventType::cancel_all);
         CHECK(t.pointer_id == 0);
         CHECK(t.rotation_deg == kRotationUnknown);
       }},
      {"LiSendPenEvent(LI_TOUCH_EVENT_HOVER, LI_TOOL_TYPE_PEN, LI_PEN_BUTTON_PRIMARY, x=0.1, y=0.9, "
       "distance=0.5, major=0, minor=0, rotation=LI_ROT_UNKNOWN, tilt=45)",
       [](const InputEvent& ev) {
         const auto& p = as<PenEvent>(ev);
         CHECK(p.event_type == TouchEventType::hover);
         CHECK(p.tool == ToolType::pen);
         CHECK(p.buttons == pen_button::primary);
         CHECK(p.x == 0.1f);
         CHECK(p.y == 0.9f);
         CHECK(p.pressure_or_distance == 0.5f);
         CHECK(p.contact_area_major == 0.0f);
         CHECK(p.contact_area_minor == 0.0f);
         CHECK(p.rotation_deg == kRotationUnknown);
         CHECK(p.tilt_deg == 45);
       }},
      {"LiSendPenEvent(LI_TOUCH_EVENT_DOWN, LI_TOOL_TYPE_ERASER, 0, x=0.3, y=0.3, pressure=1.0, "
       "major=0.02, minor=0.02, rotation=180, tilt=LI_TILT_UNKNOWN)",
       [](const InputEvent& ev) {
         const auto& p = as<PenEvent>(ev);
         CHECK(p.event_type == TouchEventType::down);
         CHECK(p.tool == ToolType::eraser);
         CHECK(p.buttons == 0);
         CHECK(p.x == 0.3f);
         CHECK(p.y == 0.3f);
         CHECK(p.pressure_or_distance == 1.0f);
         CHECK(p.contact_area_major == 0.02f);
         CHECK(p.contact_area_minor == 0.02f);
         CHECK(p.rotation_deg == 180);
         CHECK(p.tilt_deg == kTiltUnknown);
       }},
  };
  return table;
}

}  // namespace

TEST_CASE("input vectors: every client packet parses into the event its call describes") {
  const auto records = lightwell::test::read_records("input_packets.txt");
  const auto& expected = expectations();
  // A record missing from (or added to) the file must fail, not silently shrink the test.
  REQUIRE(records.size() == 30);
  REQUIRE(expected.size() == records.size());

  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& rec = records[i];
    const std::string call = rec.get("call");
    INFO("record " << i << ": " << call);
    REQUIRE(call.rfind(expected[i].call_prefix, 0) == 0);

    const auto bytes = rec.hex("bytes");
    const auto parsed = parse_input_packet(Bytes(bytes));
    if (!parsed) FAIL_CHECK(parsed.error().message);
    REQUIRE(parsed.has_value());
    expected[i].check(*parsed);

    // The channel table of input.md §1 agrees with the channel the client actually used.
    CHECK(client_channel(*parsed) == rec.integer("channel"));
  }
}

TEST_CASE("input vectors: header is BE32 size (= length - 4) then LE32 magic") {
  // Independent of the parser: the doc's framing rule holds for every captured packet.
  for (const auto& rec : lightwell::test::read_records("input_packets.txt")) {
    const auto b = rec.hex("bytes");
    REQUIRE(b.size() >= 8);
    CHECK(load_u32_be(b.data()) == b.size() - 4);
  }
}

TEST_CASE("input vectors: the 0x0206 control messages of the GCM vectors carry input packets") {
  // control.md §4: a decrypted control message is [type LE16][payloadLength LE16][payload];
  // for type 0x0206 the payload is exactly one input packet. The plaintexts of the c2s
  // records of input_control_gcm_vectors.txt are checked here (the decryption itself
  // belongs to the control stream tests).
  int input_messages = 0;
  for (const auto& rec : lightwell::test::read_records("input_control_gcm_vectors.txt")) {
    const auto found = rec.find("plaintext");
    if (!found || rec.get("direction") != "c2s") continue;
    const auto msg = rec.hex("plaintext");
    REQUIRE(msg.size() >= 4);
    if (load_u16_le(msg.data()) != 0x0206) continue;
    const std::string name = rec.get("name");
    INFO(name);
    REQUIRE(load_u16_le(msg.data() + 2) == msg.size() - 4);
    const auto parsed = parse_input_packet(Bytes(msg).subspan(4));
    REQUIRE(parsed.has_value());
    ++input_messages;
    if (name.find("keyboard 'A' down") != std::string::npos) {
      key(*parsed, KeyAction::down, 0x41, 0, 0);
    } else if (name.find("keyboard 'A' up") != std::string::npos) {
      key(*parsed, KeyAction::up, 0x41, 0, 0);
    } else if (name.find("relative mouse move (5,-3)") != std::string::npos) {
      CHECK(as<MouseMove>(*parsed).delta_x == 5);
      CHECK(as<MouseMove>(*parsed).delta_y == -3);
    } else if (name.find("multi-controller state") != std::string::npos) {
      const auto& s = as<ControllerState>(*parsed);
      CHECK(s.controller_number == 1);
      CHECK(s.active_mask == 0x0003);
      CHECK(s.buttons == (gamepad_button::a | gamepad_button::dpad_up | gamepad_button::touchpad));
      CHECK(s.left_stick_x == -32768);
      CHECK(s.right_stick_y == -1000);
    } else {
      FAIL("unexpected input message " << name);
    }
  }
  CHECK(input_messages == 4);
}
