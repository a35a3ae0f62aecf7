#include "bridge/event_bridge.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/uuid/uuid.hpp>
#include <boost/uuid/uuid_generators.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <charconv>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <vector>

#include "bridge/envelope.hpp"
#include "bridge/interest.hpp"
#include "core/clock.hpp"
#include "core/codec.hpp"
#include "redis/connection.hpp"

namespace mdfan {
namespace {

constexpr std::size_t channels_per_command = 512;  // keeps each SUBSCRIBE / UNSUBSCRIBE a sane size
constexpr std::size_t log_excerpt = 200;

std::int64_t wall_ms() { return wall_ns() / 1'000'000; }

std::string_view excerpt(std::string_view s) { return s.substr(0, log_excerpt); }

// Appends (UN)SUBSCRIBE commands for `channels`, many channels per command.
void push_channels(redis::request& req, std::string_view verb, const std::vector<std::string>& channels) {
  std::vector<std::string_view> args;
  for (std::size_t i = 0; i < channels.size(); i += channels_per_command) {
    args.clear();
    args.push_back(verb);
    for (std::size_t j = i; j < channels.size() && j < i + channels_per_command; ++j) args.push_back(channels[j]);
    req.push_unacknowledged(args);
  }
}

}  // namespace

// Everything the bridge owns. Shared with its pending handlers, so it outlives the event_bridge facade
// until they have run. Members below "strand only" are touched only on `strand`.
struct event_bridge::state : std::enable_shared_from_this<event_bridge::state> {
  state(const net::any_io_executor& ex, bridge_config c, std::shared_ptr<spdlog::logger> l, metrics_registry& m,
        remote_fn remote)
      : strand(net::make_strand(ex)),
        cfg(std::move(c)),
        log(l ? std::move(l) : spdlog::default_logger()),
        on_remote(std::move(remote)),
        id(boost::uuids::to_string(boost::uuids::random_generator()())),
        instruments_key(cfg.prefix + "instruments"),
        published(m.get_counter("mdfan_bridge_published_total", "Events published to Redis and acknowledged")),
        received(m.get_counter("mdfan_bridge_received_total", "Events received from other instances via Redis")),
        self_filtered(m.get_counter("mdfan_bridge_self_filtered_total",
                                    "Envelopes from this instance received back and dropped")),
        gaps(m.get_counter("mdfan_bridge_gaps_total", "Sequence numbers missing per (source, channel)")),
        dropped(m.get_counter("mdfan_bridge_dropped_total",
                              "Events dropped before publishing (pending bound exceeded, or stopped)")),
        decode_errors(m.get_counter("mdfan_bridge_decode_errors_total", "Malformed envelopes or event data")),
        reconnects_pub(m.get_counter("mdfan_bridge_reconnects_total", "Redis reconnections", R"(conn="publisher")")),
        reconnects_sub(m.get_counter("mdfan_bridge_reconnects_total", "Redis reconnections", R"(conn="subscriber")")),
        connected_pub(
            m.get_gauge("mdfan_bridge_connected", "1 while the Redis connection is up", R"(conn="publisher")")),
        connected_sub(
            m.get_gauge("mdfan_bridge_connected", "1 while the Redis connection is up", R"(conn="subscriber")")),
        pending_gauge(m.get_gauge("mdfan_bridge_pending", "Events waiting to be published (bound: max_pending)")),
        subscribed_gauge(m.get_gauge("mdfan_bridge_subscribed_channels", "Redis channels of current interest")),
        lag_gauge(m.get_gauge("mdfan_bridge_lag_ns", "Receive wall time minus publish time of the last event")),
        read_pauses(m.get_counter("mdfan_bridge_read_pauses_total",
                                  "Times the subscriber stopped reading because received events were backing up")),
        read_paused_gauge(m.get_gauge("mdfan_bridge_read_paused",
                                      "1 while the subscriber is not reading (received events backing up)")),
        advertise_timer(strand),
        discover_timer(strand),
        flush_timer(strand),
        backpressure_timer(strand),
        interests(cfg.prefix) {
    if (cfg.max_pending == 0) cfg.max_pending = 1;
  }

  // ---- set once ----
  net::strand<net::any_io_executor> strand;
  bridge_config cfg;
  std::shared_ptr<spdlog::logger> log;
  remote_fn on_remote;
  const std::string id;
  const std::string instruments_key;

  counter& published;
  counter& received;
  counter& self_filtered;
  counter& gaps;
  counter& dropped;
  counter& decode_errors;
  counter& reconnects_pub;
  counter& reconnects_sub;
  gauge& connected_pub;
  gauge& connected_sub;
  gauge& pending_gauge;
  gauge& subscribed_gauge;
  gauge& lag_gauge;
  counter& read_pauses;
  gauge& read_paused_gauge;
  std::function<std::size_t()> remote_backlog;  // set before start()

  std::atomic<bool> pub_up{false};
  std::atomic<bool> sub_up{false};
  std::atomic<std::int64_t> last_lag{0};
  std::atomic<std::size_t> pending_count{0};

  // ---- intake, any thread (under mu) ----
  std::mutex mu;
  std::deque<event_ptr> pending;
  bool flush_posted = false;
  bool closed = false;

  // ---- strand only ----
  std::shared_ptr<redis::connection> pub;
  std::shared_ptr<redis::connection> sub;
  net::steady_timer advertise_timer;
  net::steady_timer discover_timer;
  net::steady_timer flush_timer;
  net::steady_timer backpressure_timer;  // polls the backlog while reading is paused
  std::unordered_map<std::string, std::uint64_t> out_seq;  // topic -> last seq published on prefix + topic
  std::deque<event_ptr> batch;                             // flush(): the events being encoded
  std::vector<std::uint64_t*> seq_slots;                   // flush(): out_seq entry of each (node-stable)
  std::vector<instrument_key> fresh;                       // flush(): instruments to advertise first
  std::set<instrument_key> advertised;                     // everything this instance has published
  interest_table interests;
  std::map<instrument_key, std::int64_t> known;  // advertised instrument -> expiry (unix ms)
  sequence_tracker seqs;
  envelope_parser parser;
  std::string envelope_buf;
  std::string error_buf;
  bool discovery_in_flight = false;
  std::size_t batches_in_flight = 0;
  bool started = false;
  bool stopping = false;
  bool stopped = false;
  std::vector<std::function<void()>> stop_done;

  // ---- lifecycle ----

  void start() {
    if (started || stopped) return;
    started = true;
    std::weak_ptr<state> weak = shared_from_this();
    if (cfg.publish || cfg.subscribe) {
      pub = std::make_shared<redis::connection>(
          strand, cfg.redis, redis::connection::options{false, cfg.publish ? "publisher" : "command"}, log);
      pub->set_state_handler([weak](redis::connection::state st) {
        if (auto s = weak.lock()) s->on_pub_state(st);
      });
      pub->set_drain_handler([weak] {
        if (auto s = weak.lock()) s->flush();
      });
    }
    if (cfg.subscribe) {
      sub = std::make_shared<redis::connection>(strand, cfg.redis, redis::connection::options{true, "subscriber"}, log);
      sub->set_state_handler([weak](redis::connection::state st) {
        if (auto s = weak.lock()) s->on_sub_state(st);
      });
      sub->set_push_handler([weak](redis::reply_view r) {
        if (auto s = weak.lock()) s->on_push(r);
      });
      if (remote_backlog && cfg.max_remote_backlog > 0) {
        sub->set_read_gate([weak] {
          auto s = weak.lock();
          return !s || s->may_read();
        });
      }
    }
    log->info("bridge {}: starting (publish={}, subscribe={}, prefix '{}', redis {}:{})", id, cfg.publish,
              cfg.subscribe, cfg.prefix, cfg.redis.host, cfg.redis.port);
    if (pub) pub->start();
    if (sub) sub->start();
    if (cfg.publish) arm_advertise();
    if (cfg.subscribe) arm_discover();
  }

  // ---- back-pressure (subscriber) ----

  // The subscriber's read gate: past the backlog bound, stop reading and poll until it has halved.
  bool may_read() {
    if (remote_backlog() < cfg.max_remote_backlog) return true;
    read_pauses.inc();
    read_paused_gauge.set(1);
    log->debug("bridge {}: {} received events not yet handled: pausing the subscriber", id, remote_backlog());
    poll_backlog();
    return false;
  }

  void poll_backlog() {
    backpressure_timer.expires_after(std::chrono::microseconds(500));
    backpressure_timer.async_wait([self = shared_from_this()](const error_code& ec) {
      if (ec || self->stopped || !self->sub) return;
      if (self->remote_backlog() > self->cfg.max_remote_backlog / 2) return self->poll_backlog();
      self->read_paused_gauge.set(0);
      self->sub->resume_reading();
    });
  }

  void begin_stop(std::function<void()> done) {
    if (done) stop_done.push_back(std::move(done));
    if (stopped) return run_done();
    if (stopping) return;
    stopping = true;
    advertise_timer.cancel();
    discover_timer.cancel();
    flush_timer.expires_after(cfg.flush_timeout);
    flush_timer.async_wait([self = shared_from_this()](const error_code& ec) {
      if (ec || self->stopped) return;
      self->log->warn("bridge {}: flush timeout ({} ms) on stop", self->id, self->cfg.flush_timeout.count());
      self->finish_stop();
    });
    flush();
    maybe_finish_stop();
  }

  void maybe_finish_stop() {
    if (!stopping || stopped) return;
    {
      std::lock_guard lock(mu);
      if (!pending.empty() && pub && pub->connected()) return;  // a flush is coming (drain handler)
      if (!pending.empty()) return;                             // wait for a reconnect, up to flush_timeout
    }
    if (pub && pub->connected() && (!pub->write_idle() || batches_in_flight > 0)) return;
    finish_stop();
  }

  void finish_stop() {
    if (stopped) return;
    stopped = true;
    stopping = true;
    advertise_timer.cancel();
    discover_timer.cancel();
    flush_timer.cancel();
    backpressure_timer.cancel();
    std::size_t left = 0;
    {
      std::lock_guard lock(mu);
      closed = true;
      left = pending.size();
      pending.clear();
      pending_count = 0;
    }
    if (left > 0) {
      dropped.inc(left);
      log->warn("bridge {}: {} pending events dropped on stop", id, left);
    }
    pending_gauge.set(0);
    if (pub) pub->stop();
    if (sub) sub->stop();
    pub_up = false;
    sub_up = false;
    connected_pub.set(0);
    connected_sub.set(0);
    log->info("bridge {}: stopped", id);
    run_done();
  }

  void run_done() {
    auto callbacks = std::move(stop_done);
    stop_done.clear();
    for (auto& fn : callbacks) {
      try {
        fn();
      } catch (const std::exception& e) {
        log->error("bridge {}: stop callback threw: {}", id, e.what());
      }
    }
  }

  // ---- publishing ----

  void enqueue(std::span<const event_ptr> evs) {
    if (evs.empty()) return;
    bool post_flush = false;
    std::size_t drops = 0;
    {
      std::lock_guard lock(mu);
      if (closed) {
        drops = evs.size();
      } else {
        for (const auto& ev : evs) {
          if (pending.size() >= cfg.max_pending) {
            pending.pop_front();
            ++drops;
          }
          pending.push_back(ev);
        }
        pending_count.store(pending.size(), std::memory_order_relaxed);
        pending_gauge.set(static_cast<std::int64_t>(pending.size()));
        if (!flush_posted) post_flush = flush_posted = true;
      }
    }
    if (drops) dropped.inc(drops);
    if (post_flush) {
      net::post(strand, [self = shared_from_this()] {
        {
          std::lock_guard lock(self->mu);
          self->flush_posted = false;
        }
        self->flush();
      });
    }
  }

  // Sends everything pending in one request, when the publisher is up and has no write in flight.
  // The PUBLISH commands are written straight into the request's buffer (RESP by hand, no hiredis
  // formatting, no per-event strings): one buffer, one write, one reply callback per batch.
  void flush() {
    pending_gauge.set(static_cast<std::int64_t>(pending_count.load(std::memory_order_relaxed)));
    if (stopped || !pub || !pub->connected() || !pub->write_idle()) return maybe_finish_stop();
    batch.clear();
    {
      std::lock_guard lock(mu);
      batch.swap(pending);
      pending_count.store(0, std::memory_order_relaxed);
    }
    pending_gauge.set(0);
    if (batch.empty()) return maybe_finish_stop();

    // First pass: each event's sequence slot (a topic seen for the first time may be a new instrument
    // to advertise, ahead of its first PUBLISH) and the request's size.
    seq_slots.clear();
    fresh.clear();
    std::size_t bytes = 0;
    for (const auto& ev : batch) {
      auto it = out_seq.find(ev->topic);
      if (it == out_seq.end()) {
        it = out_seq.emplace(ev->topic, 0).first;
        const auto& h = header_of(ev->ev);
        instrument_key k{h.exchange, h.instrument};
        if (!advertised.count(k)) {
          advertised.insert(k);
          fresh.push_back(std::move(k));
        }
      }
      seq_slots.push_back(&it->second);
      bytes += ev->json.size() + ev->topic.size();
    }
    redis::request req;
    if (!fresh.empty()) push_advertisement(req, fresh);
    auto& out = req.raw();
    out.reserve(out.size() + bytes + batch.size() * (cfg.prefix.size() + id.size() + 128));

    const auto ts = wall_ns();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const auto& ev = *batch[i];
      const auto seq = ++*seq_slots[i];  // per channel: channel = prefix + topic
      envelope_buf.clear();
      encode_envelope(envelope_buf, to_string(type_of(ev.ev)), id, seq, ts, ev.json);
      out.append(std::string_view("*3\r\n$7\r\nPUBLISH\r\n"));
      redis::append_bulk(out, cfg.prefix, ev.topic);
      redis::append_bulk(out, envelope_buf);
    }
    // Only the last PUBLISH reports: replies arrive in order, so it answers for the batch.
    req.commit(batch.size(), [self = shared_from_this(), n = batch.size()](error_code ec, redis::reply_view r) {
      --self->batches_in_flight;
      if (!ec) {
        self->published.inc(n);
      } else if (!self->stopped) {
        self->log->warn("bridge {}: batch of {} events unconfirmed: {} {}", self->id, n, ec.message(),
                        excerpt(r.str()));
      }
      self->maybe_finish_stop();
    });
    batch.clear();  // the request holds the bytes; release the events now
    ++batches_in_flight;
    pub->send(std::move(req));
  }

  // ZADD <prefix>instruments <expiry> <member>... ; PEXPIRE; prune entries whose expiry passed.
  void push_advertisement(redis::request& req, const std::vector<instrument_key>& keys) {
    const auto now = wall_ms();
    const std::string expiry = std::to_string(now + cfg.advertise_ttl.count());
    std::vector<std::string> members;
    members.reserve(keys.size());
    for (const auto& k : keys) members.push_back(k.str());
    std::vector<std::string_view> args{"ZADD", instruments_key};
    for (const auto& m : members) {
      args.push_back(expiry);
      args.push_back(m);
    }
    req.push(args);
    const std::string ttl = std::to_string(cfg.advertise_ttl.count());
    req.push({"PEXPIRE", instruments_key, ttl});
    const std::string cutoff = "(" + std::to_string(now);
    req.push({"ZREMRANGEBYSCORE", instruments_key, "-inf", cutoff});
  }

  void advertise() {
    if (!cfg.publish || stopped || advertised.empty() || !pub || !pub->connected()) return;
    redis::request req;
    push_advertisement(req, std::vector<instrument_key>(advertised.begin(), advertised.end()));
    pub->send(std::move(req));
  }

  void arm_advertise() {
    if (cfg.advertise_interval.count() <= 0 || stopping) return;
    advertise_timer.expires_after(cfg.advertise_interval);
    advertise_timer.async_wait([self = shared_from_this()](const error_code& ec) {
      if (ec || self->stopping) return;
      self->advertise();
      self->arm_advertise();
    });
  }

  void on_pub_state(redis::connection::state st) {
    if (st == redis::connection::state::connected) {
      if (pub->connects() > 1) reconnects_pub.inc();
      pub_up = true;
      connected_pub.set(1);
      // All three go out in the connection's first write (writes start after this handler).
      flush();
      advertise();  // Redis may have restarted empty
      discover();
    } else {
      pub_up = false;
      connected_pub.set(0);
      maybe_finish_stop();
    }
  }

  // ---- subscribing ----

  void on_sub_state(redis::connection::state st) {
    if (st == redis::connection::state::connected) {
      if (sub->connects() > 1) reconnects_sub.inc();
      sub_up = true;
      connected_sub.set(1);
      // A new TCP connection starts with no subscriptions: subscribe everything again, one batch.
      // Sequence tracking survives: events lost during the outage are gaps.
      const auto channels = interests.channels();
      if (!channels.empty()) {
        redis::request req;
        push_channels(req, "SUBSCRIBE", channels);
        sub->send(std::move(req));
        log->info("bridge {}: subscribed {} channels", id, channels.size());
      }
    } else {
      sub_up = false;
      connected_sub.set(0);
    }
  }

  void apply(const interest_table::change& c) {
    subscribed_gauge.set(static_cast<std::int64_t>(interests.channel_count()));
    for (const auto& ch : c.unsubscribe) seqs.forget(ch);
    if (c.empty() || !sub || !sub->connected()) return;  // the next connect subscribes what is current
    redis::request req;
    if (!c.subscribe.empty()) push_channels(req, "SUBSCRIBE", c.subscribe);
    if (!c.unsubscribe.empty()) push_channels(req, "UNSUBSCRIBE", c.unsubscribe);
    sub->send(std::move(req));
  }

  void add_interest(const topic_pattern& p) {
    if (stopping) return;
    if (!cfg.subscribe) {
      log->debug("bridge {}: interest in {} ignored (subscribe=false)", id, p.str());
      return;
    }
    apply(interests.add(p));
    if (interest_table::dynamic(p)) discover();
  }

  void remove_interest(const topic_pattern& p) {
    if (stopping || !cfg.subscribe) return;
    apply(interests.remove(p));
  }

  void discover() {
    if (!cfg.subscribe || stopping || !interests.has_dynamic() || !pub || !pub->connected() || discovery_in_flight)
      return;
    discovery_in_flight = true;
    redis::request req;
    const std::string now = std::to_string(wall_ms());
    req.push({"ZRANGEBYSCORE", instruments_key, now, "+inf", "WITHSCORES"},
             [self = shared_from_this()](error_code ec, redis::reply_view r) {
               self->discovery_in_flight = false;
               if (self->stopping) return;
               if (ec) {
                 self->log->debug("bridge {}: discovery failed: {} {}", self->id, ec.message(), r.str());
                 return;
               }
               self->on_discovered(r);
             });
    pub->send(std::move(req));
  }

  void on_discovered(redis::reply_view r) {
    const auto now = wall_ms();
    for (std::size_t i = 0; i + 1 < r.size(); i += 2) {
      instrument_key k;
      if (!instrument_key::parse(r[i].str(), k)) {
        log->debug("bridge {}: ignoring advertised member '{}'", id, excerpt(r[i].str()));
        continue;
      }
      const auto score_text = r[i + 1].str();
      double score = 0;
      const auto [p, ec] = std::from_chars(score_text.data(), score_text.data() + score_text.size(), score);
      if (ec != std::errc()) continue;
      auto& expiry = known[k];
      expiry = std::max(expiry, static_cast<std::int64_t>(score));
    }
    // An instrument stays known until its advertised expiry, even when a poll misses it (e.g. while a
    // restarted Redis waits for the host's next advertisement).
    std::set<instrument_key> current;
    for (auto it = known.begin(); it != known.end();) {
      if (it->second < now) {
        it = known.erase(it);
      } else {
        current.insert(it->first);
        ++it;
      }
    }
    const auto c = interests.set_instruments(std::move(current));
    if (!c.empty()) log->debug("bridge {}: discovery: +{} -{} channels", id, c.subscribe.size(), c.unsubscribe.size());
    apply(c);
  }

  void arm_discover() {
    if (cfg.discover_interval.count() <= 0 || stopping) return;
    discover_timer.expires_after(cfg.discover_interval);
    discover_timer.async_wait([self = shared_from_this()](const error_code& ec) {
      if (ec || self->stopping) return;
      self->discover();
      self->arm_discover();
    });
  }

  void on_push(redis::reply_view r) {
    const auto kind = r[0].str();
    if ((kind == "message" || kind == "smessage") && r.size() >= 3) return on_message(r[1].str(), r[2].str());
    if (kind == "subscribe" || kind == "unsubscribe") return;  // acknowledgements
    log->debug("bridge {}: unexpected push '{}'", id, excerpt(kind));
  }

  void on_message(std::string_view channel, std::string_view payload) {
    if (stopped) return;
    envelope env;
    event ev;
    // The envelope and its event in one parse; our own events (a hybrid hears them back) stop at "src".
    if (!parser.parse(payload, env, &error_buf, &ev, id)) {
      decode_errors.inc();
      const bool bad_data = error_buf.rfind("data: ", 0) == 0;
      log->warn("bridge {}: bad {} on {} ({}): {}", id, bad_data ? "event data" : "envelope", channel, error_buf,
                excerpt(payload));
      return;
    }
    if (env.src == id) {
      self_filtered.inc();
      return;
    }
    if (env.type != to_string(type_of(ev))) {
      decode_errors.inc();
      log->warn("bridge {}: envelope type '{}' does not match its data on {}", id, excerpt(env.type), channel);
      return;
    }
    if (interests.covers(channel)) {
      if (const auto missing = seqs.observe(channel, env.src, env.seq); missing > 0) {
        gaps.inc(missing);
        log->debug("bridge {}: gap of {} on {} from {}", id, missing, channel, env.src);
      }
    }
    const auto lag = wall_ns() - env.ts_ns;
    last_lag.store(lag, std::memory_order_relaxed);
    lag_gauge.set(lag);
    received.inc();
    if (!on_remote) return;
    try {
      on_remote(std::move(ev), std::string(env.data));
    } catch (const std::exception& e) {
      log->error("bridge {}: remote event handler threw: {}", id, e.what());
    }
  }
};

event_bridge::event_bridge(net::any_io_executor ex, bridge_config cfg, std::shared_ptr<spdlog::logger> log,
                           metrics_registry& metrics, remote_fn on_remote)
    : s_(std::make_shared<state>(ex, std::move(cfg), std::move(log), metrics, std::move(on_remote))) {}

event_bridge::~event_bridge() {
  try {
    net::post(s_->strand, [s = s_] { s->finish_stop(); });
  } catch (const std::exception& e) {
    s_->log->error("bridge {}: cannot close on destruction: {}", s_->id, e.what());
  }
}

void event_bridge::set_remote_backlog(std::function<std::size_t()> depth) { s_->remote_backlog = std::move(depth); }

void event_bridge::start() {
  net::post(s_->strand, [s = s_] { s->start(); });
}

void event_bridge::stop(std::function<void()> done) {
  net::post(s_->strand, [s = s_, done = std::move(done)]() mutable { s->begin_stop(std::move(done)); });
}

void event_bridge::publish(const event_ptr& ev) {
  if (!s_->cfg.publish || !ev) return;
  s_->enqueue(std::span<const event_ptr>(&ev, 1));
}

void event_bridge::publish(std::span<const event_ptr> events) {
  if (!s_->cfg.publish) return;
  // Null pointers are skipped, as by the single-event overload.
  std::size_t i = 0;
  while (i < events.size()) {
    std::size_t j = i;
    while (j < events.size() && events[j]) ++j;
    s_->enqueue(events.subspan(i, j - i));
    i = j + 1;
  }
}

void event_bridge::add_interest(const topic_pattern& p) {
  net::post(s_->strand, [s = s_, p] { s->add_interest(p); });
}

void event_bridge::remove_interest(const topic_pattern& p) {
  net::post(s_->strand, [s = s_, p] { s->remove_interest(p); });
}

const std::string& event_bridge::instance_id() const { return s_->id; }

event_bridge::health_info event_bridge::health() const {
  const auto& s = *s_;
  health_info h{};
  h.publisher_connected = s.pub_up.load(std::memory_order_relaxed);
  h.subscriber_connected = s.sub_up.load(std::memory_order_relaxed);
  h.published = s.published.value();
  h.received = s.received.value();
  h.self_filtered = s.self_filtered.value();
  h.gaps = s.gaps.value();
  h.dropped = s.dropped.value();
  h.reconnects = s.reconnects_pub.value() + s.reconnects_sub.value();
  h.decode_errors = s.decode_errors.value();
  h.read_pauses = s.read_pauses.value();
  h.last_lag_ns = s.last_lag.load(std::memory_order_relaxed);
  h.pending = s.pending_count.load(std::memory_order_relaxed);
  return h;
}

}  // namespace mdfan
