#pragma once
// Every exchange mdfan speaks, behind one set of factories: the live adapter, the parser for tools
// (decode, replay, fuzz, bench), the protocol sessions replay drives, and the simulator venue.
#include <memory>
#include <string>
#include <vector>

#include "adapters/adapter.hpp"
#include "adapters/common/session.hpp"
#include "adapters/options.hpp"
#include "core/metrics.hpp"
#include "net/net.hpp"

namespace spdlog {
class logger;
}

namespace mdfan::adapters {

// Exchanges built into this binary, in exchange_id order.
std::vector<exchange_id> supported_exchanges();
std::string supported_exchanges_text();  // "binance, coinbase, ..."

// The live adapter. Throws std::invalid_argument for a bad configuration (message names the setting).
std::unique_ptr<exchange_adapter> make_adapter(const net::any_io_executor& ex, const adapter_options& opts,
                                               event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
                                               metrics_registry& metrics);

// A stateless parser for tools; null when the exchange is not built in.
std::unique_ptr<message_decoder> make_decoder(exchange_id exchange);

// The protocol session(s) of a live adapter, for replay: one session that accepts every message of
// a recording of this exchange (books synced by the same rules as live). Null where the exchange's
// books need more than the WebSocket (Binance diff depth needs REST snapshots: replay decodes only).
std::unique_ptr<protocol_session> make_replay_session(const adapter_options& opts, metrics_registry& metrics,
                                                      std::shared_ptr<spdlog::logger> log);

}  // namespace mdfan::adapters
