#include "server/ws_session.hpp"

#include <chrono>
#include <cstring>

#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "core/clock.hpp"

namespace mdfan::server_detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace proto = server_protocol;

namespace {
std::string peer_of(const tcp::socket& s) {
  error_code ec;
  const auto ep = s.remote_endpoint(ec);
  return ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
}

overflow_counters counters_of(server_metrics& m) {
  overflow_counters c;
  for (std::size_t i = 0; i < event_type_count; ++i) {
    c.conflated[i] = m.conflated[i];
    c.dropped[i] = m.dropped[i];
  }
  c.lost = &m.queue_drops;
  c.gap_notices = &m.gap_notices;
  return c;
}

// The queued-bytes gauge is shared by every session: touch it only on 64 KiB moves.
constexpr std::int64_t depth_step = 64 * 1024;
}  // namespace

ws_session::ws_session(tcp::socket&& socket, std::shared_ptr<server_state> state)
    : ws_(std::move(socket)),
      state_(std::move(state)),
      peer_(peer_of(beast::get_lowest_layer(ws_).socket())),
      queue_(state_->cfg.queue_max_messages, state_->cfg.queue_max_bytes, state_->cfg.slow_consumer,
             counters_of(state_->m)),
      limiter_(state_->cfg.max_messages_per_second, state_->cfg.rate_limit_close_after),
      close_timer_(ws_.get_executor()) {}

ws_session::~ws_session() {
  if (accepted_) state_->m.clients.add(-1);
  if (reported_bytes_ != 0) state_->m.queued_bytes.add(-reported_bytes_);
  const auto& st = queue_.stats();
  std::uint64_t lost = 0;
  std::uint64_t conflated = 0;
  for (std::size_t i = 0; i < event_type_count; ++i) {
    lost += st.dropped[i];
    conflated += st.conflated[i];
  }
  if (lost != 0 || conflated != 0) {
    state_->log->info(
        "client {} read too slowly: dropped {} (ticker {}, trade {}, book {}, candle {}), conflated {}, {} gap "
        "notices, {} book snapshots",
        peer_, lost, st.dropped[0], st.dropped[1], st.dropped[2], st.dropped[3], conflated, st.gap_notices,
        st.snapshots_requested);
  }
  state_->remove(this);
}

void ws_session::run(const http::request<http::string_body>& req) {
  if (!state_->add(this, weak_from_this())) {
    beast::get_lowest_layer(ws_).close();
    return;
  }
  const auto& cfg = state_->cfg;
  beast::get_lowest_layer(ws_).expires_never();  // the websocket timeout option takes over
  websocket::stream_base::timeout t{};
  t.handshake_timeout = cfg.handshake_timeout.count() > 0
                            ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(cfg.handshake_timeout)
                            : websocket::stream_base::none();
  t.idle_timeout = cfg.idle_timeout.count() > 0
                       ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(cfg.idle_timeout)
                       : websocket::stream_base::none();
  t.keep_alive_pings = cfg.idle_timeout.count() > 0;
  ws_.set_option(t);
  ws_.set_option(
      websocket::stream_base::decorator([](websocket::response_type& res) { res.set(http::field::server, "mdfan"); }));
  ws_.read_message_max(cfg.max_frame_bytes);
  ws_.auto_fragment(false);  // one frame per message: less framing work for us and the client
  ws_.text(true);
  // async_accept runs on the socket's executor, which is this session's strand.
  ws_.async_accept(req, beast::bind_front_handler(&ws_session::on_accept, shared_from_this()));
}

void ws_session::on_accept(error_code ec) {
  if (ec) {
    log_failure(*state_->log, ec, "websocket accept", peer_);
    return;
  }
  accepted_ = true;
  state_->m.clients.add(1);
  state_->log->debug("client {} connected", peer_);
  if (closing_) {  // shutdown arrived during the handshake
    closing_ = false;
    do_close(websocket::close_code::going_away, "server shutting down");
  }
  do_read();
}

void ws_session::shutdown() {
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    if (!self->accepted_) {
      // Still in the handshake: do_close runs once it completes (or the handshake fails).
      self->closing_ = true;
      self->closing_flag_.store(true, std::memory_order_relaxed);
      return;
    }
    self->do_close(websocket::close_code::going_away, "server shutting down");
  });
}

void ws_session::deliver(const event_ptr& ev) {
  if (closing_flag_.load(std::memory_order_relaxed)) return;
  net::post(ws_.get_executor(), [self = shared_from_this(), ev] { self->on_event(ev); });
}

void ws_session::on_event(const event_ptr& ev) { enqueue(outbound_frame{ev, nullptr}); }

void ws_session::reply(std::string text) {
  enqueue(outbound_frame{nullptr, std::make_shared<const std::string>(std::move(text))});
}

void ws_session::enqueue(outbound_frame f) {
  if (closing_ || ended_) return;
  switch (queue_.push(std::move(f))) {
    case push_result::disconnect: on_slow_consumer(); return;
    case push_result::resync: recover(); break;  // removing the topic's updates may have made room
    default: break;
  }
  report_depth();
  do_write();
}

void ws_session::on_slow_consumer() {
  state_->log->info("client {} is a slow consumer ({} frames / {} bytes queued): disconnecting", peer_, queue_.size(),
                    queue_.bytes());
  // Everything queued behind the frame in flight is lost (and counted, by type).
  queue_.discard(writing_ ? 1 : 0, true);
  state_->m.slow_disconnects.inc();
  report_depth();
  do_close(websocket::close_code::policy_error, "slow consumer");
}

void ws_session::recover() {
  snapshot_topics_.clear();
  queue_.recover(snapshot_topics_);
  for (auto& topic : snapshot_topics_) {
    state_->m.book_snapshots.inc();
    // The snapshot is taken on the manager strand, so every update routed after it reaches us after it.
    state_->mgr.post([self = shared_from_this(), topic = std::move(topic)]() mutable {
      auto snap = self->state_->mgr.latest(topic);
      net::post(self->ws_.get_executor(),
                [self, topic = std::move(topic), snap = std::move(snap)] { self->on_snapshot(topic, snap); });
    });
  }
}

void ws_session::on_snapshot(const std::string& topic, const event_ptr& snap) {
  if (!snap) {
    queue_.snapshot_unavailable(topic);
    return;
  }
  enqueue(outbound_frame{snap, nullptr});
}

void ws_session::forget_unsubscribed() {
  if (!queue_.recovering()) return;
  std::vector<topic_pattern> patterns;
  for (const auto& text : subscriptions_) {
    if (auto p = topic_pattern::parse(text)) patterns.push_back(std::move(*p));
  }
  queue_.forget_if([&](const published_event& e) {
    for (const auto& p : patterns) {
      if (p.matches(e.ev)) return false;
    }
    return true;
  });
}

void ws_session::report_depth() {
  const auto now = static_cast<std::int64_t>(queue_.bytes());
  const auto delta = now - reported_bytes_;
  if (delta >= depth_step || delta <= -depth_step || (now == 0 && reported_bytes_ != 0)) {
    state_->m.queued_bytes.add(delta);
    reported_bytes_ = now;
  }
}

void ws_session::do_write() {
  if (writing_ || closing_ || queue_.empty()) return;
  writing_ = true;
  queue_.begin_write();
  const auto bytes = queue_.front().bytes();
  ws_.async_write(net::buffer(bytes.data(), bytes.size()),
                  beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
}

void ws_session::on_write(error_code ec, std::size_t n) {
  writing_ = false;
  if (ec) {
    log_failure(*state_->log, ec, "write", peer_);
    // The stream is unusable: make sure the read side ends too.
    beast::get_lowest_layer(ws_).close();
    return;
  }
  state_->m.frames_out.inc();
  state_->m.bytes_out.inc(n);
  queue_.pop_front();
  if (queue_.recovering() && !closing_) recover();
  report_depth();
  do_write();
}

void ws_session::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&ws_session::on_read, shared_from_this()));
}

void ws_session::on_read(error_code ec, std::size_t /*n*/) {
  if (ec) {
    if (ec == websocket::error::message_too_big) {
      // Beast has already sent close 1009 (message too big) and torn the connection down.
      state_->m.client_errors.inc();
      state_->log->info("client {} sent a message over {} bytes: closed", peer_, state_->cfg.max_frame_bytes);
    }
    end(ec);
    return;
  }
  // While closing we keep reading: the client's close reply arrives through the read.
  if (!closing_) handle_message();
  buffer_.consume(buffer_.size());
  if (buffer_.capacity() > std::size_t{64} * 1024) buffer_.shrink_to_fit();  // one huge message must not pin memory
  do_read();
}

void ws_session::handle_message() {
  switch (limiter_.on_message(mono_ns())) {
    case rate_limiter::verdict::allow: break;
    case rate_limiter::verdict::reject:
      state_->m.client_errors.inc();
      reply(proto::make_error("rate limit", {}));
      return;
    case rate_limiter::verdict::close:
      state_->m.client_errors.inc();
      state_->log->info("client {} kept exceeding the message rate limit: closing", peer_);
      do_close(websocket::close_code::policy_error, "rate limit");
      return;
  }
  if (!ws_.got_text()) {
    state_->m.client_errors.inc();
    reply(proto::make_error("binary frames are not supported", {}));
    return;
  }
  // Reserve simdjson's padding after the message in the read buffer itself: no copy.
  const std::size_t size = buffer_.size();
  auto pad = buffer_.prepare(simdjson::SIMDJSON_PADDING);  // may move the data: take data() after
  std::memset(pad.data(), 0, pad.size());
  const auto* data = static_cast<const char*>(buffer_.data().data());
  proto::client_request req;
  std::string error;
  if (!proto::parse_request(data, size, size + simdjson::SIMDJSON_PADDING, req, error)) {
    state_->m.client_errors.inc();
    reply(proto::make_error(error, req.id));
    return;
  }
  handle_request(req);
}

void ws_session::handle_request(server_protocol::client_request& req) {
  auto& mgr = state_->mgr;
  switch (req.op) {
    case proto::client_op::ping: reply(proto::make_pong(wall_ns(), req.id)); return;
    case proto::client_op::subscribe: {
      std::size_t added = 0;
      for (const auto& p : req.patterns) added += subscriptions_.count(p.str()) == 0 ? 1 : 0;
      const std::size_t limit = state_->cfg.max_subscriptions;
      if (limit != 0 && subscriptions_.size() + added > limit) {
        state_->m.client_errors.inc();
        reply(proto::make_error(fmt::format("too many subscriptions (limit {}, have {}, asked for {} more)", limit,
                                            subscriptions_.size(), added),
                                req.id));
        return;
      }
      for (const auto& p : req.patterns) subscriptions_.insert(p.str());
      auto ack = std::make_shared<std::string>(proto::make_ack(req.op, req.patterns, req.id));
      // `done` runs on the manager strand after any snapshot was delivered (posted to our strand),
      // so posting the ack from there queues it behind the snapshot.
      mgr.subscribe(shared_from_this(), std::move(req.patterns), req.snapshot, [self = shared_from_this(), ack] {
        net::post(self->ws_.get_executor(), [self, ack] { self->reply(std::move(*ack)); });
      });
      return;
    }
    case proto::client_op::unsubscribe: {
      for (const auto& p : req.patterns) subscriptions_.erase(p.str());
      auto ack = std::make_shared<std::string>(proto::make_ack(req.op, req.patterns, req.id));
      mgr.unsubscribe(shared_from_this(), std::move(req.patterns));
      // Through the manager strand, so the ack follows every event routed before the unsubscribe.
      mgr.post([self = shared_from_this(), ack] {
        net::post(self->ws_.get_executor(), [self, ack] {
          self->forget_unsubscribed();  // held values of removed topics must not follow the ack
          self->reply(std::move(*ack));
        });
      });
      return;
    }
  }
}

void ws_session::do_close(websocket::close_code code, const char* reason) {
  if (closing_ || ended_) return;
  closing_ = true;
  closing_flag_.store(true, std::memory_order_relaxed);
  queue_.discard(writing_ ? 1 : 0);
  // A client that does not read cannot take our close frame either: bound the wait.
  const auto limit =
      state_->cfg.close_timeout.count() > 0 ? state_->cfg.close_timeout : std::chrono::milliseconds(5000);
  close_timer_.expires_after(limit);
  close_timer_.async_wait(beast::bind_front_handler(&ws_session::on_close_timeout, shared_from_this()));
  ws_.async_close(websocket::close_reason(code, reason),
                  beast::bind_front_handler(&ws_session::on_close, shared_from_this()));
}

void ws_session::on_close(error_code ec) {
  if (ec) log_failure(*state_->log, ec, "close", peer_);
}

void ws_session::on_close_timeout(error_code ec) {
  if (ec) return;  // cancelled: the session ended in time
  state_->log->debug("client {} did not complete the close in time: dropping the connection", peer_);
  beast::get_lowest_layer(ws_).close();
}

void ws_session::end(error_code ec) {
  if (ended_) return;
  ended_ = true;
  closing_ = true;
  closing_flag_.store(true, std::memory_order_relaxed);
  if (ec != websocket::error::message_too_big) log_failure(*state_->log, ec, "read", peer_);
  close_timer_.cancel();
  queue_.discard(writing_ ? 1 : 0);
  if (writing_) beast::get_lowest_layer(ws_).close();  // the connection is over: do not wait on the write
  state_->mgr.remove(this);
  state_->log->debug("client {} disconnected", peer_);
}

}  // namespace mdfan::server_detail
