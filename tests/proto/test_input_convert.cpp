// Unit conversions of input wire values, checked with the numbers of input.md.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <variant>

#include "lightwell/proto/input.hpp"
#include "lightwell/proto/input_convert.hpp"
#include "test_input_util.hpp"

using namespace lightwell::proto;
using namespace lightwell::proto::input;
using namespace lightwell::test::input_util;

TEST_CASE("input convert: absolute mouse position and the reference size - 1 rule") {
  // input.md §4.2: LiSendMousePositionEvent(100, 200, 1920, 1080) -> width 1919, height 1079.
  auto r = parse(sample(magic::mouse_position));
  REQUIRE(r.has_value());
  const auto& p = std::get<MousePosition>(*r);
  CHECK(client_reference_width(p) == 1920);
  CHECK(client_reference_height(p) == 1080);
  const auto u = normalized_position(p);
  CHECK(u.x == Approx(100.0 / 1919.0));
  CHECK(u.y == Approx(200.0 / 1079.0));

  // The client's last pixel (x = width - 1 on its side = the wire width) is the right edge.
  MousePosition edge{1919, 1079, 1919, 1079};
  CHECK(normalized_position(edge).x == 1.0);
  CHECK(normalized_position(edge).y == 1.0);
  // Clamp to [0, width] (input.md §4.2).
  MousePosition outside{-50, 3000, 1919, 1079};
  CHECK(normalized_position(outside).x == 0.0);
  CHECK(normalized_position(outside).y == 1.0);
}

TEST_CASE("input convert: scroll units are 1/120 notch") {
  CHECK(kScrollUnitsPerNotch == 120);
  CHECK(scroll_notches(120) == 1.0);    // LiSendScrollEvent(1)
  CHECK(scroll_notches(-120) == -1.0);  // LiSendHScrollEvent(-1)
  CHECK(scroll_notches(-30) == -0.25);  // LiSendHighResScrollEvent(-30)

  ScrollAccumulator acc;
  CHECK(acc.add(-30) == 0);
  CHECK(acc.add(-30) == 0);
  CHECK(acc.add(-30) == 0);
  CHECK(acc.add(-30) == -1);  // four high-res steps of -30 make one notch
  CHECK(acc.pending_units() == 0);
  CHECK(acc.add(200) == 1);  // one notch, 80 left over
  CHECK(acc.pending_units() == 80);
  CHECK(acc.add(-100) == 0);  // direction change eats the remainder first
  CHECK(acc.pending_units() == -20);
  CHECK(acc.add(32767) == 272);  // 32747 / 120 = 272 notches, 107 left
  CHECK(acc.pending_units() == 107);
  CHECK(acc.add(-32768) == -272);
  acc.reset();
  CHECK(acc.pending_units() == 0);
}

TEST_CASE("input convert: gamepad sticks, triggers and the 32-bit button mask") {
  // input.md §5.2 example: A + D-pad up + touchpad = buttonFlags 0x1001, buttonFlags2 0x0010.
  CHECK(compose_buttons(0x1001, 0x0010) ==
        (gamepad_button::a | gamepad_button::dpad_up | gamepad_button::touchpad));
  CHECK(compose_buttons(0xFFFF, 0xFFFF) == 0xFFFFFFFFu);

  // Y is positive = up on the wire; evdev wants positive = down, and -(-32768) saturates.
  CHECK(stick_y_to_evdev(32767) == -32767);
  CHECK(stick_y_to_evdev(-32768) == 32767);
  CHECK(stick_y_to_evdev(-1000) == 1000);
  CHECK(stick_y_to_evdev(0) == 0);

  CHECK(stick_to_unit(-32768) == -1.0f);
  CHECK(stick_to_unit(32767) == 1.0f);
  CHECK(stick_to_unit(0) == 0.0f);
  CHECK(stick_to_unit(1000) == Approx(1000.0f / 32767.0f));

  CHECK(trigger_to_unit(0) == 0.0f);
  CHECK(trigger_to_unit(0xFF) == 1.0f);
  CHECK(trigger_to_unit(0x80) == Approx(128.0f / 255.0f));
}

TEST_CASE("input convert: motion and battery") {
  CHECK(degrees_to_radians(180.0f) == Approx(std::numbers::pi_v<float>));
  CHECK(degrees_to_radians(-90.0f) == Approx(-std::numbers::pi_v<float> / 2));
  CHECK(degrees_to_radians(0.0f) == 0.0f);

  CHECK(battery_percent(ControllerBattery{0, BatteryState::charging, 80}) == 80);
  CHECK_FALSE(battery_percent(ControllerBattery{0, BatteryState::unknown, 0xFF}).has_value());
}

TEST_CASE("input convert: touch coordinates, rotation and ellipse orientation") {
  CHECK(clamp_unit(0.25f) == 0.25f);
  CHECK(clamp_unit(-0.5f) == 0.0f);
  CHECK(clamp_unit(1.5f) == 1.0f);
  CHECK(clamp_unit(std::nanf("")) == 0.0f);

  CHECK_FALSE(rotation_degrees(kRotationUnknown).has_value());
  CHECK(rotation_degrees(90) == 90);
  CHECK(rotation_degrees(360) == 0);

  CHECK_FALSE(ellipse_orientation_degrees(kRotationUnknown).has_value());
  CHECK(ellipse_orientation_degrees(0) == 0);
  CHECK(ellipse_orientation_degrees(90) == 90);
  CHECK(ellipse_orientation_degrees(135) == -45);
  CHECK(ellipse_orientation_degrees(180) == 0);
  CHECK(ellipse_orientation_degrees(270) == 90);
  CHECK(ellipse_orientation_degrees(359) == -1);
  CHECK(ellipse_orientation_degrees(360) == 0);
}

TEST_CASE("input convert: pen tilt from (rotation, tilt) polar form") {
  CHECK_FALSE(tilt_degrees(kTiltUnknown).has_value());
  CHECK(tilt_degrees(45) == 45);

  // input.md §6.3: r = sin(tilt), z = cos(tilt), x = deg(atan2(sin(-rot) r, z)),
  // y = deg(atan2(cos(-rot) r, z)).
  auto t0 = pen_tilt_xy(0, 45);  // leaning along +y
  REQUIRE(t0.has_value());
  CHECK(t0->x_deg == Approx(0.0).margin(1e-9));
  CHECK(t0->y_deg == Approx(45.0));
  auto t90 = pen_tilt_xy(90, 45);
  REQUIRE(t90.has_value());
  CHECK(t90->x_deg == Approx(-45.0));
  CHECK(t90->y_deg == Approx(0.0).margin(1e-9));
  auto t180 = pen_tilt_xy(180, 30);
  REQUIRE(t180.has_value());
  CHECK(t180->x_deg == Approx(0.0).margin(1e-9));
  CHECK(t180->y_deg == Approx(-30.0));
  auto upright = pen_tilt_xy(123, 0);
  REQUIRE(upright.has_value());
  CHECK(upright->x_deg == Approx(0.0).margin(1e-9));
  CHECK(upright->y_deg == Approx(0.0).margin(1e-9));
  // Only when both are known: the captured hover (rotation unknown, tilt 45) and down
  // (rotation 180, tilt unknown) packets both give nothing.
  auto hover = parse(sample(magic::pen));
  REQUIRE(hover.has_value());
  const auto& pe = std::get<PenEvent>(*hover);
  CHECK_FALSE(pen_tilt_xy(pe.rotation_deg, pe.tilt_deg).has_value());
  CHECK_FALSE(pen_tilt_xy(180, kTiltUnknown).has_value());
}
