// What this machine offers for input injection, for `lightwell probe`: whether the uinput
// device node exists and this process may open it for writing. Read-only: the node is opened
// and closed, no device is created. Thread rules: a plain function; call from any thread.
#pragma once

#include <filesystem>
#include <string>

namespace lightwell::input {

struct InputProbe {
  std::filesystem::path uinput_path;  // the node looked at
  bool present = false;
  bool writable = false;              // open(O_WRONLY) succeeded
  std::string detail;                 // the error when not present or not writable
  std::string fix;                    // what the user can do about it; empty when usable
};

// uinput_path is a parameter so tests can point it at a missing or fake node.
InputProbe probe_input(const std::filesystem::path& uinput_path = "/dev/uinput");

}  // namespace lightwell::input
