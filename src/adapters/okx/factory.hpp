#pragma once
// The OKX entries of the exchange registry (registry.hpp).
#include <memory>

#include "adapters/adapter.hpp"
#include "adapters/common/session.hpp"
#include "adapters/okx/config.hpp"
#include "adapters/options.hpp"
#include "core/metrics.hpp"
#include "net/net.hpp"

namespace spdlog {
class logger;
}

namespace mdfan::adapters {

// The live adapter: ws_adapter over the connections of plan_connections() (/ws/v5/public for tickers,
// trades and books; /ws/v5/business for candles). Throws std::invalid_argument for bad options.
std::unique_ptr<exchange_adapter> make_okx_adapter(const net::any_io_executor& ex, const adapter_options& opts,
                                                   event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
                                                   metrics_registry& metrics);
// The same from a full configuration (timeouts, limits), e.g. okx_config_from(opts) adjusted.
std::unique_ptr<exchange_adapter> make_okx_adapter(const net::any_io_executor& ex, okx_config cfg, event_sink_fn sink,
                                                   std::shared_ptr<spdlog::logger> log, metrics_registry& metrics);
// One session covering every configured channel of both endpoints (replay of a recording of either).
std::unique_ptr<protocol_session> make_okx_session(const adapter_options& opts, metrics_registry& metrics,
                                                   std::shared_ptr<spdlog::logger> log);
// Defined in mdfan_proto_okx.
std::unique_ptr<message_decoder> make_okx_decoder();

}  // namespace mdfan::adapters
