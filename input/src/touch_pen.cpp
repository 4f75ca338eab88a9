// See touch_pen.hpp. (Placeholder: helper B implements it.)
#include "lightwell/input/touch_pen.hpp"

namespace lightwell::input {

void TouchPen::touch(const proto::input::TouchEvent&) {}
void TouchPen::pen(const proto::input::PenEvent&) {}
void TouchPen::release_all() {}

}  // namespace lightwell::input
