// Query-string parsing (http-pairing.md §1: every nvhttp parameter is in the query string).
#include <catch2/catch.hpp>

#include <string>

#include "lightwell/proto/query.hpp"
#include "vector_file.hpp"

using namespace lightwell::proto;

namespace {
Query parsed(std::string_view raw) {
  auto q = Query::parse(raw);
  INFO(raw);
  REQUIRE(q);
  return *q;
}
}  // namespace

TEST_CASE("query: the launch query captured from moonlight-embedded parses") {
  const auto rec = lightwell::test::read_records("wire/launch_ri.txt").at(0);
  const Query q = parsed(rec.get("launch_query"));
  CHECK(q.params().size() == 13);
  CHECK(q.find("uniqueid") == "0123456789ABCDEF");
  CHECK(q.find("mode") == "1920x1080x60");
  CHECK(q.find("rikeyid") == "-1032099092");
  CHECK(q.params().front().key == "uniqueid");
  CHECK(q.params().back().key == "corever");
  CHECK(*q.unique_id() == "0123456789ABCDEF");
  CHECK(*q.uuid() == "7d94cf69-42bd-4fe8-af66-77e047657351");
  CHECK(*q.integer("rikeyid", INT32_MIN, INT32_MAX) == -1032099092);
  CHECK(*q.integer("appid", 1, INT32_MAX) == 881448767);
}

TEST_CASE("query: percent-decoding and '+'") {
  const Query q = parsed("name=My%20PC%2b%26%3D&plus=a+b&upper=%C3%A9%c3%a9&empty=&bare");
  CHECK(q.find("name") == "My PC+&=");
  CHECK(q.find("plus") == "a b");
  CHECK(q.find("upper") == "\xC3\xA9\xC3\xA9");
  CHECK(q.find("empty") == "");
  CHECK(q.find("bare") == "");
  CHECK_FALSE(q.find("missing"));
  CHECK(parsed("%61%62=c").find("ab") == "c");  // keys are decoded too
}

TEST_CASE("query: empty segments are skipped, an empty key is not") {
  CHECK(parsed("").params().empty());
  CHECK(parsed("&&").params().empty());
  const Query q = parsed("a=1&&b=2&");
  CHECK(q.params().size() == 2);
  CHECK_FALSE(Query::parse("=1"));
  CHECK_FALSE(Query::parse("a=1&=2"));
  CHECK_FALSE(Query::parse("%3d=1").value().params().empty());  // "=" as a decoded key is a key
}

TEST_CASE("query: malformed percent-escapes reject the whole query") {
  for (std::string_view raw : {"a=%", "a=%4", "a=%zz", "a=%4g", "a=b%", "a=1&b=%G0", "%=1", "a%2=1", "a=%%41"}) {
    INFO(raw);
    auto q = Query::parse(raw);
    REQUIRE_FALSE(q);
    CHECK(q.error().code == Errc::malformed);
  }
}

TEST_CASE("query: control characters are refused, raw or escaped") {
  for (std::string_view raw : {"a=%00", "a=x%0Ay", "a=%0d", "a=%7f", "a%09=1", "a=%1F"}) {
    INFO(raw);
    CHECK_FALSE(Query::parse(raw));
  }
  CHECK_FALSE(Query::parse(std::string_view("a=x\0y", 5)));
  CHECK_FALSE(Query::parse("a=x\ny"));
}

TEST_CASE("query: duplicate keys are rejected, also across case") {
  for (std::string_view raw : {"a=1&a=1", "a=1&a=2", "rikey=00&RIKEY=11", "uniqueid=x&b=1&UniqueId=y", "a&a"}) {
    INFO(raw);
    auto q = Query::parse(raw);
    REQUIRE_FALSE(q);
    CHECK(q.error().code == Errc::malformed);
    CHECK(q.error().message.find("duplicate") != std::string::npos);
  }
  // Lookup is case-insensitive as in the reference host.
  CHECK(parsed("AssetType=2").find("assettype") == "2");
}

TEST_CASE("query: limits") {
  QueryLimits limits;
  limits.max_query_bytes = 32;
  limits.max_params = 3;
  limits.max_key_bytes = 4;
  limits.max_value_bytes = 6;
  CHECK(Query::parse("a=1" + std::string(29, '&'), limits));  // 32 bytes
  auto overlong = Query::parse("a=1" + std::string(30, '&'), limits);
  REQUIRE_FALSE(overlong);
  CHECK(overlong.error().code == Errc::too_large);
  CHECK(Query::parse("a=1&b=2&c=3", limits));
  CHECK(Query::parse("a=1&b=2&c=3&d=4", limits).error().code == Errc::too_large);
  CHECK(Query::parse("abcd=123456", limits));
  CHECK(Query::parse("abcde=1", limits).error().code == Errc::too_large);
  CHECK(Query::parse("a=1234567", limits).error().code == Errc::too_large);
  // The value limit is on decoded bytes: six escapes are six bytes.
  CHECK(Query::parse("a=%41%41%41%41%41%41", limits));
  CHECK(Query::parse("a=%41%41%41%41%41%41%41", limits).error().code == Errc::too_large);

  // Defaults: a hex RSA-4096 certificate PEM (phase 1) fits, 100 KB does not.
  CHECK(Query::parse("clientcert=" + std::string(8000, 'a')));
  CHECK_FALSE(Query::parse("clientcert=" + std::string(100000, 'a')));
  std::string many;
  for (int i = 0; i < 49; ++i) many += "k" + std::to_string(i) + "=1&";
  CHECK(Query::parse(many).error().code == Errc::too_large);
}

TEST_CASE("query: integers") {
  const Query q = parsed("a=0&b=-5&c=2147483647&d=2147483648&e=12x&f=+1&g=&h=-&i= 1&j=99999999999999999999&k=007");
  CHECK(*q.integer("a", 0, 1) == 0);
  CHECK(*q.integer("b", -10, 10) == -5);
  CHECK(*q.integer("c", 0, INT32_MAX) == INT32_MAX);
  CHECK(q.integer("d", 0, INT32_MAX).error().code == Errc::out_of_range);
  CHECK(q.integer("b", 0, 10).error().code == Errc::out_of_range);
  for (const char* key : {"e", "f", "g", "h", "i"}) {
    INFO(key);
    CHECK(q.integer(key, INT64_MIN, INT64_MAX).error().code == Errc::malformed);
  }
  CHECK(q.integer("j", INT64_MIN, INT64_MAX).error().code == Errc::out_of_range);  // > 2^64
  CHECK(*q.integer("k", 0, 10) == 7);
  auto missing = q.integer("zz", 0, 1);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("'zz'") != std::string::npos);
  CHECK(*q.integer_or("zz", 42, 0, 100) == 42);
  CHECK_FALSE(q.integer_or("e", 42, 0, 100));  // present but bad is still an error
  CHECK(*parse_decimal("-9223372036854775808", INT64_MIN, INT64_MAX) == INT64_MIN);
  CHECK(*parse_decimal("9223372036854775807", INT64_MIN, INT64_MAX) == INT64_MAX);
  CHECK_FALSE(parse_decimal("9223372036854775808", INT64_MIN, INT64_MAX));
  CHECK_FALSE(parse_decimal("-9223372036854775809", INT64_MIN, INT64_MAX));
}

TEST_CASE("query: flags") {
  const Query q = parsed("a=0&b=1&c=2&d=true&e=-1");
  CHECK(*q.flag("a") == false);
  CHECK(*q.flag("b") == true);
  CHECK_FALSE(q.flag("c"));
  CHECK_FALSE(q.flag("d"));
  CHECK_FALSE(q.flag("e"));
  CHECK(*q.flag_or("zz", true) == true);
  CHECK_FALSE(q.flag("zz"));
}

TEST_CASE("query: hex with exact lengths") {
  const Query q = parsed("k=f826e35ba7ab9cbfac93cfff725a2e23&u=F826E35BA7AB9CBFAC93CFFF725A2E23"
                         "&short=f826e35ba7ab9cbfac93cfff725a2e&long=f826e35ba7ab9cbfac93cfff725a2e2300"
                         "&odd=f826e35ba7ab9cbfac93cfff725a2e2&bad=g826e35ba7ab9cbfac93cfff725a2e23");
  const std::vector<std::uint8_t> key = lightwell::test::unhex("f826e35ba7ab9cbfac93cfff725a2e23");
  CHECK(*q.hex_exact("k", 16) == key);
  CHECK(*q.hex_exact("u", 16) == key);  // either case (http-pairing.md §5.1)
  CHECK(q.hex_exact("short", 16).error().code == Errc::truncated);
  CHECK(q.hex_exact("long", 16).error().code == Errc::too_large);
  CHECK_FALSE(q.hex_exact("odd", 16));
  CHECK(q.hex_exact("bad", 16).error().code == Errc::malformed);
  CHECK_FALSE(q.hex_exact("missing", 16));
  auto arr = q.hex_array<16>("k");
  REQUIRE(arr);
  CHECK(std::vector<std::uint8_t>(arr->begin(), arr->end()) == key);
  CHECK(q.hex_range("k", 17, 100).error().code == Errc::truncated);
  CHECK(q.hex_range("k", 1, 15).error().code == Errc::too_large);
  CHECK(q.hex_range("k", 16, 16));
  // Messages name the parameter, never its value.
  CHECK(q.hex_exact("bad", 16).error().message.find("g826") == std::string::npos);
}

TEST_CASE("query: uniqueid and uuid") {
  CHECK(*parsed("uniqueid=8d3f1e27a0b4c5d6").unique_id() == "8d3f1e27a0b4c5d6");  // Qt: %x of a random
  CHECK(*parsed("uniqueid=0123456789ABCDEF").unique_id() == "0123456789ABCDEF");
  CHECK_FALSE(parsed("uniqueid=").unique_id());
  CHECK_FALSE(parsed("uniqueid=" + std::string(65, 'a')).unique_id());
  CHECK_FALSE(parsed("uniqueid=a%20b").unique_id());
  CHECK_FALSE(parsed("uniqueid=%3Cx%3E").unique_id());
  CHECK_FALSE(parsed("a=1").unique_id());

  CHECK(parsed("uuid=0f6c3a4e9b1d4e2fa3b4c5d6e7f80912").uuid());          // Qt
  CHECK(parsed("uuid=7D94CF69-42BD-4FE8-AF66-77E047657351").uuid());      // dashed, any case
  CHECK_FALSE(parsed("uuid=7d94cf69-42bd-4fe8-af66-77e04765735").uuid());
  CHECK_FALSE(parsed("uuid=7d94cf6942bd-4fe8-af66-77e0476573511").uuid());
  CHECK_FALSE(parsed("uuid=0f6c3a4e9b1d4e2fa3b4c5d6e7f8091z").uuid());
  CHECK_FALSE(parsed("uuid=").uuid());
}

TEST_CASE("query: require bounds the length") {
  const Query q = parsed("name=abcdef");
  CHECK(*q.require("name", 6) == "abcdef");
  CHECK(q.require("name", 5).error().code == Errc::too_large);
  CHECK_FALSE(q.require("other"));
}

TEST_CASE("query: random and mutated inputs never break the invariants") {
  // Deterministic xorshift so a failure reproduces; alphabet biased towards the syntax.
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  constexpr std::string_view kAlphabet = "%&=+aA0fFgZ9-._\x01\x7f\xc3\xa9 ";
  const std::string launch = lightwell::test::read_records("wire/launch_ri.txt").at(0).get("launch_query");
  int accepted = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string raw;
    if (round % 2 == 0) {
      const std::size_t len = next() % 64;
      for (std::size_t i = 0; i < len; ++i) raw += kAlphabet[next() % kAlphabet.size()];
    } else {
      raw = launch;
      for (int m = 0; m < 3; ++m) raw[next() % raw.size()] = kAlphabet[next() % kAlphabet.size()];
    }
    auto q = Query::parse(raw);
    if (!q) continue;
    ++accepted;
    for (std::size_t i = 0; i < q->params().size(); ++i) {
      const auto& p = q->params()[i];
      CHECK_FALSE(p.key.empty());
      bool printable = true;
      for (unsigned char c : p.key + p.value) printable = printable && c >= 0x20 && c != 0x7F;
      CHECK(printable);
      CHECK(q->find(p.key) == std::string_view(p.value));  // no shadowing duplicate
    }
  }
  CHECK(accepted > 100);  // the generator does reach the success path
}
