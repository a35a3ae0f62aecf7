#pragma once
// Binance Spot market-data messages from the simulated market: the stream catalog, each stream's
// payload with Binance's field names and types, the diff-depth windows (U/u) and the REST depth
// snapshot. No I/O: the server paces it and fans its messages out.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "adapters/sim/market.hpp"

namespace mdfan::sim {

// Binance Spot streams served per symbol, in stream-index order.
enum class stream_kind : std::uint8_t { trade, agg_trade, ticker, book_ticker, depth, depth_100ms, kline_1m };
inline constexpr std::uint32_t stream_kinds = 7;

// Every stream the simulator can serve, by index (symbol * stream_kinds + kind) and by name.
class stream_catalog {
 public:
  explicit stream_catalog(const std::vector<symbol_state>& symbols);
  std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(names_.size()); }
  const std::string& name(std::uint32_t stream) const { return names_[stream]; }
  // "btcusdt@trade" -> index; nullopt for anything else (Binance stream names are lower case).
  std::optional<std::uint32_t> find(std::string_view name) const;

  static std::uint32_t id(std::size_t symbol, stream_kind kind) noexcept {
    return static_cast<std::uint32_t>(symbol * stream_kinds + static_cast<std::uint32_t>(kind));
  }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string_view, std::uint32_t> index_;  // views into names_
};

// One generated message, formatted once and shared by every connection subscribed to its stream.
struct sim_message {
  std::uint32_t stream = 0;  // the venue's topic id
  std::shared_ptr<const std::string> text;
  // Binance: text is the combined form {"stream":"<name>","data":<payload>} and the raw payload is
  // text[payload_offset, size - 1). Other venues: 0, and the payload is the whole text.
  std::uint32_t payload_offset = 0;

  std::string_view combined() const noexcept { return *text; }
  std::string_view payload() const noexcept {
    if (payload_offset == 0) return *text;
    return std::string_view(*text).substr(payload_offset, text->size() - payload_offset - 1);
  }
};

// Where generated messages go.
class message_sink {
 public:
  // False: nobody listens to `stream`; its messages are counted (the clock advances) but not formatted.
  virtual bool wanted(std::uint32_t stream) const = 0;
  virtual void push(sim_message&& msg) = 0;

 protected:
  ~message_sink() = default;
};

// The Binance formatter and its simulated clock: message i is stamped start + i / rate, so the
// messages depend on (symbols, seed, rate, start) only, never on wall-clock timing or subscribers.
class binance_feed {
 public:
  binance_feed(const std::vector<std::string>& symbols, std::uint64_t seed, double rate, std::int64_t start_ms);

  // Generates at least `n` more messages (a step may emit a few at once).
  void generate(std::uint64_t n, message_sink& sink);

  std::uint64_t generated() const noexcept { return count_; }
  std::int64_t now_ms() const noexcept;
  double rate() const noexcept { return rate_; }

  const stream_catalog& catalog() const noexcept { return catalog_; }
  const market& mkt() const noexcept { return market_; }

  // Body of GET /api/v3/depth for a symbol: the book after every change already generated, with
  // lastUpdateId = the last update id sent (or pending) in the diff streams. Best levels first.
  std::string depth_snapshot(std::size_t symbol, std::size_t limit) const;

  static constexpr std::int64_t depth_period_ms = 1000;
  static constexpr std::int64_t depth_fast_period_ms = 100;
  static constexpr std::int64_t ticker_period_ms = 1000;
  static constexpr std::int64_t kline_period_ms = 2000;

 private:
  // The levels changed over one depth window; emitted as one depthUpdate with U = first, u = last.
  struct depth_window {
    std::uint64_t first = 0, last = 0;
    std::map<std::int64_t, std::int64_t, std::greater<>> bids;
    std::map<std::int64_t, std::int64_t> asks;
    void add(const market_step& step);
  };
  struct kline {
    std::int64_t open_ms = 0;
    std::int64_t o = 0, h = 0, l = 0, c = 0, volume = 0, quote = 0, taker_base = 0, taker_quote = 0;
    std::int64_t first_id = -1, last_id = -1;
    std::uint64_t trades = 0;
    void reset(std::int64_t open_time, std::int64_t price);
  };
  struct symbol_feed {
    depth_window slow, fast;
    kline k;
    std::uint64_t next_agg_id = 1;
    std::int64_t next_slow = 0, next_fast = 0, next_ticker = 0, next_kline = 0;
  };

  template <class Fill>
  void emit(std::uint32_t stream, message_sink& sink, Fill&& fill);
  void run_periodic(std::int64_t now, message_sink& sink);
  void on_step(const market_step& step, std::int64_t now, message_sink& sink);
  void emit_depth(std::size_t symbol, depth_window& w, stream_kind kind, std::int64_t now, message_sink& sink);
  void emit_kline(std::size_t symbol, bool closed, std::int64_t now, message_sink& sink);
  void emit_ticker(std::size_t symbol, std::int64_t now, message_sink& sink);

  market market_;
  stream_catalog catalog_;
  std::vector<symbol_feed> feeds_;
  double rate_;
  std::int64_t start_ms_;
  std::uint64_t count_ = 0;
  std::int64_t next_periodic_ = 0;  // earliest due time over all periodic streams
};

}  // namespace mdfan::sim
