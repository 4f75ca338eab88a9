// Two network namespaces joined by a veth pair, for the fault tests (tests/faults,
// docs/testing-faults.md): the CALLING THREAD moves into a fresh namespace (the client side,
// 10.213.0.2/24 on `lwf-c`), a holder process owns a second one (the server side,
// 10.213.0.1/24 on `lwf-s`) that `lightwell serve` joins through
// LightwellOptions::network_namespace. nftables rules in either namespace drop what a test
// wants dropped (this kernel has no netem: nft `numgen random` gives random loss).
//
// Nothing is named and nothing touches the machine's own namespace: both namespaces are
// anonymous, so they vanish with their last process or file descriptor, even when a test
// crashes (the holder dies with the test thread through PR_SET_PDEATHSIG). The destructor
// kills the holder and moves the thread back to the namespace it came from.
//
// Needs root (CAP_SYS_ADMIN for unshare/setns, CAP_NET_ADMIN for ip/nft) and the `ip`
// (iproute2) and `nft` (nftables) commands; unavailable_reason() says what is missing.
// Thread rules: construct, use and destroy on one thread (the test thread). Threads that
// thread starts while the link exists (the stream client's) inherit the client namespace.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lightwell::test {

struct CommandOutput {
  int exit_code = -1;  // -signal when killed, 127 when it could not be run
  std::string output;  // stdout + stderr
};

// Runs argv (searched in PATH) and waits; in the namespace behind netns_fd when ≥ 0, else in
// the calling thread's; stdin_text is fed to its stdin.
CommandOutput run_command(const std::vector<std::string>& argv, int netns_fd = -1, std::string_view stdin_text = {});

class VethLink {
 public:
  // nullopt when a link can be made here; else why not (not root, missing command, kernel
  // without nf_tables or veth). Cheap enough to call per test.
  static std::optional<std::string> unavailable_reason();

  VethLink();  // throws std::runtime_error (with the command output) when a step fails
  ~VethLink();
  VethLink(const VethLink&) = delete;
  VethLink& operator=(const VethLink&) = delete;

  static constexpr const char* kServerIp = "10.213.0.1";
  static constexpr const char* kClientIp = "10.213.0.2";
  static constexpr const char* kServerDevice = "lwf-s";
  static constexpr const char* kClientDevice = "lwf-c";

  // For LightwellOptions::network_namespace.
  std::string server_namespace_path() const;
  // `nft -f -` with the script in the server's / the client's namespace; throws on failure.
  void nft_server(std::string_view script) const;
  void nft_client(std::string_view script) const;
  // A command in the server's namespace (the client's is the calling thread's own).
  CommandOutput run_in_server(const std::vector<std::string>& argv) const;

 private:
  int original_ns_fd_ = -1;  // where the thread came from
  pid_t holder_ = -1;        // owns the server namespace
  int server_ns_fd_ = -1;
  void teardown() noexcept;
};

}  // namespace lightwell::test
