#pragma once
// Where and how to reach one Redis server, and the URL form operators write it in.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/backoff.hpp"

namespace mdfan::redis {

// Settings of one Redis connection. Every duration is in milliseconds.
struct redis_config {
  // Host name or IP literal; resolved again on every connection attempt (DNS changes are picked up).
  std::string host = "127.0.0.1";
  // TCP port. 0 is invalid (parse_redis_url never produces it).
  std::uint16_t port = 6379;
  // ACL user for AUTH. Empty: "AUTH <password>" authenticates the default user.
  std::string username;
  // Password for AUTH. Empty: no AUTH is sent.
  std::string password;
  // Logical database for SELECT. 0: no SELECT is sent (0 is Redis' default database).
  int db = 0;
  // Bound on resolve + TCP connect + AUTH/SELECT of one attempt; on expiry the attempt fails and the
  // next one follows the backoff. 0: no bound (not recommended: a black-holed host stalls forever).
  std::chrono::milliseconds connect_timeout{2000};
  // Delay between attempts after a failure or a lost connection: exponential with jitter, reset once
  // connected. Default: 100 ms doubling up to 5 s.
  backoff_config backoff{std::chrono::milliseconds(100), std::chrono::milliseconds(5000), 2.0};
  // A PING is sent when nothing has been read for this long. 0: no health checks.
  std::chrono::milliseconds health_check_interval{2000};
  // After a health PING, the connection is declared dead when no byte at all arrives for this long.
  // 0: the health check interval is used.
  std::chrono::milliseconds health_check_timeout{2000};
  // Bound on encoded commands queued behind the write in flight, in bytes; a request that would exceed
  // it fails with error::queue_full. 0: no bound (not recommended).
  std::size_t max_write_buffer = std::size_t{128} << 20;
};

// What a "redis://[[user]:password@]host[:port][/db]" URL spells out; the parts it leaves out are
// empty, so a caller can tell "port 6379 written" from "no port written".
struct redis_url_parts {
  std::string host;
  std::optional<std::uint16_t> port;
  std::optional<std::string> username;  // set when the URL names a user (redis://user:pw@...)
  std::optional<std::string> password;  // set, never empty, when credentials are written
  std::optional<int> db;
};

// Parses the URL. User and password may be percent-encoded; an IPv6 host is written in brackets.
// "rediss://" (TLS) is rejected, as are other schemes, a bad port or db, credentials without a
// password, and query strings. On failure `parts` is unchanged and, when `error` is given, it receives
// the reason (which never contains the password).
bool parse_redis_url(std::string_view url, redis_url_parts& parts, std::string* error = nullptr);

// Parses the URL into `cfg` (host, port, username, password, db; omitted parts get their defaults:
// port 6379, db 0, no credentials). On failure `cfg` is unchanged.
bool parse_redis_url(std::string_view url, redis_config& cfg, std::string* error = nullptr);

}  // namespace mdfan::redis
