#pragma once
// What every connection of one server shares: configuration, collaborators, metrics and the
// registry of live connections (for max_clients and graceful stop). Connections hold it by
// shared_ptr, so it outlives the server object if a connection lingers.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/metrics.hpp"
#include "net/net.hpp"
#include "server/server.hpp"

namespace spdlog {
class logger;
}

namespace mdfan::server_detail {

// A connection the server can ask to end (graceful stop).
class session_base {
 public:
  virtual ~session_base() = default;
  // Thread-safe: posts to the connection's strand.
  virtual void shutdown() = 0;
};

enum class http_path : std::uint8_t { health, metrics, ws, other };
inline constexpr std::size_t http_path_count = 4;

struct server_metrics {
  explicit server_metrics(metrics_registry& r);
  gauge& clients;
  counter& connections;
  counter& rejected;
  counter& frames_out;
  counter& bytes_out;
  counter& queue_drops;
  counter& slow_disconnects;
  counter& overload_disconnects;
  counter& gap_notices;
  counter& book_snapshots;
  gauge& queued_bytes;
  counter* conflated[event_type_count];
  counter* dropped[event_type_count];
  counter& client_errors;
  counter* http_requests[http_path_count];
};

struct server_state {
  server_state(net::any_io_executor ex, server_config cfg, manager& mgr, metrics_registry& metrics,
               std::shared_ptr<spdlog::logger> log, health_fn health);

  // Registers a live connection; false when the server is stopping (the caller closes at once).
  bool add(session_base* s, std::weak_ptr<session_base> w);
  // Called from a connection's destructor.
  void remove(session_base* s);
  std::size_t connections() const;
  bool stopping() const;
  // Marks the server stopping and returns the live connections to shut down; `done` runs (posted)
  // once none is left.
  std::vector<std::shared_ptr<session_base>> begin_stop(std::function<void()> done);

  net::any_io_executor ex;
  const server_config cfg;
  manager& mgr;
  metrics_registry& registry;
  std::shared_ptr<spdlog::logger> log;
  health_fn health;
  server_metrics m;

 private:
  void finish_locked();

  mutable std::mutex mu_;
  std::unordered_map<session_base*, std::weak_ptr<session_base>> sessions_;
  bool stopping_ = false;
  std::vector<std::function<void()>> done_;
};

// True for errors that just mean "the connection ended" (not worth more than a debug line).
bool benign(const error_code& ec) noexcept;

// Logs a failed operation of a connection at the level its error deserves.
void log_failure(spdlog::logger& log, const error_code& ec, const char* what, const std::string& peer);

}  // namespace mdfan::server_detail
