// Reader for the protocol test vectors in tests/data/ (copied from shared/protocol/vectors/).
// Format (vectors/README-media-input.md): `key=value` lines, records separated by blank lines,
// `#` starts a comment line. Header keys before the first blank line form record 0.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lightwell::test {

// Absolute path of a file under tests/data/.
std::filesystem::path data_path(const std::string& relative);
std::string read_text(const std::string& relative);  // throws if missing

struct Record {
  // Keys in file order (a key such as packet[3] may appear once per record).
  std::vector<std::pair<std::string, std::string>> entries;
  // Comment lines (without '#') that stood inside the record, in order.
  std::vector<std::string> comments;

  std::optional<std::string> find(const std::string& key) const;
  std::string get(const std::string& key) const;  // throws if missing
  std::vector<std::uint8_t> hex(const std::string& key) const;
  long long integer(const std::string& key) const;
  // All values whose key starts with prefix + '[' (e.g. "packet" -> packet[0], packet[1]...),
  // in file order.
  std::vector<std::pair<std::string, std::string>> indexed(const std::string& prefix) const;
};

std::vector<Record> read_records(const std::string& relative);

std::vector<std::uint8_t> unhex(const std::string& text);  // throws on bad hex
// A 16-byte AES key from vector bytes; throws unless exactly 16 bytes.
std::array<std::uint8_t, 16> key16(const std::vector<std::uint8_t>& bytes);
// The first whitespace-separated token of a value ("0x0302 # IDR" -> "0x0302").
std::string first_token(const std::string& value);
std::string hex(const std::vector<std::uint8_t>& bytes);

}  // namespace lightwell::test
