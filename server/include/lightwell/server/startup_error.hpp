// The one exception type of start-up (design.md "Errors"): thrown while loading the config or
// opening the state directory, caught once by the CLI, printed as one message plus a fix.
// Never thrown on the media path.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace lightwell::server {

class StartupError : public std::runtime_error {
 public:
  // what(): the problem, naming the file (and line/key) involved. fix: what the user can do,
  // may be empty when the message already says it.
  explicit StartupError(const std::string& what, std::string fix = {})
      : std::runtime_error(what), fix_(std::move(fix)) {}
  const std::string& fix() const noexcept { return fix_; }

 private:
  std::string fix_;
};

}  // namespace lightwell::server
