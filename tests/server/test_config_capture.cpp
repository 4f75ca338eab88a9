// [video] capture, card, connector (docs/configuration.md, docs/capture-kms.md): defaults,
// every accepted value, and a wrong value rejected with the key's name.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "lightwell/server/config.hpp"
#include "lightwell/server/config_file.hpp"

using namespace lightwell::server;

TEST_CASE("config: [video] capture defaults to auto on the first lit card", "[config][capture]") {
  const Config c = parse_config("", "/x.toml");
  CHECK(c.video.capture == CaptureKind::automatic);
  CHECK(c.video.card.empty());
  CHECK(c.video.connector.empty());
  CHECK(to_string(c.video.capture) == "auto");
}

TEST_CASE("config: [video] capture, card and connector are read", "[config][capture]") {
  Config c = parse_config("[video]\ncapture = \"kms\"\ncard = \"/dev/dri/card1\"\nconnector = \"HDMI-A-1\"\n", "/x.toml");
  CHECK(c.video.capture == CaptureKind::kms);
  CHECK(c.video.card == "/dev/dri/card1");
  CHECK(c.video.connector == "HDMI-A-1");
  c = parse_config("[video]\ncapture = \"test-pattern\"\n", "/x.toml");
  CHECK(c.video.capture == CaptureKind::test_pattern);
  CHECK(to_string(c.video.capture) == "test-pattern");
  c = parse_config("[video]\ncapture = \"auto\"\n", "/x.toml");
  CHECK(c.video.capture == CaptureKind::automatic);
}

TEST_CASE("config: an unknown [video] capture value is refused naming the key", "[config][capture]") {
  std::string message;
  try {
    (void)parse_config("[video]\ncapture = \"x11\"\n", "/x.toml");
  } catch (const std::exception& e) {
    message = e.what();
  }
  INFO(message);
  CHECK(message.find("video.capture") != std::string::npos);
  message.clear();
  try {
    (void)parse_config("[video]\nconnector = 3\n", "/x.toml");
  } catch (const std::exception& e) {
    message = e.what();
  }
  CHECK(message.find("video.connector") != std::string::npos);
}
