#include "adapters/bybit/factory.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "adapters/common/ws_adapter.hpp"

namespace mdfan::adapters {

std::unique_ptr<exchange_adapter> make_bybit_adapter(
    const net::any_io_executor& ex, const bybit_config& cfg, event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
    metrics_registry& metrics,
    std::function<void(std::string_view connection, std::string_view msg, std::int64_t receive_ns)> tap,
    std::function<bool()> read_gate) {
  if (!log) log = spdlog::default_logger();
  ws_adapter_config wc;
  wc.idle_timeout = cfg.idle_timeout;
  wc.ping_interval = cfg.ping_interval;
  wc.tap = std::move(tap);
  wc.read_gate = std::move(read_gate);
  std::vector<connection_spec> conns;
  const auto plan = bybit_plan_connections(cfg);
  for (std::size_t i = 0; i < plan.size(); ++i) {
    connection_spec spec;
    spec.url = cfg.ws_url;
    spec.name = fmt::format("bybit-{}#{}", to_string(cfg.market), i);
    spec.session = std::make_unique<bybit_session>(cfg, plan[i], metrics, log, spec.name);
    conns.push_back(std::move(spec));
  }
  return std::make_unique<ws_adapter>(ex, exchange_id::bybit, std::move(wc), std::move(conns), std::move(sink),
                                      std::move(log), metrics);
}

std::unique_ptr<exchange_adapter> make_bybit_adapter(const net::any_io_executor& ex, const adapter_options& opts,
                                                     event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
                                                     metrics_registry& metrics) {
  return make_bybit_adapter(ex, make_bybit_config(opts), std::move(sink), std::move(log), metrics, opts.tap, opts.read_gate);
}

}  // namespace mdfan::adapters
