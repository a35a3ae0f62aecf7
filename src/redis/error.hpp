#pragma once
// The Redis layer's own error codes; foreign errors (Asio, hiredis) are translated at the boundary.
#include <boost/system/error_code.hpp>
#include <system_error>
#include <type_traits>

namespace mdfan::redis {

enum class error {
  connect_timeout = 1,  // resolve + connect + handshake did not finish within connect_timeout
  health_timeout,       // nothing arrived within health_check_timeout after a PING
  protocol,             // the byte stream is not valid RESP, or a reply arrived that nobody waited for
  handshake_failed,     // AUTH or SELECT was refused
  server_error,         // Redis answered the command with an error reply (see the reply's text)
  not_connected,        // the command was not sent: the connection is down or still connecting
  connection_lost,      // the connection broke before the reply arrived (the command may have run)
  queue_full,           // the write buffer bound (max_write_buffer) would be exceeded
  stopped,              // the connection was stopped
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept { return {static_cast<int>(e), error_category()}; }

}  // namespace mdfan::redis

namespace boost::system {
template <>
struct is_error_code_enum<mdfan::redis::error> : std::true_type {};
}  // namespace boost::system
