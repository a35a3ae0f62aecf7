#include "adapters/binance/adapter.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <stdexcept>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "adapters/binance/book_sync.hpp"
#include "adapters/common/book_keeper.hpp"
#include "adapters/binance/parser.hpp"
#include "adapters/common/wire_shape.hpp"
#include "core/backoff.hpp"
#include "core/clock.hpp"
#include "feed/ws_client.hpp"

namespace mdfan::adapters {
namespace {

constexpr std::string_view label = R"(exchange="binance")";
constexpr std::size_t log_excerpt = 200;

// The adapter's counters, registered once and shared by its connections.
struct adapter_metrics {
  counter& messages;
  counter& malformed;
  counter& fast_path;
  counter& gaps;
  counter& stale;
  counter& overflows;
  counter& snapshot_failures;
  gauge& books_synced;

  explicit adapter_metrics(metrics_registry& m)
      : messages(m.get_counter("mdfan_adapter_messages_total", "Exchange messages handled by the adapter", label)),
        malformed(m.get_counter("mdfan_adapter_malformed_total", "Exchange messages that failed to parse", label)),
        fast_path(m.get_counter(fast_path_metric, fast_path_metric_help, label)),
        gaps(m.get_counter("mdfan_adapter_book_gaps_total", "Depth diffs that did not continue the book", label)),
        stale(m.get_counter("mdfan_adapter_stale_diffs_total", "Depth diffs already covered by the book, dropped",
                            label)),
        overflows(m.get_counter("mdfan_adapter_buffer_overflows_total",
                                "Depth diff buffers that overflowed while waiting for a snapshot", label)),
        snapshot_failures(m.get_counter("mdfan_adapter_snapshot_failures_total",
                                        "REST book snapshot requests that failed (retried with backoff)", label)),
        books_synced(m.get_gauge("mdfan_adapter_books_synced", "Order books currently synced", label)) {}
};

// A short single-line excerpt of a message for logs.
std::string excerpt(std::string_view msg) {
  std::string out;
  const std::size_t n = std::min(msg.size(), log_excerpt);
  out.reserve(n + 3);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(msg[i]);
    out += c < 0x20 || c == 0x7f ? ' ' : static_cast<char>(c);
  }
  if (msg.size() > n) out += "...";
  return out;
}

template <class... Ts>
struct overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

}  // namespace

// Spreads REST snapshot requests so their weight stays within a per-minute budget (token bucket
// that may go into debt: each request learns how long to wait). Shared by all connections.
class binance_rest_limiter {
 public:
  explicit binance_rest_limiter(unsigned weight_per_minute)
      : capacity_(weight_per_minute), tokens_(weight_per_minute), per_ms_(weight_per_minute / 60000.0) {}

  std::chrono::milliseconds reserve(unsigned weight) {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double, std::milli>(now - last_).count();
    last_ = now;
    tokens_ = std::min(capacity_, tokens_ + elapsed * per_ms_);
    tokens_ -= weight;
    if (tokens_ >= 0) return std::chrono::milliseconds{0};
    return std::chrono::milliseconds{static_cast<std::int64_t>(-tokens_ / per_ms_) + 1};
  }

 private:
  std::mutex mu_;
  double capacity_, tokens_, per_ms_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// One combined-stream WebSocket connection and the books of the symbols it carries.
// Everything runs on strand_: the ws_client and http_get are given strand_ as their executor, so
// their handlers (which run on strands built over it) are serialized with ours.
class binance_connection : public std::enable_shared_from_this<binance_connection> {
 public:
  binance_connection(const net::any_io_executor& ex, std::string name, binance_connection_plan plan,
                     std::shared_ptr<const binance_config> cfg, const binance_symbols& symbols, event_sink_fn sink,
                     std::shared_ptr<spdlog::logger> log, metrics_registry& metrics, std::shared_ptr<adapter_metrics> m,
                     std::shared_ptr<binance_rest_limiter> limiter)
      : strand_(net::make_strand(ex)),
        name_(std::move(name)),
        plan_(std::move(plan)),
        cfg_holder_(std::move(cfg)),
        cfg_(*cfg_holder_),
        sink_(std::move(sink)),
        log_(std::move(log)),
        metrics_(metrics),
        m_(std::move(m)),
        limiter_(std::move(limiter)),
        book_metrics_(std::make_shared<book_metrics>(metrics, exchange_id::binance)),
        parser_(symbols) {
    const bool diff_depth =
        std::any_of(cfg_.channels.begin(), cfg_.channels.end(), [](const auto& c) { return is_diff_depth_channel(c); });
    if (!diff_depth) return;
    binance_book_sync_config sync_cfg{cfg_.snapshot_depth, cfg_.max_buffered_diffs};
    for (const auto& sym : plan_.symbols) {
      auto b = std::make_unique<book>(sym, symbols.normalize(sym), sync_cfg, sink_, strand_, cfg_.rest_backoff);
      b->url = depth_snapshot_url(cfg_, sym);
      books_.emplace(sym, std::move(b));
    }
  }

  ~binance_connection() {
    if (ws_) ws_->stop();
  }

  void start() {
    feed::ws_client_config wc;
    wc.url = plan_.url;
    wc.name = name_;
    wc.backoff = cfg_.ws_backoff;
    wc.connect_timeout = cfg_.connect_timeout;
    wc.idle_timeout = cfg_.idle_timeout;
    wc.read_gate = cfg_.read_gate;
    feed::ws_handlers h;
    std::weak_ptr<binance_connection> weak = shared_from_this();
    h.on_open = [weak] {
      if (auto self = weak.lock()) self->on_open();
    };
    h.on_message = [weak](std::string_view msg, std::int64_t receive_ns) {
      if (auto self = weak.lock()) self->on_message(msg, receive_ns);
    };
    h.on_close = [weak](const error_code& ec) {
      if (auto self = weak.lock()) self->on_close(ec);
    };
    ws_ = feed::make_ws_client(strand_, std::move(wc), std::move(h), log_, metrics_);
    log_->info("{}: {} streams for {} symbols", name_, plan_.streams.size(), plan_.symbols.size());
    ws_->start();
  }

  void stop(std::function<void()> done) {
    net::post(strand_, [self = shared_from_this(), done = std::move(done)]() mutable {
      self->stopped_ = true;
      for (auto& [sym, b] : self->books_) {
        b->timer.cancel();
        if (b->was_synced) self->m_->books_synced.add(-1);
        b->was_synced = false;
      }
      if (self->ws_) {
        self->ws_->stop(std::move(done));
      } else if (done) {
        done();
      }
    });
  }

 private:
  // One symbol's book: the sync state machine and its snapshot fetching.
  struct book {
    book(const std::string& symbol, std::string instrument, binance_book_sync_config cfg, event_sink_fn sink,
         const net::strand<net::any_io_executor>& strand, backoff_config retry_cfg)
        : sync(symbol, std::move(instrument), cfg, std::move(sink)), timer(strand), retry(retry_cfg) {}
    binance_book_sync sync;
    net::steady_timer timer;
    backoff retry;
    std::string url;
    bool fetch_scheduled = false;  // a fetch is waiting on `timer` or in flight
    binance_book_sync_stats seen{};
    bool was_synced = false;
  };

  void on_open() {
    log_->info("{}: connected", name_);
    for (auto& [sym, b] : books_) reset_book(*b);  // normally already reset by on_close
  }

  void on_close(const error_code& ec) {
    if (stopped_) return;
    log_->warn("{}: connection closed ({}); books resync after reconnect", name_, ec.message());
    for (auto& [sym, b] : books_) reset_book(*b);
  }

  void on_message(std::string_view msg, std::int64_t receive_ns) {
    if (stopped_) return;
    m_->messages.inc();
    if (cfg_.tap) cfg_.tap(name_, msg, receive_ns);
    binance_message m;
    binance_parse_error err;
    const std::uint64_t fast_before = fast_path_hits();
    if (!parser_.parse_padded(msg, receive_ns, m, err)) {
      on_malformed(msg, err);
      return;
    }
    m_->fast_path.inc(fast_path_hits() - fast_before);
    std::visit(overloaded{
                   [&](event& ev) {
                     if (sink_) sink_(std::move(ev));
                   },
                   [&](binance_depth_diff& d) {
                     auto it = books_.find(d.symbol);
                     if (it == books_.end()) {
                       log_->debug("{}: depth diff for unconfigured symbol {}", name_, d.symbol);
                       return;
                     }
                     book& b = *it->second;
                     const auto action = b.sync.on_diff(std::move(d), receive_ns);
                     account(b);
                     act(b, action, false);
                   },
                   [&](binance_control& c) { on_control(c); },
               },
               m);
  }

  void on_control(const binance_control& c) {
    switch (c.what) {
      case binance_control::kind::result: log_->debug("{}: reply to request {}", name_, c.id); break;
      case binance_control::kind::error:
        log_->warn("{}: error reply (code {}, id {}): {}", name_, c.code, c.id, excerpt(c.message));
        break;
      case binance_control::kind::server_shutdown:
        log_->info("{}: serverShutdown received; reconnecting now", name_);
        if (ws_) ws_->reconnect();
        break;
      case binance_control::kind::request: break;
    }
  }

  void on_malformed(std::string_view msg, const binance_parse_error& err) {
    m_->malformed.inc();
    // At most one log line per second per connection: a broken feed must not flood the log.
    const std::int64_t now = mono_ns();
    if (now - last_malformed_log_ns_ >= 1'000'000'000) {
      log_->warn("{}: malformed message ({}){}: {}", name_, err.reason,
                 suppressed_ ? fmt::format(" [{} more since last report]", suppressed_) : std::string(), excerpt(msg));
      last_malformed_log_ns_ = now;
      suppressed_ = 0;
    } else {
      ++suppressed_;
    }
    if (!err.depth || err.symbol.empty()) return;  // other diffs' gaps are caught by sequence checks
    if (auto it = books_.find(err.symbol); it != books_.end()) {
      book& b = *it->second;
      b.sync.on_malformed();
      account(b);
    }
  }

  void reset_book(book& b) {
    b.sync.reset();
    account(b);
  }

  void act(book& b, binance_sync_action action, bool after_failure) {
    if (action == binance_sync_action::fetch_snapshot) schedule_fetch(b, after_failure);
  }

  void schedule_fetch(book& b, bool after_failure) {
    if (stopped_ || b.fetch_scheduled) return;
    b.fetch_scheduled = true;
    auto delay = limiter_->reserve(depth_snapshot_weight(cfg_.depth_limit));
    if (after_failure) delay = std::max(delay, b.retry.next());
    b.timer.expires_after(delay);
    b.timer.async_wait([weak = weak_from_this(), pb = &b](const error_code& ec) {
      auto self = weak.lock();
      if (!self) return;
      if (ec || self->stopped_) {
        pb->fetch_scheduled = false;
        return;
      }
      self->fetch(*pb);
    });
  }

  void fetch(book& b) {
    log_->debug("{}: fetching {}", name_, b.url);
    feed::http_get(strand_, b.url, cfg_.rest_timeout,
                   [weak = weak_from_this(), pb = &b](error_code ec, unsigned status, const std::string& body) {
                     if (auto self = weak.lock()) self->on_fetched(*pb, ec, status, body);
                   });
  }

  void on_fetched(book& b, error_code ec, unsigned status, const std::string& body) {
    b.fetch_scheduled = false;
    if (stopped_) return;
    std::string why;
    binance_depth_snapshot snap;
    if (ec) {
      why = ec.message();
    } else if (status != 200) {
      why = fmt::format("HTTP {}: {}", status, excerpt(body));
    } else {
      parser_.parse_depth_snapshot(body, snap, why);
    }
    if (!why.empty()) {
      m_->snapshot_failures.inc();
      log_->warn("{}: {} snapshot failed: {}", name_, b.sync.symbol(), why);
      const auto action = b.sync.on_snapshot_failed();
      account(b);
      act(b, action, true);
      return;
    }
    snap.symbol = b.sync.symbol();
    const auto id = snap.last_update_id;
    const auto action = b.sync.on_snapshot(std::move(snap), wall_ns());
    account(b);
    if (b.sync.synced()) b.retry.reset();
    if (action == binance_sync_action::fetch_snapshot)
      log_->debug("{}: {} snapshot {} predates the buffered diffs; fetching again", name_, b.sync.symbol(), id);
    act(b, action, true);  // a refetch waits a little: the REST book lags the stream
  }

  // Pushes the sync's counters into the adapter metrics and logs state changes.
  void account(book& b) {
    const auto& s = b.sync.stats();
    m_->gaps.inc(s.gaps - b.seen.gaps);
    m_->stale.inc(s.stale_dropped - b.seen.stale_dropped);
    m_->overflows.inc(s.overflows - b.seen.overflows);
    if (s.resyncs != b.seen.resyncs && !stopped_) {
      const auto reason = s.gaps != b.seen.gaps             ? resync_reason::gap
                          : s.crossed != b.seen.crossed     ? resync_reason::crossed
                          : s.malformed != b.seen.malformed ? resync_reason::malformed
                          : s.overflows != b.seen.overflows ? resync_reason::overflow
                                                            : resync_reason::reconnect;
      for (auto n = s.resyncs - b.seen.resyncs; n > 0; --n) book_metrics_->resynced(b.sync.instrument(), reason);
      log_->warn("{}: {} book resync: {} (resyncs so far {})", name_, b.sync.symbol(), to_string(reason), s.resyncs);
    }
    b.seen = s;
    const bool synced = b.sync.synced();
    if (synced != b.was_synced) {
      m_->books_synced.add(synced ? 1 : -1);
      if (synced) log_->info("{}: {} book synced at {}", name_, b.sync.symbol(), b.sync.book().sequence());
      b.was_synced = synced;
    }
  }

  net::strand<net::any_io_executor> strand_;
  std::string name_;
  binance_connection_plan plan_;
  std::shared_ptr<const binance_config> cfg_holder_;  // shared by the adapter's connections
  const binance_config& cfg_;
  event_sink_fn sink_;
  std::shared_ptr<spdlog::logger> log_;
  metrics_registry& metrics_;
  std::shared_ptr<adapter_metrics> m_;
  std::shared_ptr<binance_rest_limiter> limiter_;
  std::shared_ptr<book_metrics> book_metrics_;
  binance_parser parser_;
  std::shared_ptr<feed::ws_client> ws_;
  std::map<std::string, std::unique_ptr<book>, std::less<>> books_;  // fixed after construction
  bool stopped_ = false;
  std::int64_t last_malformed_log_ns_ = 0;
  std::uint64_t suppressed_ = 0;
};

binance_adapter::binance_adapter(const net::any_io_executor& ex, binance_config cfg, const event_sink_fn& sink,
                                 std::shared_ptr<spdlog::logger> log, metrics_registry& metrics) {
  if (auto why = validate(cfg); !why.empty()) throw std::invalid_argument(why);
  if (!log) log = spdlog::default_logger();
  auto shared_cfg = std::make_shared<const binance_config>(std::move(cfg));
  auto m = std::make_shared<adapter_metrics>(metrics);
  auto limiter = std::make_shared<binance_rest_limiter>(shared_cfg->rest_weight_per_minute);
  const binance_symbols symbols = make_symbols(*shared_cfg);
  auto plans = plan_connections(*shared_cfg);
  for (std::size_t i = 0; i < plans.size(); ++i) {
    std::string name = plans.size() == 1 ? std::string("binance") : fmt::format("binance-{}", i);
    connections_.push_back(std::make_shared<binance_connection>(ex, std::move(name), std::move(plans[i]), shared_cfg,
                                                                symbols, sink, log, metrics, m, limiter));
  }
}

binance_adapter::~binance_adapter() {
  if (!started_ || stopped_) return;
  try {
    stop();        // without waiting: connections finish closing on their strands
  } catch (...) {  // allocation failure: nothing more can be done in a destructor
  }
}

void binance_adapter::start() {
  if (started_ || stopped_) return;
  started_ = true;
  for (auto& c : connections_) c->start();
}

void binance_adapter::stop(std::function<void()> done) {
  if (stopped_) {
    if (done) done();
    return;
  }
  stopped_ = true;
  auto remaining = std::make_shared<std::atomic<std::size_t>>(connections_.size());
  auto shared_done = std::make_shared<std::function<void()>>(std::move(done));
  if (connections_.empty()) {
    if (*shared_done) (*shared_done)();
    return;
  }
  for (auto& c : connections_) {
    c->stop([remaining, shared_done] {
      if (remaining->fetch_sub(1) == 1 && *shared_done) (*shared_done)();
    });
  }
}

}  // namespace mdfan::adapters
