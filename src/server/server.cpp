#include "server/server.hpp"

#include <stdexcept>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "server/http_session.hpp"
#include "server/server_state.hpp"

namespace mdfan {
namespace server_detail {

namespace beast = boost::beast;

// ---- metrics, registry, error filtering -------------------------------------------------------

server_metrics::server_metrics(metrics_registry& r)
    : clients(r.get_gauge("mdfan_server_clients", "Open client WebSocket sessions")),
      connections(r.get_counter("mdfan_server_connections_total", "TCP connections accepted (HTTP and WebSocket)")),
      rejected(r.get_counter("mdfan_server_rejected_connections_total",
                             "Connections closed at once because max_clients was reached or the server was stopping")),
      frames_out(r.get_counter("mdfan_server_frames_out_total", "WebSocket messages written to clients")),
      bytes_out(r.get_counter("mdfan_server_bytes_out_total", "WebSocket payload bytes written to clients")),
      queue_drops(r.get_counter("mdfan_server_queue_drops_total",
                                "Frames lost to client queue overflow: dropped, removed for a book snapshot, or "
                                "discarded at a slow-consumer disconnect (replies included)")),
      slow_disconnects(r.get_counter("mdfan_server_slow_disconnects_total",
                                     "Clients disconnected because their send queue overflowed")),
      overload_disconnects(r.get_counter("mdfan_server_overload_disconnects_total",
                                         "Clients disconnected because their session fell a whole queue's worth "
                                         "of events behind the manager (server CPU saturated)")),
      gap_notices(r.get_counter("mdfan_server_gap_notices_total",
                                "Gap notices queued to clients after events of a topic were dropped")),
      book_snapshots(r.get_counter("mdfan_server_book_snapshots_total",
                                   "Book snapshots fetched to repair a slow client's book after its updates were "
                                   "dropped")),
      queued_bytes(r.get_gauge("mdfan_server_queued_bytes",
                               "Bytes queued for clients, all sessions (each session reports in 64 KiB steps)")),
      conflated{},
      dropped{},
      client_errors(r.get_counter("mdfan_server_client_errors_total",
                                  "Invalid client messages, rate-limit rejections and oversized requests")),
      http_requests{} {
  constexpr const char* help = "HTTP requests by path";
  http_requests[static_cast<std::size_t>(http_path::health)] =
      &r.get_counter("mdfan_server_http_requests_total", help, R"(path="health")");
  http_requests[static_cast<std::size_t>(http_path::metrics)] =
      &r.get_counter("mdfan_server_http_requests_total", help, R"(path="metrics")");
  http_requests[static_cast<std::size_t>(http_path::ws)] =
      &r.get_counter("mdfan_server_http_requests_total", help, R"(path="ws")");
  http_requests[static_cast<std::size_t>(http_path::other)] =
      &r.get_counter("mdfan_server_http_requests_total", help, R"(path="other")");
  for (std::size_t i = 0; i < event_type_count; ++i) {
    const std::string label = fmt::format(R"(type="{}")", to_string(static_cast<event_type>(i)));
    conflated[i] =
        &r.get_counter("mdfan_server_conflated_total",
                       "Events superseded in a slow client's queue by a newer value of the same topic", label);
    dropped[i] = &r.get_counter("mdfan_server_dropped_total",
                                "Events not sent to a slow client (drop and snapshot policies, and the queue "
                                "discarded at a slow-consumer disconnect)",
                                label);
  }
}

server_state::server_state(net::any_io_executor ex_, server_config cfg_, manager& mgr_, metrics_registry& metrics,
                           std::shared_ptr<spdlog::logger> log_, health_fn health_)
    : ex(std::move(ex_)),
      cfg(std::move(cfg_)),
      mgr(mgr_),
      registry(metrics),
      log(std::move(log_)),
      health(std::move(health_)),
      m(metrics) {}

bool server_state::add(session_base* s, std::weak_ptr<session_base> w) {
  std::lock_guard lock(mu_);
  if (stopping_) return false;
  sessions_.emplace(s, std::move(w));
  return true;
}

void server_state::remove(session_base* s) {
  std::lock_guard lock(mu_);
  sessions_.erase(s);
  finish_locked();
}

std::size_t server_state::connections() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

bool server_state::stopping() const {
  std::lock_guard lock(mu_);
  return stopping_;
}

std::vector<std::shared_ptr<session_base>> server_state::begin_stop(std::function<void()> done) {
  std::vector<std::shared_ptr<session_base>> live;
  std::lock_guard lock(mu_);
  stopping_ = true;
  if (done) done_.push_back(std::move(done));
  live.reserve(sessions_.size());
  for (auto& [key, weak] : sessions_) {
    if (auto s = weak.lock()) live.push_back(std::move(s));
  }
  finish_locked();
  return live;
}

void server_state::finish_locked() {
  if (!stopping_ || !sessions_.empty() || done_.empty()) return;
  // Never run user code under our lock or inside a destructor: post it.
  for (auto& fn : done_) net::post(ex, std::move(fn));
  done_.clear();
}

bool benign(const error_code& ec) noexcept {
  return ec == net::error::operation_aborted || ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::error::not_connected || ec == beast::error::timeout ||
         ec == beast::websocket::error::closed || ec == beast::http::error::end_of_stream;
}

void log_failure(spdlog::logger& log, const error_code& ec, const char* what, const std::string& peer) {
  if (benign(ec)) {
    log.debug("client {}: {}: {}", peer, what, ec.message());
  } else {
    log.info("client {}: {} failed: {}", peer, what, ec.message());
  }
}

// ---- listener ---------------------------------------------------------------------------------

// Accepts connections; each gets its own strand and starts as an http_session.
class listener : public std::enable_shared_from_this<listener> {
 public:
  listener(const net::any_io_executor& ex, std::shared_ptr<server_state> state)
      : ex_(ex), state_(std::move(state)), acceptor_(net::make_strand(ex)), retry_(acceptor_.get_executor()) {}

  // Binds and listens; returns the bound port. Throws std::runtime_error on failure.
  std::uint16_t open(const std::string& host, std::uint16_t port) {
    error_code ec;
    const auto addr = net::ip::make_address(host, ec);
    if (ec) throw std::runtime_error(fmt::format("server: invalid listen address '{}': {}", host, ec.message()));
    const tcp::endpoint ep(addr, port);
    auto check = [&](const char* step) {
      if (ec)
        throw std::runtime_error(
            fmt::format("server: cannot listen on {}:{} ({} failed: {})", host, port, step, ec.message()));
    };
    acceptor_.open(ep.protocol(), ec);
    check("open");
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    check("set_option");
    acceptor_.bind(ep, ec);
    check("bind");
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
    check("listen");
    return acceptor_.local_endpoint().port();
  }

  void run() {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
  }

  void stop() {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
      error_code ec;
      self->acceptor_.close(ec);
      self->retry_.cancel();
    });
  }

 private:
  void do_accept() {
    if (!acceptor_.is_open()) return;
    acceptor_.async_accept(net::make_strand(ex_), [self = shared_from_this()](error_code ec, tcp::socket s) {
      self->on_accept(ec, std::move(s));
    });
  }

  void on_accept(error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
      // E.g. out of file descriptors: log, pause briefly, and go on (no busy loop).
      state_->log->warn("server: accept failed: {}", ec.message());
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([self = shared_from_this()](error_code e) {
        if (!e) self->do_accept();
      });
      return;
    }
    state_->m.connections.inc();
    const auto& cfg = state_->cfg;
    if (state_->stopping() || (cfg.max_clients != 0 && state_->connections() >= cfg.max_clients)) {
      state_->m.rejected.inc();
      error_code ignored;
      socket.close(ignored);
    } else {
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);  // market data: latency over packet count
      std::make_shared<http_session>(std::move(socket), state_)->run();
    }
    do_accept();
  }

  net::any_io_executor ex_;
  std::shared_ptr<server_state> state_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_;
};

}  // namespace server_detail

// ---- server -----------------------------------------------------------------------------------

server::server(boost::asio::any_io_executor ex, server_config cfg, manager& mgr, metrics_registry& metrics,
               std::shared_ptr<spdlog::logger> log, health_fn health)
    : ex_(std::move(ex)),
      state_(std::make_shared<server_detail::server_state>(ex_, std::move(cfg), mgr, metrics, std::move(log),
                                                           std::move(health))) {}

server::~server() {
  try {
    if (listener_ && !state_->stopping()) stop();
  } catch (...) {  // NOLINT(bugprone-empty-catch): nothing sensible to do in a destructor
  }
}

void server::start() {
  if (listener_) throw std::logic_error("server: start() called twice");
  auto l = std::make_shared<server_detail::listener>(ex_, state_);
  port_ = l->open(state_->cfg.host, state_->cfg.port);
  listener_ = std::move(l);
  listener_->run();
  state_->log->info("server: listening on {}:{}", state_->cfg.host, port_);
}

void server::stop(std::function<void()> done) {
  if (listener_) listener_->stop();
  auto live = state_->begin_stop(std::move(done));
  if (!live.empty()) state_->log->info("server: stopping, closing {} connections", live.size());
  for (auto& s : live) s->shutdown();
}

}  // namespace mdfan
