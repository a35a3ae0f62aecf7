// run_instance: builds one mdfan instance for its role and runs it until SIGINT or SIGTERM.
//
//   host:     adapters -> manager -> bridge (publish)        + server (its own events)
//   executor:              manager <- bridge (subscribe)      + server
//   hybrid:   adapters -> manager <-> bridge (both ways)      + server
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "adapters/registry.hpp"
#include "adapters/replay.hpp"
#include "app/commands.hpp"
#include "bridge/event_bridge.hpp"
#include "core/clock.hpp"
#include "manager/manager.hpp"
#include "server/server.hpp"

namespace mdfan::app {
namespace {

// Replay at full speed produces faster than Redis takes events; past the bridge's bound they would be
// dropped. Its thread may block, so it waits (100 us steps, at most ~200 ms per batch) while half the
// bound is queued (manager inbox + bridge pending) and the publisher is up. With Redis down it does not
// wait: the bound keeps the newest events and counts the drops, as for a live feed.
void hold_back_replay(manager& mgr, const event_bridge* bridge, std::size_t limit) {
  for (int i = 0; i < 2000; ++i) {
    std::size_t queued = mgr.inbox_depth();
    if (bridge) {
      const auto h = bridge->health();
      if (!h.publisher_connected) return;
      queued += h.pending;
    }
    if (queued < limit) return;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

std::unique_ptr<adapters::exchange_adapter> make_adapter(const app_config& cfg, net::any_io_executor ex,
                                                         manager& mgr, const event_bridge* bridge,
                                                         std::shared_ptr<spdlog::logger> log,
                                                         metrics_registry& metrics) {
  adapters::adapter_options opts;
  opts.exchange = cfg.exchange.name;
  opts.symbols = cfg.exchange.symbols;
  opts.types = cfg.exchange.channels;
  opts.ws_url = cfg.exchange.ws_url;
  opts.rest_url = cfg.exchange.rest_url;
  opts.candle_interval = cfg.exchange.candle_interval;
  opts.market = cfg.exchange.market;
  opts.snapshot_depth = cfg.book.snapshot_depth;
  if (const std::size_t limit = cfg.exchange.max_backlog; limit > 0) {
    // Reading resumes below half the bound, so a paused connection takes a whole burst at once.
    opts.read_gate = [&mgr, limit, paused = false]() mutable {
      const std::size_t backlog = mgr.inbox_depth();
      paused = paused ? backlog > limit / 2 : backlog >= limit;
      return !paused;
    };
  }
  auto sink = [&mgr](event&& ev) { mgr.ingest_local(std::move(ev)); };
  try {
    if (!cfg.exchange.replay_file.empty()) {
      adapters::replay_config rc;
      rc.file = cfg.exchange.replay_file;
      rc.speed = cfg.exchange.replay_speed;
      rc.progress = true;
      const bool full_speed = !(rc.speed > 0);
      const std::size_t limit = std::max<std::size_t>(1, cfg.bridge.max_pending / 2);
      rc.batch_sink = [&mgr, bridge, full_speed, limit](std::vector<event>& evs) {
        mgr.ingest_local(evs);
        if (full_speed) hold_back_replay(mgr, bridge, limit);
      };
      rc.opts = std::move(opts);
      return std::make_unique<adapters::replay_adapter>(std::move(rc), std::move(sink), std::move(log), metrics);
    }
    if (opts.symbols.empty()) opts.symbols = default_symbols(opts.exchange);
    return adapters::make_adapter(ex, opts, std::move(sink), std::move(log), metrics);
  } catch (const std::invalid_argument& e) {
    throw config_error(fmt::format("exchange: {}", e.what()));
  }
}

redis::redis_config redis_config_of(const redis_settings& r) {
  redis::redis_config rc;
  rc.host = r.host;
  rc.port = r.port;
  rc.username = r.username;
  rc.password = r.password;
  rc.db = static_cast<int>(r.db);
  return rc;
}

health_report make_health(const app_config& cfg, const event_bridge* bridge, std::int64_t started_ns) {
  health_report rep;
  std::string body = fmt::format(R"({{"role":"{}","uptime_s":{})", to_string(cfg.role),
                                 (mono_ns() - started_ns) / 1'000'000'000);
  bool healthy = true;
  if (bridge) {
    const auto h = bridge->health();
    const bool need_pub = cfg.role != instance_role::executor;
    const bool need_sub = cfg.role != instance_role::host;
    if (need_pub && !h.publisher_connected) healthy = false;
    if (need_sub && !h.subscriber_connected) healthy = false;
    auto state = [](bool needed, bool up) { return !needed ? "unused" : up ? "connected" : "disconnected"; };
    body += fmt::format(
        R"(,"redis":{{"publisher":"{}","subscriber":"{}"}},"bridge":{{"instance_id":"{}","published":{},"received":{},"self_filtered":{},"gaps":{},"dropped":{},"reconnects":{},"decode_errors":{},"pending":{},"lag_ns":{}}})",
        state(need_pub, h.publisher_connected), state(need_sub, h.subscriber_connected), bridge->instance_id(),
        h.published, h.received, h.self_filtered, h.gaps, h.dropped, h.reconnects, h.decode_errors, h.pending,
        h.last_lag_ns);
  }
  body += fmt::format(R"(,"healthy":{}}})", healthy ? "true" : "false");
  rep.healthy = healthy;
  rep.body = std::move(body);
  return rep;
}

}  // namespace

int run_instance(const app_config& cfg) {
  auto log = spdlog::stdout_color_mt("mdfan");
  log->set_level(cfg.log_level);
  spdlog::set_default_logger(log);
  const std::int64_t started_ns = mono_ns();

  const unsigned threads = std::max(1u, cfg.threads);
  net::io_context io(static_cast<int>(threads));
  auto work = net::make_work_guard(io);
  metrics_registry metrics;
  metrics.get_gauge("mdfan_info", "Constant 1, labelled with the instance role",
                    fmt::format(R"(role="{}")", to_string(cfg.role)))
      .set(1);

  manager mgr(io.get_executor(), manager_config{cfg.book.snapshot_depth}, log, metrics);

  const bool produces = cfg.role != instance_role::executor;
  const bool consumes = cfg.role != instance_role::host;

  bridge_config bcfg;
  bcfg.redis = redis_config_of(cfg.redis);
  bcfg.prefix = cfg.redis.key_prefix;
  bcfg.publish = produces;
  bcfg.subscribe = consumes;
  bcfg.max_pending = cfg.bridge.max_pending;
  bcfg.max_remote_backlog = cfg.bridge.max_backlog;
  event_bridge bridge(io.get_executor(), bcfg, log, metrics,
                      [&mgr](event&& ev, std::string json) { mgr.ingest_remote(std::move(ev), std::move(json)); });
  if (consumes) bridge.set_remote_backlog([&mgr] { return mgr.inbox_depth(); });
  if (produces) mgr.set_bridge_batch([&bridge](std::span<const event_ptr> evs) { bridge.publish(evs); });
  if (consumes) {
    mgr.set_interest_listener([&bridge](const topic_pattern& p, bool added) {
      if (added) {
        bridge.add_interest(p);
      } else {
        bridge.remove_interest(p);
      }
    });
  }

  server_config scfg;
  scfg.host = cfg.server.listen.host;
  scfg.port = cfg.server.listen.port;
  scfg.max_frame_bytes = cfg.server.max_frame_bytes;
  scfg.max_subscriptions = cfg.server.max_subscriptions;
  scfg.max_messages_per_second = cfg.server.max_client_rate;
  scfg.queue_max_messages = cfg.server.session_queue_messages;
  scfg.queue_max_bytes = cfg.server.session_queue_bytes;
  scfg.slow_consumer = cfg.server.slow_consumer;
  scfg.max_clients = cfg.server.max_clients;
  server srv(io.get_executor(), scfg, mgr, metrics, log,
             [&cfg, &bridge, started_ns] { return make_health(cfg, &bridge, started_ns); });

  std::unique_ptr<adapters::exchange_adapter> adapter;
  try {
    if (produces) adapter = make_adapter(cfg, io.get_executor(), mgr, &bridge, log, metrics);
    srv.start();
  } catch (const config_error&) {
    throw;
  } catch (const std::exception& e) {
    log->critical("cannot start: {}", e.what());
    return 1;
  }
  bridge.start();
  if (adapter) adapter->start();

  const auto port = srv.local_port();
  const auto& host = cfg.server.listen.host;
  const std::string hostport = host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                                                   : fmt::format("{}:{}", host, port);
  std::printf("mdfan %s (instance %s) listening: ws://%s/ws http://%s/health http://%s/metrics\n",
              std::string(to_string(cfg.role)).c_str(), bridge.instance_id().c_str(), hostport.c_str(),
              hostport.c_str(), hostport.c_str());
  std::fflush(stdout);

  // Graceful shutdown: stop the exchange feeds, stop accepting and close clients, flush Redis, exit 0.
  // A second signal, or a shutdown that hangs past its deadline, ends the process at once.
  std::atomic<bool> stopping{false};
  net::signal_set signals(io, SIGINT, SIGTERM);
  net::steady_timer deadline(io);
  std::function<void(const error_code&, int)> on_signal = [&](const error_code& ec, int sig) {
    if (ec) return;
    if (stopping.exchange(true)) {
      log->warn("second signal {}: exiting now", sig);
      std::fflush(nullptr);
      std::_Exit(1);
    }
    log->info("signal {}: shutting down", sig);
    signals.async_wait(on_signal);
    deadline.expires_after(std::chrono::seconds(10));
    deadline.async_wait([&](const error_code& e) {
      if (!e) {
        log->error("shutdown did not finish in 10 s; exiting");
        std::fflush(nullptr);
        std::_Exit(1);
      }
    });
    auto finish = [&] {
      srv.stop([&] {
        bridge.stop([&] {
          deadline.cancel();
          signals.cancel();
          work.reset();
          io.stop();
        });
      });
    };
    if (adapter) {
      adapter->stop([&, finish] { net::post(io, finish); });
    } else {
      finish();
    }
  };
  signals.async_wait(on_signal);

  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  log->info("stopped");
  log->flush();
  return 0;
}

}  // namespace mdfan::app
