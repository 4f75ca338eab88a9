// Internal helpers shared by the control socket's server and client halves.
#pragma once

#include <filesystem>

namespace lightwell::server::detail {

// Connects a blocking UNIX stream socket (close-on-exec); -1 with errno set on failure
// (ENAMETOOLONG when the path does not fit sockaddr_un).
int connect_unix(const std::filesystem::path& path);

}  // namespace lightwell::server::detail
