#pragma once
// The request side of a Binance Spot stream connection, without I/O: which streams a connection URL
// asks for, and the replies to SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY and
// GET_PROPERTY, shaped like Binance's (`{"result":null,"id":1}`, `{"code":2,"msg":"Invalid request: ..."}`).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/sim/binance_feed.hpp"

namespace mdfan::sim {

// The subscriptions of one connection.
struct subscription_set {
  bool combined = false;                // frames wrapped as {"stream":..,"data":..}
  std::vector<std::uint32_t> streams;   // in subscription order (LIST_SUBSCRIPTIONS order)
  bool has(std::uint32_t stream) const noexcept;
};

// /ws, /ws/<s>[/<s>...] (raw) or /stream?streams=<s>[/<s>...] (combined). On false, `error` says why
// (unknown path or stream); the server answers the upgrade with HTTP 400/404.
bool parse_stream_target(std::string_view target, const stream_catalog& catalog, std::size_t max_streams,
                         subscription_set& out, std::string& error);

// One control request applied to `subs`.
struct request_result {
  std::string reply;                   // the JSON text frame to send back
  std::vector<std::uint32_t> added;    // streams newly subscribed
  std::vector<std::uint32_t> removed;  // streams unsubscribed
};
request_result handle_request(std::string_view text, const stream_catalog& catalog, std::size_t max_streams,
                              subscription_set& subs);

}  // namespace mdfan::sim
