#include "vector_file.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace lightwell::test {

std::filesystem::path data_path(const std::string& relative) {
  return std::filesystem::path(LIGHTWELL_TEST_DATA_DIR) / relative;
}

std::string read_text(const std::string& relative) {
  std::ifstream in(data_path(relative), std::ios::binary);
  if (!in) throw std::runtime_error("cannot open test data " + data_path(relative).string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<std::string> Record::find(const std::string& key) const {
  for (const auto& [k, v] : entries) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::string Record::get(const std::string& key) const {
  if (auto v = find(key)) return *v;
  throw std::runtime_error("vector record has no key '" + key + "'");
}

std::vector<std::uint8_t> Record::hex(const std::string& key) const { return unhex(get(key)); }

long long Record::integer(const std::string& key) const { return std::stoll(get(key), nullptr, 0); }

std::vector<std::pair<std::string, std::string>> Record::indexed(const std::string& prefix) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : entries) {
    if (e.first.size() > prefix.size() && e.first.compare(0, prefix.size(), prefix) == 0 &&
        e.first[prefix.size()] == '[') {
      out.push_back(e);
    }
  }
  return out;
}

std::vector<Record> read_records(const std::string& relative) {
  std::istringstream in(read_text(relative));
  std::vector<Record> out;
  Record current;
  std::string line;
  auto flush = [&] {
    if (!current.entries.empty()) out.push_back(std::move(current));
    current = Record{};
  };
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      flush();
      continue;
    }
    if (line[0] == '#') {
      current.comments.push_back(line.substr(1));
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;  // prose line in a data file
    current.entries.emplace_back(line.substr(0, eq), line.substr(eq + 1));
  }
  flush();
  return out;
}

std::vector<std::uint8_t> unhex(const std::string& text) {
  if (text.size() % 2) throw std::runtime_error("odd hex length");
  std::vector<std::uint8_t> out(text.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint8_t>(std::stoul(text.substr(2 * i, 2), nullptr, 16));
  }
  return out;
}

std::array<std::uint8_t, 16> key16(const std::vector<std::uint8_t>& bytes) {
  if (bytes.size() != 16) throw std::runtime_error("AES-128 key must be 16 bytes, got " + std::to_string(bytes.size()));
  std::array<std::uint8_t, 16> key{};
  std::copy(bytes.begin(), bytes.end(), key.begin());
  return key;
}

std::string first_token(const std::string& value) {
  std::istringstream in(value);
  std::string token;
  in >> token;
  return token;
}

std::string hex(const std::vector<std::uint8_t>& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

}  // namespace lightwell::test
