#include "lightwell/server/version.hpp"

namespace lightwell::server {
std::string_view version() noexcept { return LIGHTWELL_VERSION; }
}
