#pragma once
// Kraken WebSocket v2 public market-data messages -> normalized events, book messages and control
// traffic. Pure: no I/O, no clock, no logging.
//
// Kraken v2 sends prices and quantities as JSON numbers. They are taken as their literal text
// (exponent forms rewritten exactly as plain decimals), never through a double.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/kraken/checksum.hpp"
#include "mdfan/event.hpp"

namespace mdfan::adapters {

// One symbol's entry of a `book` message: input for the session's book keeper, not an event.
struct kraken_book_data {
  std::string symbol;                   // native, "MATIC/USD"
  std::string instrument;               // normalized, "MATIC-USD"
  std::vector<price_level> bids, asks;  // as sent, in message order; qty 0 removes a level
  std::uint32_t checksum = 0;
  std::int64_t exchange_ts_ns = 0;  // "timestamp"; 0 when absent
};

// A pair of the `instrument` channel: what the book checksum needs.
struct kraken_pair_info {
  std::string symbol;  // native
  kraken_precision precision;
};

// Traffic that carries no market data.
struct kraken_control {
  enum class kind : std::uint8_t {
    subscribe,    // subscribe ack (one per symbol), success or not
    unsubscribe,  // unsubscribe ack
    pong,         // reply to {"method":"ping"}
    heartbeat,    // {"channel":"heartbeat"}
    status,       // {"channel":"status"}: engine status, sent on connect
    error,        // {"error":..} / {"Error":"Exceeded msg rate"} outside an ack
    request,      // a client request ({"method":"subscribe","params":..}), seen in recordings
    other,        // a channel mdfan does not use
  };
  kind what = kind::other;
  bool success = true;
  std::string channel;  // ack: result.channel
  std::string symbol;   // ack: result.symbol (native); empty when none
  std::string error;    // ack error text, or the error message
  std::string system;   // status: online, maintenance, cancel_only, post_only
};

// One decoded message; reused between parses (clear() keeps the vectors' capacity).
struct kraken_message {
  enum class kind : std::uint8_t { none, events, book, instrument, control };
  kind what = kind::none;
  bool snapshot = false;                // book / ohlc / trade / ticker: "type":"snapshot"
  std::vector<event> events;            // ticker, trade, candle
  std::vector<kraken_book_data> books;  // one per data entry; only the first `book_count` are valid
  std::size_t book_count = 0;
  std::vector<kraken_pair_info> pairs;  // instrument snapshot / update
  kraken_control control;

  void clear();
};

// Why a message was rejected, and which book it concerned when that could still be told.
struct kraken_parse_error {
  std::string reason;
  std::string symbol;  // native; may be empty
  bool book = false;   // the message was, or claimed to be, on the book channel (its book must resync)
};

// One instance per connection: it owns a reused simdjson parser. Never throws.
class kraken_parser {
 public:
  kraken_parser();
  ~kraken_parser();
  kraken_parser(kraken_parser&&) noexcept;
  kraken_parser& operator=(kraken_parser&&) noexcept;

  // `msg` must be followed by at least 64 readable bytes. Every event gets receive_ts_ns = receive_ns.
  bool parse_padded(std::string_view msg, std::int64_t receive_ns, kraken_message& out, kraken_parse_error& error);
  // Same, for a buffer without padding: copies it first.
  bool parse(std::string_view msg, std::int64_t receive_ns, kraken_message& out, kraken_parse_error& error);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// A JSON number's literal text -> decimal, exactly: "0.5666" stays "0.5666", "1.5e-05" becomes
// "0.000015", "2E+3" becomes "2000". False when it is not a JSON number or does not fit a decimal.
bool kraken_number_text(std::string_view raw, decimal& out) noexcept;

// RFC 3339 UTC time ("2023-10-06T17:35:55.440295Z", up to 9 fractional digits, 'Z' or +00:00) -> ns.
bool kraken_parse_time(std::string_view text, std::int64_t& ns) noexcept;

// "1m", "5m", ... for Kraken's native ohlc intervals in minutes; empty for any other.
std::string_view kraken_interval_name(std::uint64_t minutes) noexcept;
// "1m" -> 1, "4h" -> 240, "1d" -> 1440, "1w" -> 10080, "15d" -> 21600; 0 when Kraken has no such interval.
std::uint64_t kraken_interval_minutes(std::string_view name) noexcept;

}  // namespace mdfan::adapters
