#include "config_suggest.hpp"

#include <algorithm>
#include <numeric>

namespace lightwell::server {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0u : 1u)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::optional<std::string> nearest_key(std::string_view typo, const std::vector<std::string>& valid) {
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const auto& key : valid) {
    const std::size_t d = edit_distance(typo, key);
    if (!best || d < best_distance) {
      best = key;
      best_distance = d;
    }
  }
  const std::size_t limit = std::max<std::size_t>(2, typo.size() / 3);
  if (best && best_distance <= limit) return best;
  return std::nullopt;
}

}  // namespace lightwell::server
