#pragma once
// A Redis connection that keeps itself connected: Asio TCP on a strand, RESP via hiredis' reader,
// pipelined writes (one write in flight, everything queued meanwhile coalesced into the next one),
// AUTH/SELECT on connect, health PINGs when idle, and reconnection with backoff and jitter.
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/backoff.hpp"
#include "net/net.hpp"
#include "redis/config.hpp"
#include "redis/error.hpp"
#include "redis/protocol.hpp"

namespace spdlog {
class logger;
}

namespace mdfan::redis {

// One logical connection to one Redis server, surviving any number of TCP connections.
// Owned by a shared_ptr (its pending operations keep it alive). Every handler and reply callback runs
// on the strand given at construction; owners that share that strand need no locking of their own.
class connection : public std::enable_shared_from_this<connection> {
 public:
  using strand_type = net::strand<net::any_io_executor>;
  enum class state { connected, disconnected };
  using push_fn = std::function<void(reply_view)>;
  using state_fn = std::function<void(state)>;
  using drain_fn = std::function<void()>;
  using read_gate_fn = std::function<bool()>;

  // How the connection behaves beyond its redis_config.
  struct options {
    // Pub/sub connection: messages and (un)subscribe acknowledgements go to the push handler.
    bool subscriber = false;
    // Names the connection in logs, e.g. "publisher".
    std::string name = "redis";
  };

  connection(strand_type strand, redis_config cfg, options opts, std::shared_ptr<spdlog::logger> log);
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection();

  // Handlers; set them before start().
  void set_push_handler(push_fn fn) { push_ = std::move(fn); }
  // Told `connected` once AUTH/SELECT succeeded (resubscribe here) and `disconnected` when a live
  // connection is lost; not told about attempts that fail before connecting.
  void set_state_handler(state_fn fn) { state_ = std::move(fn); }
  // Runs when a write completed and nothing else is queued: the moment to hand over the next batch.
  void set_drain_handler(drain_fn fn) { drain_ = std::move(fn); }

  // Asked after each read's replies were dispatched: false pauses reading (back-pressure: the kernel's
  // buffer, then the server's output buffer, hold the rest) until resume_reading(). While paused, the
  // health check does not count the silence against the server.
  void set_read_gate(read_gate_fn fn) { read_gate_ = std::move(fn); }
  // Reads again after the gate paused it (no-op otherwise). Strand only.
  void resume_reading();

  // Starts connecting; keeps reconnecting until stop(). Thread-safe.
  void start();
  // Closes the socket and fails waiting commands with error::stopped; afterwards no handler runs.
  // Called on the strand, it completes before returning. Thread-safe.
  void stop();
  // Queues the commands of `req`; they go out in the next write. When not connected (or the write
  // buffer bound would be exceeded) nothing is sent and every callback of `req` gets
  // error::not_connected (error::queue_full) from a posted handler. Thread-safe.
  void send(request req);

  // Strand-only observers.
  bool connected() const noexcept { return phase_ == phase::connected; }
  // No write in flight and nothing queued.
  bool write_idle() const noexcept { return writes_.idle() && !write_scheduled_; }
  bool read_paused() const noexcept { return read_paused_; }
  std::size_t waiting_replies() const noexcept { return dispatcher_.waiting(); }
  std::uint64_t connects() const noexcept { return connects_; }
  const strand_type& strand() const noexcept { return strand_; }

 private:
  enum class phase { idle, resolving, connecting, handshaking, connected, backing_off, stopped };
  using clock = std::chrono::steady_clock;

  void begin_attempt();
  void on_resolve(std::uint64_t g, const error_code& ec, const tcp::resolver::results_type& results);
  void on_connect(std::uint64_t g, const error_code& ec);
  void on_ready();
  void enqueue(request& req);
  void reject(request& req, error_code ec);
  void schedule_write();
  void do_write();
  void on_write(std::uint64_t g, const error_code& ec);
  void do_read();
  void on_read(std::uint64_t g, const error_code& ec, std::size_t n);
  void arm_health(clock::time_point at);
  void on_health();
  void fail(error_code ec, const char* what, std::string_view detail = {});
  void do_stop();
  void close_socket();

  strand_type strand_;
  redis_config cfg_;
  options opts_;
  std::shared_ptr<spdlog::logger> log_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  net::steady_timer connect_timer_;
  net::steady_timer retry_timer_;
  net::steady_timer health_timer_;
  resp_reader reader_;
  reply_dispatcher dispatcher_;
  write_queue writes_;
  backoff backoff_;
  std::vector<char> read_buf_;

  push_fn push_;
  state_fn state_;
  drain_fn drain_;
  read_gate_fn read_gate_;

  phase phase_ = phase::idle;
  std::uint64_t gen_ = 0;  // bumped whenever a TCP connection ends: stale completions compare and bail
  bool write_scheduled_ = false;
  bool ping_outstanding_ = false;
  bool read_paused_ = false;  // the read gate said stop; resume_reading() restarts
  clock::time_point last_read_{};
  clock::time_point ping_sent_at_{};
  std::uint64_t connects_ = 0;
  unsigned failures_in_row_ = 0;
};

}  // namespace mdfan::redis
