#pragma once
// The Kraken WebSocket v2 adapter: sessions (session.hpp) over ws_adapter connections.
#include <memory>

#include "adapters/adapter.hpp"
#include "adapters/common/session.hpp"
#include "adapters/kraken/session.hpp"
#include "adapters/options.hpp"
#include "core/metrics.hpp"
#include "net/net.hpp"

namespace spdlog {
class logger;
}

namespace mdfan::adapters {

// Production endpoint; adapter_options::ws_url replaces the scheme://host[:port] part only.
inline constexpr const char* kraken_default_ws_base = "wss://ws.kraken.com";
inline constexpr const char* kraken_ws_path = "/v2";

// Kraken sends a heartbeat every second while subscribed: 10 s of silence is a stale feed.
inline constexpr std::chrono::milliseconds kraken_idle_timeout{10000};
// The server drops a connection after about a minute without a client message: ping at half that.
inline constexpr std::chrono::milliseconds kraken_ping_interval{30000};

// Throws std::invalid_argument for a bad configuration (the message names the setting).
std::unique_ptr<exchange_adapter> make_kraken_adapter(const net::any_io_executor& ex, const adapter_options& opts,
                                                      event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
                                                      metrics_registry& metrics);

// The adapter with explicit runner settings (tests shorten the idle timeout and ping interval).
std::unique_ptr<exchange_adapter> make_kraken_adapter(const net::any_io_executor& ex, const adapter_options& opts,
                                                      event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
                                                      metrics_registry& metrics, std::chrono::milliseconds idle_timeout,
                                                      std::chrono::milliseconds ping_interval);

// "ws://127.0.0.1:9000" -> "ws://127.0.0.1:9000/v2"; "" -> "wss://ws.kraken.com/v2".
std::string kraken_ws_url(const adapter_options& opts);

}  // namespace mdfan::adapters
