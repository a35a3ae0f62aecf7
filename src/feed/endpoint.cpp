#include "feed/endpoint.hpp"

#include <boost/url/parse.hpp>
#include <charconv>

namespace mdfan::feed {

std::string endpoint::host_header() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  const bool default_port = port == (tls ? "443" : "80");
  if (!default_port) h += ":" + port;
  return h;
}

bool parse_endpoint(std::string_view url, bool websocket, endpoint& out) {
  auto r = boost::urls::parse_uri(url);
  if (!r) return false;
  const auto& u = *r;
  const auto scheme = u.scheme();
  const std::string_view plain = websocket ? "ws" : "http";
  const std::string_view secure = websocket ? "wss" : "https";
  endpoint ep;
  if (scheme == secure)
    ep.tls = true;
  else if (scheme != plain)
    return false;
  if (u.has_userinfo()) return false;
  switch (u.host_type()) {
    case boost::urls::host_type::name:
    case boost::urls::host_type::ipv4:
      ep.host = u.host_address();
      break;
    case boost::urls::host_type::ipv6:
      ep.host = u.host_ipv6_address().to_string();
      break;
    default:
      return false;
  }
  if (ep.host.empty()) return false;
  if (u.has_port()) {
    const std::string_view text = u.port();
    unsigned port = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), port);
    if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || port == 0 || port > 65535)
      return false;
    ep.port = std::to_string(port);
  } else {
    ep.port = ep.tls ? "443" : "80";
  }
  ep.target = u.encoded_target();
  if (ep.target.empty() || ep.target.front() != '/') ep.target.insert(0, "/");
  out = std::move(ep);
  return true;
}

}  // namespace mdfan::feed
