// See text_typer.hpp. (Placeholder: helper B implements it.)
#include "lightwell/input/text_typer.hpp"

namespace lightwell::input {

void TextTyper::type(const proto::input::TextEvent&) {}

}  // namespace lightwell::input
