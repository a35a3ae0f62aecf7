#include "adapters/sim/simulator.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "adapters/sim/binance_venue.hpp"
#include "adapters/sim/server.hpp"
#include "core/clock.hpp"

namespace mdfan::sim {

// The simulator's thread and objects. Teardown order matters: I/O objects go before the io_context,
// sessions (owned by its pending handlers) go with it, the hub they point to goes next, the venue last.
struct simulator::impl {
  sim_config cfg;
  std::unique_ptr<venue> ven;
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<hub> hub_;
  std::unique_ptr<net::io_context> ioc;
  std::shared_ptr<listener> listener_;
  std::unique_ptr<net::steady_timer> pace_timer;
  std::vector<std::unique_ptr<net::steady_timer>> script_timers;
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
    bool more = false;
    if (!paused && cfg.rate > 0) {
      const auto now = mono_ns();
      const auto due = static_cast<std::uint64_t>(static_cast<double>(now - t0_ns) * cfg.rate / 1e9);
      if (due > ven->generated()) {
        std::uint64_t backlog = due - ven->generated();
        const auto max_backlog = std::max<std::uint64_t>(1000, static_cast<std::uint64_t>(cfg.rate * 0.05));
        if (backlog > max_backlog) {
          t0_ns += static_cast<std::int64_t>(static_cast<double>(backlog - max_backlog) * 1e9 / cfg.rate);
          backlog = max_backlog;
        }
        const auto turn = std::max<std::uint64_t>(256, static_cast<std::uint64_t>(cfg.rate * 0.002));
        ven->generate(std::min(backlog, turn), *hub_);
        hub_->stats.generated.store(ven->generated(), std::memory_order_relaxed);
        more = backlog > turn;
      }
    }
    // Next turn: at once when behind, else when the next message is due (1 ms to 50 ms from now).
    std::int64_t wait_ns = 50'000'000;
    if (more) {
      wait_ns = 0;
    } else if (!paused && cfg.rate > 0) {
      const auto next_due =
          t0_ns + static_cast<std::int64_t>(static_cast<double>(ven->generated() + 1) * 1e9 / cfg.rate);
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
      t0_ns = mono_ns() - static_cast<std::int64_t>(static_cast<double>(ven->generated()) * 1e9 / cfg.rate);
  }

  void apply(const scripted_fault& f) {
    using action = scripted_fault::action;
    std::string error;
    switch (f.what) {
      case action::drop:
        log->info("sim: fault: dropping every connection");
        hub_->shutdown_all(true);
        return;
      case action::silent: {
        log->info("sim: fault: silent for {} ms", f.duration.count());
        set_paused(true);
        auto t = std::make_unique<net::steady_timer>(*ioc, f.duration);
        t->async_wait([this](error_code ec) {
          if (!ec && !stopping) {
            log->info("sim: fault: silence over");
            set_paused(false);
          }
        });
        script_timers.push_back(std::move(t));
        return;
      }
      case action::skip_sequence:
      case action::bad_checksum:
      case action::malformed: {
        const auto kind = f.what == action::skip_sequence  ? fault_kind::skip_sequence
                          : f.what == action::bad_checksum ? fault_kind::bad_checksum
                                                           : fault_kind::malformed;
        if (ven->inject(kind, f.symbol, error))
          log->info("sim: fault: {} on {}", f.what == action::skip_sequence  ? "skip a sequence number"
                                            : f.what == action::bad_checksum ? "wrong checksum"
                                                                             : "malformed message",
                    f.symbol.empty() ? std::string("the next book") : f.symbol);
        else
          log->warn("sim: fault refused by the {} venue: {}", ven->name(), error);
        return;
      }
    }
  }
};

simulator::simulator(sim_config cfg, std::unique_ptr<venue> v, std::shared_ptr<spdlog::logger> log)
    : impl_(std::make_unique<impl>()) {
  if (!v) throw std::invalid_argument("simulator: no venue");
  impl_->cfg = std::move(cfg);
  impl_->ven = std::move(v);
  impl_->log = log ? std::move(log) : spdlog::default_logger();
}

simulator::~simulator() { stop(); }

const sim_config& simulator::config() const noexcept { return impl_->cfg; }

void simulator::start() {
  auto& m = *impl_;
  if (m.started) throw std::logic_error("simulator: start() called twice");
  m.hub_ = std::make_unique<hub>(m.cfg, *m.ven, *m.log);
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
  m.log->info("sim: {} listening on {}:{} ({} symbols, {} msg/s, seed {})", m.ven->name(), m.cfg.host, m.port,
              m.ven->mkt().symbols().size(), m.cfg.rate, m.cfg.seed);
}

void simulator::stop() {
  auto& m = *impl_;
  if (!m.started || m.stopped) return;
  m.stopped = true;
  net::post(*m.ioc, [&m] {
    m.stopping = true;
    m.listener_->stop();
    m.pace_timer->cancel();
    for (auto& t : m.script_timers) t->cancel();
    m.hub_->shutdown_all(false);
  });
  // With the listener, the pacer and every socket closed, run() returns once the handlers drain.
  if (m.finished.wait_for(std::chrono::seconds(2)) != std::future_status::ready) m.ioc->stop();
  m.thread.join();
  m.listener_.reset();
  m.pace_timer.reset();
  m.script_timers.clear();
  m.ioc.reset();  // destroys the sessions still held by handlers; they leave the hub
  m.hub_.reset();
}

std::uint16_t simulator::port() const noexcept { return impl_->port; }

sim_stats simulator::stats() const {
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

void simulator::drop_connections() {
  auto& m = *impl_;
  if (!m.started || m.stopped) return;
  net::post(*m.ioc, [&m] { m.hub_->shutdown_all(true); });
}

void simulator::set_paused(bool paused) {
  auto& m = *impl_;
  if (!m.started || m.stopped) return;
  net::post(*m.ioc, [&m, paused] { m.set_paused(paused); });
}

void simulator::set_message_hook(message_hook hook) {
  auto& m = *impl_;
  if (!m.started || m.stopped) return;
  net::post(*m.ioc, [&m, hook = std::move(hook)]() mutable { m.hub_->hook = std::move(hook); });
}

std::future<std::string> simulator::inject(fault_kind kind, std::string symbol) {
  auto& m = *impl_;
  auto promise = std::make_shared<std::promise<std::string>>();
  auto result = promise->get_future();
  if (!m.started || m.stopped) {
    promise->set_value("simulator not running");
    return result;
  }
  net::post(*m.ioc, [&m, kind, symbol = std::move(symbol), promise] {
    std::string error;
    if (!m.ven->inject(kind, symbol, error) && error.empty()) error = "refused";
    promise->set_value(error);
  });
  return result;
}

void simulator::run_script(std::vector<scripted_fault> script) {
  auto& m = *impl_;
  if (!m.started || m.stopped) return;
  net::post(*m.ioc, [&m, script = std::move(script)] {
    for (const auto& f : script) {
      auto t = std::make_unique<net::steady_timer>(*m.ioc, f.at);
      t->async_wait([&m, f](error_code ec) {
        if (!ec && !m.stopping) m.apply(f);
      });
      m.script_timers.push_back(std::move(t));
    }
  });
}

binance_sim::binance_sim(sim_config cfg, std::shared_ptr<spdlog::logger> log)
    : simulator(cfg, make_binance_venue(cfg), std::move(log)) {}

namespace {

std::chrono::milliseconds parse_duration(std::string_view s, std::string_view item) {
  std::int64_t factor = 1;
  if (s.ends_with("ms")) {
    s.remove_suffix(2);
  } else if (s.ends_with("s")) {
    s.remove_suffix(1);
    factor = 1000;
  } else {
    throw std::invalid_argument(fmt::format("fault '{}': time '{}' needs a unit (ms or s)", item, s));
  }
  std::int64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || v < 0)
    throw std::invalid_argument(fmt::format("fault '{}': bad time", item));
  return std::chrono::milliseconds(v * factor);
}

}  // namespace

std::vector<scripted_fault> parse_fault_script(std::string_view script) {
  std::vector<scripted_fault> out;
  while (!script.empty()) {
    const auto comma = script.find(',');
    const std::string_view item = script.substr(0, comma);
    script = comma == std::string_view::npos ? std::string_view{} : script.substr(comma + 1);
    if (item.empty()) continue;
    std::vector<std::string_view> parts;
    for (std::string_view rest = item;;) {
      const auto colon = rest.find(':');
      parts.push_back(rest.substr(0, colon));
      if (colon == std::string_view::npos) break;
      rest = rest.substr(colon + 1);
    }
    if (parts.size() < 2) throw std::invalid_argument(fmt::format("fault '{}': expected TIME:ACTION[:ARG]", item));
    scripted_fault f;
    f.at = parse_duration(parts[0], item);
    const auto action = parts[1];
    using a = scripted_fault::action;
    if (action == "drop") {
      f.what = a::drop;
      if (parts.size() > 2) throw std::invalid_argument(fmt::format("fault '{}': drop takes no argument", item));
    } else if (action == "silent") {
      f.what = a::silent;
      if (parts.size() != 3) throw std::invalid_argument(fmt::format("fault '{}': silent needs a duration", item));
      f.duration = parse_duration(parts[2], item);
    } else if (action == "skip" || action == "checksum" || action == "malformed") {
      f.what = action == "skip" ? a::skip_sequence : action == "checksum" ? a::bad_checksum : a::malformed;
      if (parts.size() > 3) throw std::invalid_argument(fmt::format("fault '{}': too many arguments", item));
      if (parts.size() == 3) f.symbol = std::string(parts[2]);
    } else {
      throw std::invalid_argument(
          fmt::format("fault '{}': unknown action '{}' (drop, silent, skip, checksum, malformed)", item, action));
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace mdfan::sim
