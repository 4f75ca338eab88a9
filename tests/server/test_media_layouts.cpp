// The Opus layout the media session encodes with must be the one DESCRIBE advertises and the
// client ends up with (audio.md §2.4–§2.5): audio/ duplicates the small table so it depends on
// nothing of ours, and this test (which links both) keeps the two copies equal.
#include <catch2/catch.hpp>

#include "lightwell/audio/opus_encoder.hpp"
#include "lightwell/proto/sdp_describe.hpp"

TEST_CASE("the Opus encoder layout is the one DESCRIBE advertises and the client decodes with", "[media]") {
  for (const auto& l : lightwell::proto::kDefaultSurroundLayouts) {
    INFO(int(l.channels) << " channels, normal quality " << l.normal_quality);
    const auto c = lightwell::audio::opus_config_for(l.channels, !l.normal_quality, 5);
    CHECK(c.channels == l.channels);
    CHECK(c.streams == l.streams);
    CHECK(c.coupled_streams == l.coupled_streams);
    const auto text = lightwell::proto::surround_params_text(l);
    REQUIRE(text);
    const auto client = lightwell::proto::client_surround_layout(*text, l.normal_quality);
    REQUIRE(client);
    for (std::uint32_t i = 0; i < l.channels; ++i) {
      CHECK(c.mapping[i] == l.mapping[i]);
      CHECK(c.mapping[i] == client->mapping[i]);
    }
  }
}
