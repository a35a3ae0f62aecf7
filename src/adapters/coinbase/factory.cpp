#include "adapters/coinbase/factory.hpp"

#include <algorithm>

#include "adapters/common/ws_adapter.hpp"

namespace mdfan::adapters {

std::unique_ptr<exchange_adapter> make_coinbase_adapter(const net::any_io_executor& ex, const adapter_options& opts,
                                                        event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
                                                        metrics_registry& metrics) {
  return make_coinbase_adapter(ex, coinbase_config_from(opts), std::move(sink), std::move(log), metrics);
}

std::unique_ptr<exchange_adapter> make_coinbase_adapter(const net::any_io_executor& ex, coinbase_config cfg,
                                                        event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
                                                        metrics_registry& metrics) {
  auto plans = plan_coinbase_connections(cfg);
  // One budget for every connection's subscribes (Coinbase counts messages per IP, not per connection).
  auto window = cfg.subscribe_rate > 0 ? std::make_shared<request_window>(cfg.subscribe_rate, cfg.subscribe_rate_window)
                                       : nullptr;
  // Each connection sends 2 messages or more on open; opening them one such slice of the budget apart
  // keeps the 8 connections/s and the subscribe rate, so every connection subscribes within Coinbase's 5 s.
  const auto slice = cfg.subscribe_rate > 0 ? std::chrono::milliseconds(2 * cfg.subscribe_rate_window.count() /
                                                                        static_cast<std::int64_t>(cfg.subscribe_rate))
                                            : std::chrono::milliseconds(0);
  ws_adapter_config wc;
  wc.idle_timeout = cfg.idle_timeout;
  // No application ping exists (heartbeats keep the connection alive): the ping timer is the pace tick
  // that sends queued subscribes.
  wc.ping_interval = window ? cfg.pace_tick : std::chrono::milliseconds(0);
  wc.start_spacing = slice;
  // After a drop every connection reconnects: the first delay's ceiling grows with the connections
  // (the jitter draws from [ceiling/2, ceiling]), up to 10 s, so that they do not all open at once.
  wc.backoff.initial = std::clamp(std::chrono::milliseconds(slice * static_cast<int>(plans.size())), wc.backoff.initial,
                                  std::max(wc.backoff.initial, std::chrono::milliseconds(10000)));
  wc.backoff.max = std::max(wc.backoff.max, wc.backoff.initial);
  wc.tap = cfg.tap;
  wc.read_gate = cfg.read_gate;
  std::vector<connection_spec> conns;
  for (auto& plan : plans) {
    plan.cfg.subscribe_window = window;
    connection_spec spec;
    spec.url = cfg.ws_url;
    spec.name = plan.name;
    spec.session = std::make_unique<coinbase_session>(std::move(plan.cfg), metrics, log);
    conns.push_back(std::move(spec));
  }
  return std::make_unique<ws_adapter>(ex, exchange_id::coinbase, std::move(wc), std::move(conns), std::move(sink),
                                      std::move(log), metrics);
}

}  // namespace mdfan::adapters
