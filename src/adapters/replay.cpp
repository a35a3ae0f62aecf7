#include "adapters/replay.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "adapters/recording.hpp"
#include "adapters/registry.hpp"
#include "core/clock.hpp"

namespace mdfan::adapters {
namespace {

// For exchanges whose books need more than the recorded WebSocket frames (Binance's diff depth is
// synced from REST snapshots, which are not in the stream): the parser alone. Everything it decodes
// is emitted except book deltas, which could not be verified; partial-depth books (snapshots) are.
class decoder_session final : public protocol_session {
 public:
  explicit decoder_session(std::unique_ptr<message_decoder> d) : decoder_(std::move(d)) {}
  void on_open(session_io&) override {}
  void on_close() override {}
  void on_message(std::string_view msg, std::int64_t receive_ns, session_io& io) override {
    events_.clear();
    if (!decoder_->decode(msg, receive_ns, events_, error_)) return;
    for (auto& ev : events_) {
      if (const auto* b = std::get_if<book_update>(&ev); b && !b->snapshot) continue;
      io.emit(std::move(ev));
    }
  }

 private:
  std::unique_ptr<message_decoder> decoder_;
  std::vector<event> events_;
  std::string error_;
};

}  // namespace

exchange_id recording_exchange(const std::string& file) {
  recording_reader r(file);
  if (!r.ok()) throw std::invalid_argument(r.error());
  return r.header().exchange;
}

struct replay_adapter::state : session_io {
  replay_config cfg;
  event_sink_fn sink;
  std::shared_ptr<spdlog::logger> log;
  counter& frames_counter;
  std::unique_ptr<recording_reader> reader;
  // One session per recorded connection, as live: sequence numbers (Coinbase's sequence_num, say) and
  // subscriptions are per connection. Created on the connection's first frame.
  std::function<std::unique_ptr<protocol_session>()> make_session;
  std::unordered_map<std::string, std::unique_ptr<protocol_session>> sessions;
  std::thread thread;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::int64_t now = 0;
  std::atomic<bool> stop_flag{false};  // mirrors `stopping`: read once per frame without the mutex
  std::uint64_t frames = 0, events = 0;
  std::vector<event> batch;  // cfg.batch_sink: events not yet handed over

  state(replay_config c, event_sink_fn s, std::shared_ptr<spdlog::logger> l, metrics_registry& metrics)
      : cfg(std::move(c)),
        sink(std::move(s)),
        log(std::move(l)),
        frames_counter(metrics.get_counter("mdfan_replay_frames_total", "Recorded frames replayed")) {}

  bool send(std::string) override { return true; }  // requests the recording already answered
  void reconnect(std::string_view reason) override {
    log->warn("replay: the session asked to reconnect ({}); continuing with the next frame", reason);
  }
  void emit(event&& ev) override {
    ++events;
    if (cfg.batch_sink) {
      batch.push_back(std::move(ev));
    } else if (sink) {
      sink(std::move(ev));
    }
  }
  void hand_over() {
    if (batch.empty()) return;
    cfg.batch_sink(batch);
    batch.clear();
  }
  std::int64_t now_ns() const override { return now; }

  // Waits until `deadline` (steady clock) or stop; false when stopping.
  bool wait_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mu);
    cv.wait_until(lock, deadline, [&] { return stopping; });
    return !stopping;
  }
  bool stopped() const { return stop_flag.load(std::memory_order_relaxed); }

  void draw_progress(bool final) {
    const auto total = reader->total();
    const double frac = total ? static_cast<double>(reader->position()) / static_cast<double>(total) : 0;
    constexpr int width = 30;
    const int filled = static_cast<int>(frac * width);
    std::fprintf(stderr, "\rreplay [%.*s%*s] %5.1f%%  %llu frames  %llu events%s", filled,
                 "##############################", width - filled, "", frac * 100,
                 static_cast<unsigned long long>(frames), static_cast<unsigned long long>(events), final ? "\n" : "");
    std::fflush(stderr);
  }

  protocol_session& session_for(const std::string& connection) {
    auto& slot = sessions[connection];
    if (!slot) {
      slot = make_session();
      slot->on_open(*this);
    }
    return *slot;
  }

  void run() {
    std::string buffer;
    recorded_frame frame;
    std::int64_t first_ns = 0;
    const auto t0 = std::chrono::steady_clock::now();
    auto next_draw = t0;
    while (!stopped() && reader->next(frame)) {
      if (frames == 0) first_ns = frame.receive_ns;
      if (cfg.speed > 0) {
        hand_over();  // paced: nothing waits behind a sleep
        const auto offset = std::chrono::nanoseconds(
            static_cast<std::int64_t>(static_cast<double>(frame.receive_ns - first_ns) / cfg.speed));
        if (offset.count() > 0 && !wait_until(t0 + offset)) break;
      }
      now = frame.receive_ns;
      buffer.assign(frame.data);
      buffer.append(64, '\0');
      session_for(frame.connection).on_message(std::string_view(buffer.data(), frame.data.size()), frame.receive_ns,
                                               *this);
      ++frames;
      frames_counter.inc();
      if (cfg.speed > 0 || batch.size() >= cfg.batch_events) hand_over();
      if (cfg.progress && std::chrono::steady_clock::now() >= next_draw) {
        draw_progress(false);
        next_draw = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
      }
    }
    hand_over();  // what the last frames produced (also when stopped: those frames were replayed)
    if (cfg.progress) draw_progress(true);
    if (!reader->error().empty()) log->error("replay: {}", reader->error());
    log->info("replay: {} frames replayed, {} events emitted{}", frames, events, stopped() ? " (stopped)" : "");
  }
};

replay_adapter::replay_adapter(replay_config cfg, event_sink_fn sink, std::shared_ptr<spdlog::logger> log,
                               metrics_registry& metrics) {
  if (!log) log = spdlog::default_logger();
  cfg.progress = cfg.progress && ::isatty(STDERR_FILENO);
  auto reader = std::make_unique<recording_reader>(cfg.file);
  if (!reader->ok()) throw std::invalid_argument(reader->error());
  cfg.opts.exchange = reader->header().exchange;
  if (cfg.opts.symbols.empty()) cfg.opts.symbols = reader->header().symbols;
  std::function<std::unique_ptr<protocol_session>()> make_session;
  if (make_replay_session(cfg.opts, metrics, log)) {
    make_session = [opts = cfg.opts, &metrics, log] { return make_replay_session(opts, metrics, log); };
  } else {
    if (!make_decoder(cfg.opts.exchange))
      throw std::invalid_argument(
          fmt::format("replay: exchange '{}' is not built into this mdfan", to_string(cfg.opts.exchange)));
    log->info("replay: {} books need REST snapshots, which a recording lacks: replaying trades, tickers, candles "
              "and partial-depth books only",
              to_string(cfg.opts.exchange));
    make_session = [ex = cfg.opts.exchange] { return std::make_unique<decoder_session>(make_decoder(ex)); };
  }
  state_ = std::make_shared<state>(std::move(cfg), std::move(sink), std::move(log), metrics);
  state_->reader = std::move(reader);
  state_->make_session = std::move(make_session);
}

replay_adapter::~replay_adapter() { stop(); }

exchange_id replay_adapter::exchange() const noexcept { return state_->cfg.opts.exchange; }

void replay_adapter::start() {
  if (state_->thread.joinable()) return;
  state_->log->info("replay: {} ({}) at {}", state_->cfg.file, to_string(state_->cfg.opts.exchange),
                    state_->cfg.speed > 0 ? fmt::format("{}x the recorded pace", state_->cfg.speed)
                                          : std::string("full speed"));
  state_->thread = std::thread([s = state_] { s->run(); });
}

void replay_adapter::stop(std::function<void()> done) {
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
    state_->stop_flag = true;
  }
  state_->cv.notify_all();
  if (state_->thread.joinable()) state_->thread.join();
  if (done) done();
}

}  // namespace mdfan::adapters
