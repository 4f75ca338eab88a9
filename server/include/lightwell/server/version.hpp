// Build identity reported by `lightwell version` and (later) serverinfo.
#pragma once

#include <string_view>

namespace lightwell::server {
std::string_view version() noexcept;  // the project version, e.g. "0.1.0"
}
