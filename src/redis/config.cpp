#include "redis/config.hpp"

#include <charconv>
#include <optional>

namespace mdfan::redis {
namespace {

bool fail(std::string* error, std::string why) {
  if (error) *error = std::move(why);
  return false;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex_value(s[i + 1]);
    const int lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

bool parse_redis_url(std::string_view url, redis_url_parts& parts, std::string* error) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return fail(error, "Redis URL must start with redis://");
  const auto scheme = url.substr(0, scheme_end);
  if (iequals(scheme, "rediss")) return fail(error, "rediss://: TLS not supported yet (use redis://)");
  if (!iequals(scheme, "redis"))
    return fail(error, "unsupported Redis URL scheme '" + std::string(scheme) + "' (expected redis://)");
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos)
    return fail(error, "query strings and fragments are not supported in Redis URLs");

  redis_url_parts out;

  // Path (/db). The userinfo may contain '/', so split on the last '@' first.
  std::string_view userinfo;
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos)
      return fail(error, "credentials must be written [user]:password@ (the password is missing)");
    auto user = percent_decode(userinfo.substr(0, colon));
    auto pass = percent_decode(userinfo.substr(colon + 1));
    if (!user || !pass) return fail(error, "bad percent-encoding in the credentials");
    if (pass->empty()) return fail(error, "empty password in the Redis URL");
    if (!user->empty()) out.username = std::move(*user);
    out.password = std::move(*pass);
  }

  std::string_view authority = rest;
  std::string_view path;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    path = rest.substr(slash + 1);
  }

  std::string_view host;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(error, "unterminated IPv6 address in the Redis URL");
    host = authority.substr(1, close - 1);
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail(error, "unexpected text after the IPv6 address");
      port_text = after.substr(1);
      if (port_text.empty()) return fail(error, "empty port in the Redis URL");
    }
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return fail(error, "empty port in the Redis URL");
    }
  }
  if (host.empty()) return fail(error, "missing host in the Redis URL");
  const bool v6 = !authority.empty() && authority.front() == '[';
  for (const char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == '_' || (v6 && c == ':');
    if (!ok) return fail(error, "bad host '" + std::string(host) + "' in the Redis URL");
  }
  out.host = std::string(host);

  if (!port_text.empty()) {
    unsigned value = 0;
    const auto* end = port_text.data() + port_text.size();
    const auto [p, ec] = std::from_chars(port_text.data(), end, value);
    if (!all_digits(port_text) || ec != std::errc() || p != end || value == 0 || value > 65535)
      return fail(error, "bad port '" + std::string(port_text) + "' (expected 1-65535)");
    out.port = static_cast<std::uint16_t>(value);
  }

  if (!path.empty()) {
    int value = 0;
    const auto* end = path.data() + path.size();
    const auto [p, ec] = std::from_chars(path.data(), end, value);
    if (!all_digits(path) || ec != std::errc() || p != end || value < 0)
      return fail(error, "bad database '" + std::string(path) + "' (expected a non-negative integer)");
    out.db = value;
  }

  parts = std::move(out);
  return true;
}

bool parse_redis_url(std::string_view url, redis_config& cfg, std::string* error) {
  redis_url_parts parts;
  if (!parse_redis_url(url, parts, error)) return false;
  cfg.host = std::move(parts.host);
  cfg.port = parts.port.value_or(6379);
  cfg.username = parts.username.value_or(std::string());
  cfg.password = parts.password.value_or(std::string());
  cfg.db = parts.db.value_or(0);
  return true;
}

}  // namespace mdfan::redis
