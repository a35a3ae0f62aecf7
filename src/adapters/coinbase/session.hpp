#pragma once
// The protocol logic of one Coinbase Advanced Trade market-data connection: subscriptions, the
// connection-wide sequence_num check, level2 books through book_keeper, and candles (the native
// 5-minute channel, or bars built from market_trades for any other interval).
//
// Book integrity on Coinbase:
// - sequence_num counts every message of the connection, across channels. A gap means messages were
//   lost on this connection, but not which: the number does not say which channel or product the
//   lost message belonged to, and level2 has no per-product sequence. So every level2 book of the
//   connection is resynced (reason "gap") by unsubscribing and resubscribing level2 for those
//   products; the connection stays up, tickers and trades are not touched.
// - Coinbase has no checksum. A crossed book after an update is corruption: that product alone resyncs.
// - A snapshot that does not come within snapshot_wait_ns (exchange clock; e.g. Coinbase refused the
//   subscribe with an error) is asked for again: a book never stays unsynced silently.
// - An l2_data message that cannot be parsed resyncs the product it names when the product could be
//   read before the error; otherwise every level2 book of the connection (reason "malformed").
// The adapter gives each product's level2 channel a connection of its own (plan_coinbase_connections), so
// on those connections "every level2 book of the connection" is that one product.
// Subscribes and unsubscribes go through a paced_sender on the adapter's shared request_window (8
// messages/s per IP): queued ones are sent from on_message and on_ping (the adapter's pace tick).
// Book events carry a per-product sequence made here (snapshot n, then n+1, n+2 for each update
// applied): Coinbase's own sequence_num interleaves products, so it cannot show continuity per book.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/coinbase/config.hpp"
#include "adapters/coinbase/parser.hpp"
#include "adapters/common/book_keeper.hpp"
#include "adapters/common/candle_builder.hpp"
#include "adapters/common/session.hpp"
#include "core/metrics.hpp"

namespace spdlog {
class logger;
}

namespace mdfan::adapters {

class coinbase_session final : public protocol_session {
 public:
  static constexpr std::int64_t snapshot_wait_ns = 10'000'000'000;

  // Counters (label exchange="coinbase"): mdfan_adapter_malformed_total, mdfan_adapter_sequence_gaps_total,
  // plus book_keeper's resyncs by product and reason.
  coinbase_session(coinbase_config cfg, metrics_registry& metrics, std::shared_ptr<spdlog::logger> log);
  ~coinbase_session() override;

  void on_open(session_io& io) override;
  void on_message(std::string_view msg, std::int64_t receive_ns, session_io& io) override;
  void on_close() override;
  // The pace tick (no application ping exists on Coinbase): sends the queued requests that are due.
  void on_ping(session_io& io) override;

  // For tests.
  const book_keeper* book(std::string_view product) const;
  const candle_builder* builder(std::string_view product) const;
  std::uint64_t sequence_gaps() const noexcept { return gaps_count_; }
  std::uint64_t malformed() const noexcept { return malformed_count_; }
  std::uint64_t resubscribes() const noexcept { return resubscribes_; }
  const paced_sender& pacer() const noexcept { return pacer_; }

 private:
  struct product_state {
    product_state(const std::string& id, std::size_t index, book_metrics* bm);
    std::string id;
    book_keeper book;
    std::uint64_t book_seq = 0;             // the sequence of the last book event emitted
    unsigned pending_snapshots = 0;         // level2 subscribes sent whose snapshot has not arrived
    unsigned snapshot_failures = 0;         // consecutive snapshots rejected (bounded retries)
    std::int64_t awaiting_since_ns = 0;     // exchange time of the last level2 subscribe (0: not seen yet)
    std::optional<candle_builder> builder;  // candles built from trades
    std::optional<candle> native_bar;       // the newest bar of the candles channel
  };

  product_state* find(std::string_view product);
  void handle(const coinbase_message& m, std::int64_t receive_ns, session_io& io);
  void on_parse_error(std::string_view msg, session_io& io);
  bool check_sequence(bool has, std::uint64_t seq, session_io& io);  // false: a gap (books resynced)
  void resync_all(resync_reason why, session_io& io);
  void resync_one(product_state& p, resync_reason why, session_io& io);
  // Unsubscribes then subscribes level2 for `products`: Coinbase answers with a fresh snapshot each.
  void resubscribe(const std::vector<std::string>& products, session_io& io);
  void books(const coinbase_message& m, std::int64_t receive_ns, session_io& io);
  void trades(coinbase_message& m, std::int64_t receive_ns, session_io& io);
  void native_candles(const coinbase_message& m, session_io& io);
  void check_snapshot_waits(std::int64_t now_ns, session_io& io);
  // A subscribe or unsubscribe through the pacer; `tag` "l2" marks a level2 subscribe.
  bool request(session_io& io, std::string_view type, std::string_view channel,
               const std::vector<std::string>& products, std::string tag = {});
  void flush_requests(session_io& io);

  coinbase_config cfg_;
  std::shared_ptr<spdlog::logger> log_;
  book_metrics book_metrics_;
  counter& malformed_;
  counter& gaps_;
  counter& delayed_;
  paced_sender pacer_;
  coinbase_parser parser_;
  coinbase_message msg_;
  coinbase_parse_error err_;
  std::vector<product_state> products_;  // never resized after construction: index_ holds views into it
  std::map<std::string_view, std::size_t, std::less<>> index_;
  bool have_seq_ = false;
  std::uint64_t last_seq_ = 0;
  std::uint64_t gaps_count_ = 0, malformed_count_ = 0, resubscribes_ = 0;
  std::int64_t last_exchange_ns_ = 0;  // the latest envelope timestamp of this connection
  session_io* io_ = nullptr;           // during a callback only
  emit_fn emit_;
};

}  // namespace mdfan::adapters
