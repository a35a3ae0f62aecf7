#include "adapters/common/ws_adapter.hpp"

#include <atomic>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "adapters/common/wire_shape.hpp"
#include "core/clock.hpp"
#include "feed/ws_client.hpp"

namespace mdfan::adapters {

// One WebSocket connection and its protocol session, everything on strand_.
class ws_adapter::connection final : public std::enable_shared_from_this<ws_adapter::connection>, private session_io {
 public:
  connection(const net::any_io_executor& ex, std::string exchange, const ws_adapter_config& cfg, connection_spec spec,
             event_sink_fn sink, std::shared_ptr<spdlog::logger> log, metrics_registry& metrics)
      : strand_(net::make_strand(ex)),
        cfg_(cfg),
        spec_(std::move(spec)),
        sink_(std::move(sink)),
        log_(std::move(log)),
        metrics_(metrics),
        messages_(metrics.get_counter("mdfan_adapter_messages_total", "Exchange messages handled by the adapter",
                                      fmt::format(R"(exchange="{}")", exchange))),
        fast_path_(metrics.get_counter(fast_path_metric, fast_path_metric_help, fmt::format(R"(exchange="{}")", exchange))),
        reconnects_(metrics.get_counter("mdfan_adapter_reconnects_total",
                                        "Exchange connections lost or dropped and reopened (idle watchdog included)",
                                        fmt::format(R"(exchange="{}")", exchange))),
        ping_timer_(strand_),
        start_timer_(strand_) {}

  ~connection() {
    if (ws_) ws_->stop();
  }

  void start() {
    feed::ws_client_config wc;
    wc.url = spec_.url;
    wc.name = spec_.name;
    wc.backoff = cfg_.backoff;
    wc.connect_timeout = cfg_.connect_timeout;
    wc.idle_timeout = cfg_.idle_timeout;
    wc.ping_interval = cfg_.ws_ping_interval;
    wc.max_message_bytes = cfg_.max_message_bytes;
    wc.read_gate = cfg_.read_gate;
    feed::ws_handlers h;
    std::weak_ptr<connection> weak = shared_from_this();
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
    ws_->start();
  }

  // start() after `delay` (on the strand; nothing happens if stopped meanwhile).
  void start_after(std::chrono::milliseconds delay) {
    if (delay.count() <= 0) {
      start();
      return;
    }
    net::post(strand_, [self = shared_from_this(), delay] {
      if (self->stopped_) return;
      self->start_timer_.expires_after(delay);
      self->start_timer_.async_wait([weak = self->weak_from_this()](const error_code& ec) {
        auto s = weak.lock();
        if (!s || ec || s->stopped_) return;
        s->start();
      });
    });
  }

  void stop(std::function<void()> done) {
    net::post(strand_, [self = shared_from_this(), done = std::move(done)]() mutable {
      self->stopped_ = true;
      self->ping_timer_.cancel();
      self->start_timer_.cancel();
      if (self->ws_) {
        self->ws_->stop(std::move(done));
      } else if (done) {
        done();
      }
    });
  }

 private:
  // session_io
  bool send(std::string text) override { return ws_ && ws_->send(std::move(text)); }
  void reconnect(std::string_view reason) override {
    log_->warn("{}: reconnecting: {}", spec_.name, reason);
    if (ws_) ws_->reconnect();
  }
  void emit(event&& ev) override {
    if (sink_) sink_(std::move(ev));
  }
  std::int64_t now_ns() const override { return wall_ns(); }

  void on_open() {
    if (stopped_) return;
    log_->info("{}: connected to {}", spec_.name, spec_.url);
    spec_.session->on_open(*this);
    arm_ping();
  }

  void on_message(std::string_view msg, std::int64_t receive_ns) {
    if (stopped_) return;
    messages_.inc();
    if (cfg_.tap) cfg_.tap(spec_.name, msg, receive_ns);
    const std::uint64_t fast_before = fast_path_hits();  // the session parses on this thread, in this call
    spec_.session->on_message(msg, receive_ns, *this);
    fast_path_.inc(fast_path_hits() - fast_before);
  }

  void on_close(const error_code& ec) {
    ping_timer_.cancel();
    ++ping_generation_;
    if (stopped_) return;
    reconnects_.inc();
    log_->warn("{}: connection closed ({}); resubscribing after reconnect", spec_.name, ec.message());
    spec_.session->on_close();
  }

  void arm_ping() {
    if (cfg_.ping_interval.count() <= 0) return;
    const auto generation = ++ping_generation_;
    ping_timer_.expires_after(cfg_.ping_interval);
    ping_timer_.async_wait([weak = weak_from_this(), generation](const error_code& ec) {
      auto self = weak.lock();
      if (!self || ec || self->stopped_ || generation != self->ping_generation_) return;
      if (self->ws_ && self->ws_->connected()) self->spec_.session->on_ping(*self);
      self->arm_ping();
    });
  }

  net::strand<net::any_io_executor> strand_;
  const ws_adapter_config& cfg_;
  connection_spec spec_;
  event_sink_fn sink_;
  std::shared_ptr<spdlog::logger> log_;
  metrics_registry& metrics_;
  counter& messages_;
  counter& fast_path_;  // messages the session's parser read on the fast path (wire_shape.hpp)
  counter& reconnects_;
  net::steady_timer ping_timer_;
  net::steady_timer start_timer_;  // start_spacing
  std::uint64_t ping_generation_ = 0;
  std::shared_ptr<feed::ws_client> ws_;
  bool stopped_ = false;
};

ws_adapter::ws_adapter(const net::any_io_executor& ex, exchange_id exchange, ws_adapter_config cfg,
                       std::vector<connection_spec> connections, event_sink_fn sink,
                       std::shared_ptr<spdlog::logger> log, metrics_registry& metrics)
    : exchange_(exchange), cfg_(std::move(cfg)) {
  if (!log) log = spdlog::default_logger();
  const std::string name(to_string(exchange));
  for (auto& spec : connections)
    connections_.push_back(std::make_shared<connection>(ex, name, cfg_, std::move(spec), sink, log, metrics));
}

ws_adapter::~ws_adapter() {
  if (!started_ || stopped_) return;
  try {
    stop();
  } catch (...) {
  }
}

void ws_adapter::start() {
  if (started_ || stopped_) return;
  started_ = true;
  for (std::size_t i = 0; i < connections_.size(); ++i)
    connections_[i]->start_after(cfg_.start_spacing * static_cast<int>(i));
}

void ws_adapter::stop(std::function<void()> done) {
  if (stopped_ || connections_.empty()) {
    stopped_ = true;
    if (done) done();
    return;
  }
  stopped_ = true;
  auto remaining = std::make_shared<std::atomic<std::size_t>>(connections_.size());
  auto shared_done = std::make_shared<std::function<void()>>(std::move(done));
  for (auto& c : connections_) {
    c->stop([remaining, shared_done] {
      if (remaining->fetch_sub(1) == 1 && *shared_done) (*shared_done)();
    });
  }
}

}  // namespace mdfan::adapters
