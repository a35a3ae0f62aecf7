#pragma once
// Where a ws://, wss://, http:// or https:// URL points: the pieces a connect needs.
#include <string>
#include <string_view>

namespace mdfan::feed {

// A parsed connection URL.
struct endpoint {
  bool tls = false;    // wss:// or https://
  std::string host;    // without brackets for IPv6
  std::string port;    // explicit or the scheme's default
  std::string target;  // path and query, never empty ("/" at least)
  // The Host header value (port omitted when it is the scheme's default).
  std::string host_header() const;
};

// Accepts ws/wss when `websocket`, http/https otherwise. False on anything else (no host, bad port,
// other scheme, user info).
bool parse_endpoint(std::string_view url, bool websocket, endpoint& out);

}  // namespace mdfan::feed
