#include "adapters/sim/binance_sim.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <future>
#include <thread>

#include "adapters/sim/server.hpp"
#include "core/clock.hpp"

namespace mdfan::sim {

// The simulator's thread and objects. Teardown order matters: I/O objects go before the io_context,
// sessions (owned by its pending handlers) go with it, the hub they point to goes last.
struct binance_sim::impl {
  sim_config cfg;
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<hub> hub_;
  std::unique_ptr<net::io_context> ioc;
  std::shared_ptr<listener> listener_;
  std::unique_ptr<net::steady_timer> pace_timer;
  std::thread thread;
  std::future<void> finished;
  std::uint16_t port = 0;
  bool started = false;
  bool stopped = false;

  // Pacing: message i is due at t0 + i / rate (sim time is message count, so this only sets the speed).
  std::int64_t t0_ns = 0;
  bool paused = false;
  bool stopping = false;  // cancel() misses a timer that already expired: its handler checks this

  // Generates what is due in turns of at most ~2 ms of messages, so the sessions' writes run between
  // turns: an overloaded simulator slows down instead of starving its writers (which would look like
  // slow clients). A backlog beyond 50 ms (a stall) is skipped rather than caught up in a burst.
  void pace() {
    if (stopping) return;
    auto& feed = hub_->feed;
    bool more = false;
    if (!paused && cfg.rate > 0) {
      const auto now = mono_ns();
      const auto due = static_cast<std::uint64_t>(static_cast<double>(now - t0_ns) * cfg.rate / 1e9);
      if (due > feed.generated()) {
        std::uint64_t backlog = due - feed.generated();
        const auto max_backlog = std::max<std::uint64_t>(1000, static_cast<std::uint64_t>(cfg.rate * 0.05));
        if (backlog > max_backlog) {
          t0_ns += static_cast<std::int64_t>(static_cast<double>(backlog - max_backlog) * 1e9 / cfg.rate);
          backlog = max_backlog;
        }
        const auto turn = std::max<std::uint64_t>(256, static_cast<std::uint64_t>(cfg.rate * 0.002));
        feed.generate(std::min(backlog, turn), *hub_);
        hub_->stats.generated.store(feed.generated(), std::memory_order_relaxed);
        more = backlog > turn;
      }
    }
    // Next turn: at once when behind, else when the next message is due (1 ms to 50 ms from now).
    std::int64_t wait_ns = 50'000'000;
    if (more) {
      wait_ns = 0;
    } else if (!paused && cfg.rate > 0) {
      const auto next_due =
          t0_ns + static_cast<std::int64_t>(static_cast<double>(feed.generated() + 1) * 1e9 / cfg.rate);
      wait_ns = std::clamp<std::int64_t>(next_due - mono_ns(), 1'000'000, 50'000'000);
    }
    pace_timer->expires_after(std::chrono::nanoseconds(wait_ns));
    pace_timer->async_wait([this](error_code ec) {
      if (!ec) pace();
    });
  }

  void set_paused(bool p) {
    if (paused == p) return;
    paused = p;
    if (!paused && cfg.rate > 0)  // resume where the feed is, without catching up on the pause
      t0_ns = mono_ns() - static_cast<std::int64_t>(static_cast<double>(hub_->feed.generated()) * 1e9 / cfg.rate);
  }
};

binance_sim::binance_sim(sim_config cfg, std::shared_ptr<spdlog::logger> log) : impl_(std::make_unique<impl>()) {
  impl_->cfg = std::move(cfg);
  impl_->log = log ? std::move(log) : spdlog::default_logger();
}

binance_sim::~binance_sim() { stop(); }

void binance_sim::start() {
  auto& m = *impl_;
  if (m.started) throw std::logic_error("binance_sim: start() called twice");
  m.hub_ = std::make_unique<hub>(m.cfg, *m.log);
  m.ioc = std::make_unique<net::io_context>(1);
  try {
    const tcp::endpoint ep(net::ip::make_address(m.cfg.host), m.cfg.port);
    m.listener_ = std::make_shared<listener>(*m.ioc, ep, *m.hub_);  // throws when the port is taken
  } catch (...) {
    m.listener_.reset();
    m.ioc.reset();
    m.hub_.reset();
    throw;
  }
  m.started = true;
  m.port = m.listener_->port();
  m.pace_timer = std::make_unique<net::steady_timer>(*m.ioc);
  m.listener_->run();
  m.t0_ns = mono_ns();
  net::post(*m.ioc, [&m] { m.pace(); });
  std::promise<void> done;
  m.finished = done.get_future();
  m.thread = std::thread([&m, done = std::move(done)]() mutable {
    for (;;) {
      try {
        m.ioc->run();
        break;
      } catch (const std::exception& e) {  // a bug in a handler: log it and keep serving
        m.log->error("sim: handler threw: {}", e.what());
      }
    }
    done.set_value();
  });
  m.log->info("sim: listening on {}:{} ({} symbols, {} msg/s, seed {})", m.cfg.host, m.port, m.cfg.symbols.size(),
              m.cfg.rate, m.cfg.seed);
}

void binance_sim::stop() {
  auto& m = *impl_;
  if (!m.started || m.stopped) return;
  m.stopped = true;
  net::post(*m.ioc, [&m] {
    m.stopping = true;
    m.listener_->stop();
    m.pace_timer->cancel();
    m.hub_->shutdown_all(false);
  });
  // With the listener, the pacer and every socket closed, run() returns once the handlers drain.
  if (m.finished.wait_for(std::chrono::seconds(2)) != std::future_status::ready) m.ioc->stop();
  m.thread.join();
  m.listener_.reset();
  m.pace_timer.reset();
  m.ioc.reset();  // destroys the sessions still held by handlers; they leave the hub
  m.hub_.reset();
}

std::uint16_t binance_sim::port() const noexcept { return impl_->port; }

sim_stats binance_sim::stats() const {
  sim_stats s;
  if (!impl_->hub_) return s;
  const auto& c = impl_->hub_->stats;
  const auto get = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  s.generated = get(c.generated);
  s.sent = get(c.sent);
  s.sent_bytes = get(c.sent_bytes);
  s.connections = get(c.connections);
  s.open_connections = get(c.open_connections);
  s.rejected = get(c.rejected);
  s.slow_disconnects = get(c.slow_disconnects);
  s.requests = get(c.requests);
  s.http_requests = get(c.http_requests);
  s.pings_sent = get(c.pings_sent);
  s.pongs_received = get(c.pongs_received);
  return s;
}

void binance_sim::drop_connections() {
  auto& m = *impl_;
  if (!m.started || m.stopped) return;
  net::post(*m.ioc, [&m] { m.hub_->shutdown_all(true); });
}

void binance_sim::set_paused(bool paused) {
  auto& m = *impl_;
  if (!m.started || m.stopped) return;
  net::post(*m.ioc, [&m, paused] { m.set_paused(paused); });
}

void binance_sim::set_message_hook(message_hook hook) {
  auto& m = *impl_;
  if (!m.started || m.stopped) return;
  net::post(*m.ioc, [&m, hook = std::move(hook)]() mutable { m.hub_->hook = std::move(hook); });
}

int run_sim(const sim_config& cfg) {
  try {
    binance_sim sim(cfg);
    sim.start();
    std::printf("sim listening on ws://%s:%u\n", cfg.host.c_str(), static_cast<unsigned>(sim.port()));
    std::fflush(stdout);
    net::io_context ctx(1);
    net::signal_set signals(ctx, SIGINT, SIGTERM);
    signals.async_wait([&](error_code, int sig) {
      spdlog::info("sim: signal {}, stopping", sig);
      ctx.stop();
    });
    ctx.run();
    sim.stop();
    return 0;
  } catch (const std::exception& e) {
    spdlog::error("sim: cannot start: {}", e.what());
    return 1;
  }
}

}  // namespace mdfan::sim
