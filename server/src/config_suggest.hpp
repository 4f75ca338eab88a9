// Nearest-key suggestion for "unknown key" messages (internal to the config loader).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lightwell::server {

// The valid key closest to `typo` by edit distance, if it is close enough to be a likely typo
// (distance <= 2, or <= a third of the length for long keys).
std::optional<std::string> nearest_key(std::string_view typo, const std::vector<std::string>& valid);

}  // namespace lightwell::server
