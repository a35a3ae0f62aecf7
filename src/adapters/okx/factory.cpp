#include "adapters/okx/factory.hpp"

#include "adapters/common/ws_adapter.hpp"
#include "adapters/okx/session.hpp"

namespace mdfan::adapters {

std::unique_ptr<exchange_adapter> make_okx_adapter(const net::any_io_executor& ex, const adapter_options& opts,
                                                   event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
                                                   metrics_registry& metrics) {
  return make_okx_adapter(ex, okx_config_from(opts), std::move(sink), std::move(log), metrics);
}

std::unique_ptr<exchange_adapter> make_okx_adapter(const net::any_io_executor& ex, okx_config cfg, event_sink_fn sink,
                                                   std::shared_ptr<spdlog::logger> log, metrics_registry& metrics) {
  ws_adapter_config wc;
  wc.idle_timeout = cfg.idle_timeout;
  wc.ping_interval = cfg.ping_interval;
  wc.connect_timeout = cfg.connect_timeout;
  wc.backoff = cfg.backoff;
  wc.start_spacing = cfg.connection_spacing;
  wc.tap = cfg.tap;
  wc.read_gate = cfg.read_gate;
  std::vector<connection_spec> specs;
  for (auto& plan : plan_connections(cfg)) {
    okx_session_config sc;
    sc.channels = std::move(plan.channels);
    sc.max_args_bytes = cfg.max_args_bytes;
    sc.snapshot_timeout = cfg.snapshot_timeout;
    sc.max_requests = cfg.max_requests;
    sc.request_window = cfg.request_window;
    connection_spec spec;
    spec.url = std::move(plan.url);
    spec.name = std::move(plan.name);
    spec.session = std::make_unique<okx_session>(std::move(sc), metrics, log);
    specs.push_back(std::move(spec));
  }
  return std::make_unique<ws_adapter>(ex, exchange_id::okx, std::move(wc), std::move(specs), std::move(sink),
                                      std::move(log), metrics);
}

std::unique_ptr<protocol_session> make_okx_session(const adapter_options& opts, metrics_registry& metrics,
                                                   std::shared_ptr<spdlog::logger> log) {
  const okx_config cfg = okx_config_from(opts);
  okx_session_config sc;
  sc.channels = cfg.channels;
  sc.max_args_bytes = cfg.max_args_bytes;
  sc.snapshot_timeout = cfg.snapshot_timeout;
  sc.max_requests = 0;  // replay sends nothing anywhere
  return std::make_unique<okx_session>(std::move(sc), metrics, std::move(log));
}

}  // namespace mdfan::adapters
