// Web-managed apps (web_apps.hpp): apps.json, the merged catalogue Moonlight sees, field checks.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "lightwell/server/startup_error.hpp"
#include "lightwell/server/web_apps.hpp"
#include "temp_dir.hpp"

using namespace lightwell::server;
using lightwell::test::TempDir;

namespace {

AppsOptions config_with(std::vector<std::string> names) {
  AppsOptions o;
  for (auto& n : names) {
    App a;
    a.name = n;
    o.list.push_back(a);
  }
  return o;
}

WebApp web_app(std::string name, std::string cmd) {
  WebApp w;
  w.name = std::move(name);
  w.cmd = std::move(cmd);
  return w;
}

}  // namespace

TEST_CASE("web apps: stored in apps.json (0600), after Desktop and the config apps, as /bin/sh -c", "[web]") {
  TempDir dir;
  WebAppStore store(dir.path(), config_with({"Steam"}));
  CHECK(store.add(web_app("Retro", "retroarch --fullscreen"), "00112233445566aa").empty());
  struct stat st{};
  REQUIRE(::stat(apps_file(dir.path()).c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  const auto apps = store.apps();
  REQUIRE(apps.size() == 3);
  CHECK(apps[0].name == "Desktop");
  CHECK(apps[1].name == "Steam");
  CHECK(apps[2].name == "Retro");
  CHECK(apps[2].cmd.argv == std::vector<std::string>{"/bin/sh", "-c", "retroarch --fullscreen"});
  const auto cat = store.catalogue();
  CHECK(cat[0].source == AppSource::builtin);
  CHECK(cat[1].source == AppSource::config);
  CHECK(cat[2].source == AppSource::web);
  CHECK(cat[2].slot.id == app_id_for_name("Retro"));  // the nvhttp id rule (nvhttp_service.hpp)

  // A second store on the same directory (a restart) reads the same list.
  WebAppStore again(dir.path(), config_with({"Steam"}));
  REQUIRE(again.apps().size() == 3);
  CHECK(again.apps()[2].cmd == apps[2].cmd);

  // Names are unique across every source.
  CHECK(store.add(web_app("Steam", "x"), "00112233445566bb").find("name:") == 0);
  CHECK(store.add(web_app("Retro", "x"), "00112233445566bb").find("already exists") != std::string::npos);
  CHECK(store.replace("00112233445566aa", web_app("Retro 2", "retroarch")).empty());
  CHECK(store.apps()[2].name == "Retro 2");
  // The key passed may live in the list being changed (the web routes pass the catalogue's
  // own entry): must not dangle (ASan caught this once).
  const auto entries = store.catalogue();
  REQUIRE(entries[2].web != nullptr);
  CHECK(store.replace(entries[2].web->key, web_app("Retro 3", "retroarch")).empty());
  const auto again_entries = store.catalogue();
  store.remove(again_entries[2].web->key);
  CHECK(store.apps().size() == 2);
  CHECK(WebAppStore(dir.path(), config_with({"Steam"})).apps().size() == 2);
}

TEST_CASE("web apps: each invalid field is named", "[web]") {
  CHECK(check_web_app(web_app("", "x")).rfind("name:", 0) == 0);
  CHECK(check_web_app(web_app("a\x01", "x")).rfind("name:", 0) == 0);
  CHECK(check_web_app(web_app("ok", "two\nlines")).rfind("cmd:", 0) == 0);
  CHECK(check_web_app(web_app("ok", std::string(5000, 'x'))).rfind("cmd:", 0) == 0);
  WebApp w = web_app("ok", "run");
  CHECK(check_web_app(w).empty());
  w.working_dir = "relative/dir";
  CHECK(check_web_app(w).rfind("working_dir:", 0) == 0);
  w.working_dir = "/srv/games";
  w.prep.emplace_back("", "");
  CHECK(check_web_app(w).rfind("prep:", 0) == 0);
  w.prep.clear();
  w.detached.emplace_back("");
  CHECK(check_web_app(w).rfind("detached:", 0) == 0);
}

TEST_CASE("web apps: a corrupt apps.json stops start-up and is left untouched", "[web]") {
  TempDir dir;
  for (const std::string& text : {std::string("{"), std::string(R"({"format_version":1})"),
                                 std::string(R"({"format_version":1,"apps":[{"key":"xyz","name":"a","cmd":"","working_dir":"","prep":[],"detached":[]}]})"),
                                 std::string(R"({"format_version":1,"apps":[{"key":"0011223344556677","name":"","cmd":"","working_dir":"","prep":[],"detached":[]}]})")}) {
    INFO(text);
    lightwell::test::write_text(apps_file(dir.path()), text);
    CHECK_THROWS_AS(WebAppStore(dir.path(), AppsOptions{}), StartupError);
    CHECK(lightwell::test::read_text_file(apps_file(dir.path())) == text);
  }
}
