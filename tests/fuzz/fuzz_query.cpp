// nvhttp query strings (proto/query.hpp, http-pairing.md §1) and everything the HTTP(S)
// handlers read out of them: the typed getters, the /pair phase classification
// (nvhttp_pair.hpp), the /launch and /resume parameters (nvhttp_launch.hpp) and the
// surroundParams text that /launch passes on into the DESCRIBE reply (sdp_describe.hpp).
// Invariants: an accepted query respects its limits and has no duplicate key; the decoded
// text has no control character; a /pair request has exactly the sizes nvhttp_pair.hpp
// promises; a launch request's values are inside their documented ranges.
#include <bit>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "lightwell/proto/nvhttp_launch.hpp"
#include "lightwell/proto/nvhttp_pair.hpp"
#include "lightwell/proto/query.hpp"
#include "lightwell/proto/sdp.hpp"
#include "lightwell/proto/sdp_describe.hpp"

namespace lp = lightwell::proto;

namespace {

bool has_control(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto l = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
    if (l(a[i]) != l(b[i])) return false;
  }
  return true;
}

void check_query(std::string_view raw, const lp::Query& q) {
  const lp::QueryLimits limits;
  FUZZ_CHECK(raw.size() <= limits.max_query_bytes);
  FUZZ_CHECK(q.params().size() <= limits.max_params);
  for (std::size_t i = 0; i < q.params().size(); ++i) {
    const auto& p = q.params()[i];
    FUZZ_CHECK(!p.key.empty() && p.key.size() <= limits.max_key_bytes);
    FUZZ_CHECK(p.value.size() <= limits.max_value_bytes);
    FUZZ_CHECK(!has_control(p.key) && !has_control(p.value));
    for (std::size_t j = 0; j < i; ++j) FUZZ_CHECK(!iequal(q.params()[j].key, p.key));
    auto found = q.find(p.key);
    FUZZ_CHECK(found.has_value() && *found == p.value);
  }
}

void typed_getters(const lp::Query& q) {
  (void)q.unique_id();
  (void)q.uuid();
  (void)q.require("devicename", 64);
  for (const char* key : {"appid", "rikeyid", "corever", "sops"}) {
    auto v = q.integer(key, -100, 100);
    if (v) FUZZ_CHECK(*v >= -100 && *v <= 100);
    (void)q.integer_or(key, 0, INT64_MIN, INT64_MAX);
    (void)q.flag_or(key, false);
  }
  auto rikey = q.hex_array<16>("rikey");
  (void)rikey;
  auto salt = q.hex_range("salt", 1, 64);
  if (salt) FUZZ_CHECK(salt->size() >= 1 && salt->size() <= 64);
}

void pair_request(const lp::Query& q) {
  auto pair = lp::parse_pair_request(q);
  if (!pair) return;
  if (pair->unique_id) FUZZ_CHECK(!pair->unique_id->empty() && pair->unique_id->size() <= 64);
  switch (pair->phase) {
    case lp::PairPhase::get_server_cert:
      FUZZ_CHECK(pair->client_cert_pem.size() <= lp::kPairMaxClientCertPemBytes);
      break;
    case lp::PairPhase::client_pairing_secret:
      FUZZ_CHECK(pair->client_pairing_secret.size() > lp::kPairSecretBytes);
      FUZZ_CHECK(pair->client_pairing_secret.size() <= lp::kPairMaxClientSecretBytes);
      break;
    default:
      break;
  }
  (void)lp::to_string(pair->phase);
}

void launch_request(const lp::Query& q, lp::LaunchVerb verb) {
  auto launch = lp::parse_launch_request(q, verb);
  if (!launch) return;
  if (verb == lp::LaunchVerb::launch) FUZZ_CHECK(launch->app_id.has_value() && *launch->app_id >= 1);
  FUZZ_CHECK(launch->mode.width <= 16384 && launch->mode.height <= 16384 && launch->mode.fps <= 1000);
  FUZZ_CHECK((launch->mode.width == 0) == (launch->mode.height == 0));
  FUZZ_CHECK(launch->core_version <= 255);
  FUZZ_CHECK(std::popcount(launch->surround_audio.channel_mask) == launch->surround_audio.channel_count);
  if (launch->client_name) FUZZ_CHECK(launch->client_name->size() <= 128);
  (void)launch->ri_iv();
  if (launch->surround_params) {
    FUZZ_CHECK(launch->surround_params->size() <= 64);
    // The text goes into the DESCRIBE reply; the builder must validate it, not echo it.
    lp::HostCapabilities caps;
    caps.custom_surround_params = *launch->surround_params;
    auto sdp = lp::build_describe_sdp(caps);
    if (sdp) FUZZ_CHECK(lp::parse_sdp(*sdp).has_value());  // no control character got in
    (void)lp::client_surround_layout(*launch->surround_params, true);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw = lightwell::fuzz::as_text(data, size);
  // The helpers the HTTP layer calls on raw text of its own.
  if (auto decoded = lp::percent_decode(raw, 4096); decoded) FUZZ_CHECK(!has_control(*decoded));
  if (auto n = lp::parse_decimal(raw, -1000, 1000); n) FUZZ_CHECK(*n >= -1000 && *n <= 1000);
  (void)lp::parse_display_mode(raw);

  auto query = lp::Query::parse(raw);
  if (!query) return 0;
  check_query(raw, *query);
  typed_getters(*query);
  pair_request(*query);
  launch_request(*query, lp::LaunchVerb::launch);
  launch_request(*query, lp::LaunchVerb::resume);
  return 0;
}
