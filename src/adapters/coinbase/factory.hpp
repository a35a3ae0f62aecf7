#pragma once
// The Coinbase entries of the exchange registry (registry.hpp).
#include <memory>

#include "adapters/adapter.hpp"
#include "adapters/coinbase/config.hpp"
#include "adapters/coinbase/session.hpp"
#include "adapters/common/session.hpp"
#include "adapters/options.hpp"
#include "core/metrics.hpp"
#include "net/net.hpp"

namespace spdlog {
class logger;
}

namespace mdfan::adapters {

// The live adapter (ws_adapter): a connection per product's level2 channel and one for the other
// channels (plan_coinbase_connections), their subscribes paced by one shared window. Throws
// std::invalid_argument for bad options (see coinbase_config_from).
std::unique_ptr<exchange_adapter> make_coinbase_adapter(const net::any_io_executor& ex, const adapter_options& opts,
                                                        event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
                                                        metrics_registry& metrics);
// Same from a checked configuration (tests tune idle_timeout here).
std::unique_ptr<exchange_adapter> make_coinbase_adapter(const net::any_io_executor& ex, coinbase_config cfg,
                                                        event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
                                                        metrics_registry& metrics);

// One session covering every product of `opts` (replay; sequence_num not checked, as a recording
// interleaves the frames of several connections). Pure: defined in mdfan_proto_coinbase.
std::unique_ptr<protocol_session> make_coinbase_session(const adapter_options& opts, metrics_registry& metrics,
                                                        std::shared_ptr<spdlog::logger> log);
// The parser for tools. Pure: defined in mdfan_proto_coinbase.
std::unique_ptr<message_decoder> make_coinbase_decoder();

}  // namespace mdfan::adapters
