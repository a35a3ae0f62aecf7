#include "adapters/binance/factory.hpp"

#include "adapters/binance/adapter.hpp"
#include "adapters/binance/config.hpp"

namespace mdfan::adapters {

std::unique_ptr<exchange_adapter> make_binance_adapter(const net::any_io_executor& ex, const adapter_options& opts,
                                                       event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
                                                       metrics_registry& metrics) {
  binance_config bc;
  if (!opts.ws_url.empty()) bc.ws_url = opts.ws_url;
  if (!opts.rest_url.empty()) bc.rest_url = opts.rest_url;
  bc.symbols = opts.symbols;
  bc.channels = binance_channels_for(opts.types, opts.candle_interval);
  bc.tap = opts.tap;
  bc.read_gate = opts.read_gate;
  bc.snapshot_depth = opts.snapshot_depth;
  return std::make_unique<binance_adapter>(ex, std::move(bc), sink, std::move(log), metrics);
}

}  // namespace mdfan::adapters
