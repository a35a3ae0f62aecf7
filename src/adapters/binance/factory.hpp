#pragma once
// The Binance entries of the exchange registry (registry.hpp).
#include <memory>

#include "adapters/adapter.hpp"
#include "adapters/common/session.hpp"
#include "adapters/options.hpp"
#include "core/metrics.hpp"
#include "net/net.hpp"

namespace spdlog {
class logger;
}

namespace mdfan::adapters {

std::unique_ptr<exchange_adapter> make_binance_adapter(const net::any_io_executor& ex, const adapter_options& opts,
                                                       event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
                                                       metrics_registry& metrics);
std::unique_ptr<message_decoder> make_binance_decoder();

}  // namespace mdfan::adapters
