#pragma once
// The Bybit entries of the exchange registry (registry.hpp): the live adapter, the replay session
// and the decoder (the last two are pure and live in session.hpp).
#include <memory>

#include "adapters/adapter.hpp"
#include "adapters/bybit/config.hpp"
#include "adapters/bybit/session.hpp"
#include "adapters/options.hpp"
#include "core/metrics.hpp"
#include "net/net.hpp"

namespace spdlog {
class logger;
}

namespace mdfan::adapters {

// A ws_adapter with one bybit_session per planned connection (bybit_plan_connections). Throws
// std::invalid_argument for bad options (the message names the setting).
std::unique_ptr<exchange_adapter> make_bybit_adapter(const net::any_io_executor& ex, const adapter_options& opts,
                                                     event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
                                                     metrics_registry& metrics);

// The same from a ready configuration (tests tune its timers: idle_timeout, ping_interval).
// `tap` and `read_gate` as adapter_options::tap and ::read_gate.
std::unique_ptr<exchange_adapter> make_bybit_adapter(
    const net::any_io_executor& ex, const bybit_config& cfg, event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
    metrics_registry& metrics,
    std::function<void(std::string_view connection, std::string_view msg, std::int64_t receive_ns)> tap = {},
    std::function<bool()> read_gate = {});

}  // namespace mdfan::adapters
