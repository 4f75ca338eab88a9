// Opens, binds and listens a TCP acceptor for the net/ servers (nvhttp HTTP/HTTPS, RTSP, web),
// so each reports a busy port the same way. Internal to net/.
#pragma once

#include <cstdint>
#include <string>
#include <system_error>

#include <boost/asio/ip/tcp.hpp>

namespace lightwell::net::detail {

// Throws std::system_error "cannot listen on ADDRESS:PORT (what)" with the OS error code
// (serve.cpp turns it into a start-up error naming the port).
inline void listen_tcp(boost::asio::ip::tcp::acceptor& acceptor, const std::string& address, std::uint16_t port,
                       const char* what) {
  namespace asio = boost::asio;
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(address), port);
  try {
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
  } catch (const boost::system::system_error& e) {
    throw std::system_error(e.code(), "cannot listen on " + address + ":" + std::to_string(port) + " (" + what + ")");
  }
}

}  // namespace lightwell::net::detail
