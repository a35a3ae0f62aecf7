#pragma once
// Binance Spot market-data messages -> normalized events. Pure: no I/O, no clock, no logging.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "adapters/binance/symbols.hpp"
#include "mdfan/event.hpp"

namespace mdfan::adapters {

// A diff-depth message (`depthUpdate`): input for binance_book_sync, not an event by itself.
struct binance_depth_diff {
  std::string symbol;                   // native, "BNBBTC"
  std::string instrument;               // normalized, "BNB-BTC"
  std::int64_t event_time_ns = 0;       // E
  std::uint64_t first_update_id = 0;    // U
  std::uint64_t last_update_id = 0;     // u
  std::vector<price_level> bids, asks;  // as sent; size "0" removes the level
};

// A full book at `last_update_id`: the REST `GET /api/v3/depth` body.
struct binance_depth_snapshot {
  std::string symbol;  // left empty by the parser: the body does not name it
  std::uint64_t last_update_id = 0;
  std::vector<price_level> bids, asks;
};

// Traffic that carries no market data.
struct binance_control {
  enum class kind : std::uint8_t {
    result,           // {"result":null,"id":1}: (UN)SUBSCRIBE / LIST_SUBSCRIPTIONS / property reply
    error,            // {"code":2,"msg":"..."}
    server_shutdown,  // {"e":"serverShutdown"}: the owner should reconnect now
    request,          // {"method":"SUBSCRIBE",...}: a client request (seen in recordings)
  };
  kind what = kind::result;
  std::string id;  // request id as text ("1"); empty when null or absent
  std::int64_t code = 0;
  std::string message;  // error msg, or the request method
  std::int64_t event_time_ns = 0;
};

// One decoded message. `event` covers trade, aggTrade, 24hrTicker, 24hrMiniTicker, bookTicker,
// kline and depth<N> partial books (a book_update snapshot).
using binance_message = std::variant<event, binance_depth_diff, binance_control>;

// Why a message was rejected, and which book it concerned when that could still be told.
struct binance_parse_error {
  std::string reason;
  std::string symbol;  // native symbol, from the payload or the combined stream name; may be empty
  bool depth = false;  // the message was, or claimed to be, a diff-depth message (its book must resync)
};

// Parses raw (`/ws/<stream>`) and combined (`{"stream":..,"data":..}`) messages. One instance per
// thread: it owns a reused simdjson parser. Never throws; malformed input yields an error.
// Fields are read once, in document order, whatever that order is.
class binance_parser {
 public:
  explicit binance_parser(binance_symbols symbols = {});
  ~binance_parser();
  binance_parser(binance_parser&&) noexcept;
  binance_parser& operator=(binance_parser&&) noexcept;

  // `msg` must be followed by at least 64 readable bytes (simdjson padding; ws_client guarantees it).
  // Every event gets header.receive_ts_ns = receive_ns. `out` is filled in place (an event of the
  // same kind already there is reused); on false it may hold part of the message: do not use it.
  bool parse_padded(std::string_view msg, std::int64_t receive_ns, binance_message& out, binance_parse_error& error);
  // Same, for a buffer without padding: copies it first.
  bool parse(std::string_view msg, std::int64_t receive_ns, binance_message& out, binance_parse_error& error);

  // The REST depth snapshot body `{"lastUpdateId":..,"bids":[[p,q]..],"asks":[..]}`.
  bool parse_depth_snapshot(std::string_view body, binance_depth_snapshot& out, std::string& error);

  const binance_symbols& symbols() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// The delta book_update a diff would become once applied (first_sequence = U, sequence = u).
// For display (`mdfan decode`); the live path emits deltas only from a synced binance_book_sync.
book_update to_book_update(const binance_depth_diff& diff, std::int64_t receive_ns);

}  // namespace mdfan::adapters
