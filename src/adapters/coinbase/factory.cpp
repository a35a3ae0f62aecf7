#include "adapters/coinbase/factory.hpp"

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
  ws_adapter_config wc;
  wc.idle_timeout = cfg.idle_timeout;
  wc.ping_interval = std::chrono::milliseconds(0);  // no application ping: the heartbeats channel keeps it alive
  wc.tap = cfg.tap;
  std::vector<connection_spec> conns;
  // Every product on one connection: Coinbase caps neither products per message nor per connection,
  // and limits unauthenticated messages to 8/s per IP, which several connections opening at once
  // (5 subscribe messages each) would exceed.
  connection_spec spec;
  spec.url = cfg.ws_url;
  spec.name = "coinbase#0";
  spec.session = std::make_unique<coinbase_session>(cfg, metrics, log);
  conns.push_back(std::move(spec));
  return std::make_unique<ws_adapter>(ex, exchange_id::coinbase, std::move(wc), std::move(conns), std::move(sink),
                                      std::move(log), metrics);
}

}  // namespace mdfan::adapters
