#include "server/ws_session.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/field.hpp>
#include <fmt/format.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "core/clock.hpp"

namespace mdfan::server_detail {

namespace http = boost::beast::http;
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

// Bytes of one data frame on the wire.
std::size_t frame_size(const outbound_frame& f) noexcept {
  const auto n = f.bytes().size();
  return ws::header_size(n) + n;
}

std::string refusal(http::status status, std::string_view body, bool version_hint) {
  std::string r = fmt::format("HTTP/1.1 {} {}\r\nServer: mdfan\r\nConnection: close\r\n", static_cast<unsigned>(status),
                              std::string_view(http::obsolete_reason(status)));
  if (version_hint) r += "Sec-WebSocket-Version: 13\r\n";
  r += fmt::format("Content-Type: text/plain\r\nContent-Length: {}\r\n\r\n", body.size());
  r += body;
  return r;
}

// Client bytes are read into this per-thread buffer and parsed at once: an idle session holds no
// read buffer (the frame reader keeps only what a partial frame needs).
constexpr std::size_t read_chunk = 16 * 1024;
thread_local char read_buffer[read_chunk];

}  // namespace

void tiny_spinlock::lock() noexcept {
  while (flag_.test_and_set(std::memory_order_acquire)) {
    while (flag_.test(std::memory_order_relaxed)) std::this_thread::yield();
  }
}

ws_session::ws_session(tcp::socket&& socket, std::shared_ptr<server_state> state)
    : socket_(std::move(socket)),
      state_(std::move(state)),
      peer_(peer_of(socket_)),
      reader_(state_->cfg.max_frame_bytes, simdjson::SIMDJSON_PADDING),
      queue_(state_->cfg.queue_max_messages, state_->cfg.queue_max_bytes, state_->cfg.slow_consumer,
             counters_of(state_->m)),
      limiter_(state_->cfg.max_messages_per_second, state_->cfg.rate_limit_close_after),
      timer_(socket_.get_executor()),
      // The inbox only grows while this session's thread does not run; a whole send queue's worth of
      // events waiting there means the server's CPU is saturated (the queue's policies never saw them).
      inbox_limit_(state_->cfg.queue_max_messages == 0
                       ? 0
                       : std::max<std::size_t>(state_->cfg.queue_max_messages, 4096)) {}

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

// ---- handshake -----------------------------------------------------------------------------------

void ws_session::run(const http::request<http::string_body>& req, std::string leftover) {
  if (!state_->add(this, weak_from_this())) {
    error_code ec;
    socket_.close(ec);
    return;
  }
  const auto& cfg = state_->cfg;
  const auto key = req[http::field::sec_websocket_key];
  const auto version = req[http::field::sec_websocket_version];
  bool refused = true;
  if (req.method() != http::verb::get || req.version() != 11) {
    handshake_ = refusal(http::status::bad_request, "a WebSocket upgrade is a GET over HTTP/1.1\n", false);
  } else if (key.empty() || key.size() > 64) {
    handshake_ = refusal(http::status::bad_request, "missing or bad Sec-WebSocket-Key\n", false);
  } else if (version != "13") {
    handshake_ = refusal(http::status::upgrade_required, "unsupported Sec-WebSocket-Version\n", true);
  } else {
    refused = false;
    handshake_ = fmt::format(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
        "{}\r\nServer: mdfan\r\n\r\n",
        ws::accept_key(std::string_view(key.data(), key.size())));
  }
  if (refused) state_->log->debug("client {}: refused WebSocket upgrade", peer_);
  if (cfg.handshake_timeout.count() > 0) arm_timer(cfg.handshake_timeout);
  // The socket's executor is this session's strand: the handlers run there.
  net::async_write(socket_, net::buffer(handshake_),
                   [self = shared_from_this(), refused, leftover = std::move(leftover)](error_code ec, std::size_t) {
                     std::string().swap(self->handshake_);
                     if (refused) {
                       error_code ignored;
                       self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
                       self->end(ec ? ec : net::error::operation_aborted);  // refusal already logged
                       return;
                     }
                     self->on_handshake(ec, leftover);
                   });
}

void ws_session::on_handshake(error_code ec, const std::string& leftover) {
  if (ec) {
    log_failure(*state_->log, ec, "websocket accept", peer_);
    end(ec);
    return;
  }
  accepted_ = true;
  state_->m.clients.add(1);
  state_->log->debug("client {} connected", peer_);
  error_code ignored;
  socket_.non_blocking(true, ignored);
  socket_.set_option(tcp::no_delay(true), ignored);
  const auto idle = state_->cfg.idle_timeout;
  if (idle.count() > 0) {
    arm_timer(std::max(idle / 2, std::chrono::milliseconds(1)));
  } else {
    timer_.cancel();
  }
  if (closing_) {  // shutdown arrived during the handshake
    closing_ = false;
    do_close(ws::close_going_away, "server shutting down", state_->cfg.shutdown_close_timeout);
  }
  if (!leftover.empty() && !consume(leftover.data(), leftover.size())) return;
  flush();
  do_read();
}

void ws_session::shutdown() {
  net::post(socket_.get_executor(), [self = shared_from_this()] {
    if (!self->accepted_) {
      // Still in the handshake: do_close runs once it completes (or the handshake fails).
      self->closing_ = true;
      self->closing_flag_.store(true, std::memory_order_relaxed);
      return;
    }
    self->do_close(ws::close_going_away, "server shutting down", self->state_->cfg.shutdown_close_timeout);
  });
}

// ---- events from the manager -------------------------------------------------------------------

void ws_session::deliver(const event_ptr& ev) {
  if (closing_flag_.load(std::memory_order_relaxed)) return;
  bool post = false;
  {
    std::lock_guard lock(inbox_lock_);
    if (inbox_limit_ != 0 && inbox_.size() >= inbox_limit_) {
      ++inbox_refused_;  // the drain disconnects the client
    } else {
      inbox_.push_back(ev);
    }
    post = !std::exchange(inbox_posted_, true);
  }
  if (post) net::post(socket_.get_executor(), [self = shared_from_this()] { self->drain_inbox(); });
}

void ws_session::drain_inbox() {
  std::size_t refused = 0;
  {
    std::lock_guard lock(inbox_lock_);
    draining_.swap(inbox_);
    inbox_posted_ = false;
    refused = std::exchange(inbox_refused_, 0);
  }
  if (refused != 0) return on_overload(draining_.size(), refused);
  for (auto& ev : draining_) enqueue(outbound_frame{std::move(ev), nullptr});
  draining_.clear();  // its capacity is kept while events flow; release_idle_memory() frees it
  flush();
}

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
}

void ws_session::on_slow_consumer() {
  state_->log->info("client {} is a slow consumer ({} frames / {} bytes queued): disconnecting", peer_, queue_.size(),
                    queue_.bytes());
  // Everything queued behind a frame partly written is lost (and counted, by type).
  queue_.discard(front_written_ > 0 ? 1 : 0, true);
  state_->m.slow_disconnects.inc();
  report_depth();
  do_close(ws::close_policy_error, "slow consumer");
}

void ws_session::on_overload(std::size_t waiting, std::size_t refused) {
  draining_.clear();
  if (closing_ || ended_) return;
  state_->log->warn("client {}: {} events waited for its session thread and {} more were refused: server "
                    "overloaded, disconnecting",
                    peer_, waiting, refused);
  state_->m.overload_disconnects.inc();
  state_->m.queue_drops.inc(waiting + refused);
  queue_.discard(front_written_ > 0 ? 1 : 0, true);
  report_depth();
  do_close(ws::close_try_again_later, "server overloaded");
}

void ws_session::recover() {
  snapshot_topics_.clear();
  queue_.recover(snapshot_topics_);
  for (auto& topic : snapshot_topics_) {
    state_->m.book_snapshots.inc();
    // The snapshot is taken on the manager strand and goes through the inbox like an event, so every
    // update routed after it reaches us after it.
    state_->mgr.post([self = shared_from_this(), topic = std::move(topic)]() mutable {
      if (auto snap = self->state_->mgr.latest(topic)) {
        self->deliver(snap);
        return;
      }
      net::post(self->socket_.get_executor(),
                [self, topic = std::move(topic)] { self->queue_.snapshot_unavailable(topic); });
    });
  }
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

// ---- the write path --------------------------------------------------------------------------------

// Writes, in one sendmsg per round, what is due in this order: the rest of a frame partly written,
// the control frames, then queued frames (up to max_write_frames / max_write_bytes a round). Rounds
// go on until nothing is left or the socket is full; then one wait for writability.
void ws_session::flush() {
  if (ended_ || !accepted_ || write_waiting_ || shut_down_) return;
  const int fd = socket_.native_handle();
  constexpr std::size_t max_iov = 2 * max_write_frames + 2;
  iovec iov[max_iov];
  std::uint8_t headers[max_write_frames][ws::max_header_bytes];
  while (true) {
    std::size_t niov = 0;
    std::size_t total = 0;
    std::size_t frames = 0;
    auto add = [&](const void* p, std::size_t n) {
      if (n == 0) return;
      iov[niov].iov_base = const_cast<void*>(p);  // NOLINT: sendmsg does not write through it
      iov[niov].iov_len = n;
      ++niov;
      total += n;
    };
    auto add_frame = [&](const outbound_frame& f, std::size_t skip) {
      const auto payload = f.bytes();
      auto* h = headers[frames++];
      const auto hl = ws::write_header(h, ws::opcode::text, payload.size());
      if (skip < hl) {
        add(h + skip, hl - skip);
        add(payload.data(), payload.size());
      } else {
        add(payload.data() + (skip - hl), payload.size() - (skip - hl));
      }
    };
    std::size_t next = 0;
    if (front_written_ > 0) {
      add_frame(queue_.front(), front_written_);
      next = 1;
    }
    add(control_.data(), control_.size());
    if (!closing_) {  // nothing follows our close frame
      while (next < queue_.size() && frames < max_write_frames && (total < max_write_bytes || frames == 0)) {
        add_frame(queue_[next++], 0);
      }
    }
    if (niov == 0) break;
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = niov;
    const auto sent = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        wait_writable();
        return;
      }
      const error_code ec(errno, boost::system::system_category());
      log_failure(*state_->log, ec, "write", peer_);
      end(ec);
      return;
    }
    auto left = static_cast<std::size_t>(sent);
    std::size_t done = 0;
    std::size_t payload_bytes = 0;  // of the frames completed (the metric counts payload, as before)
    if (front_written_ > 0) {
      const auto rest = frame_size(queue_.front()) - front_written_;
      if (left >= rest) {
        left -= rest;
        front_written_ = 0;
        payload_bytes += queue_.front().bytes().size();
        queue_.pop_front();
        ++done;
      } else {
        front_written_ += left;
        left = 0;
      }
    }
    if (left > 0 && !control_.empty()) {
      const auto n = std::min(left, control_.size());
      control_.erase(0, n);
      left -= n;
      if (control_.empty() && control_.capacity() > 256) std::string().swap(control_);
    }
    while (left > 0) {
      const auto fs = frame_size(queue_.front());
      if (left < fs) {
        front_written_ = left;
        queue_.begin_write();  // it must not be replaced or removed now
        break;
      }
      left -= fs;
      payload_bytes += queue_.front().bytes().size();
      queue_.pop_front();
      ++done;
    }
    if (done != 0) {
      state_->m.frames_out.inc(done);
      state_->m.bytes_out.inc(payload_bytes);
    }
    if (queue_.recovering() && !closing_) recover();
    report_depth();
    if (static_cast<std::size_t>(sent) < total) {  // the socket is full
      wait_writable();
      return;
    }
  }
  if (closing_ && !close_written_ && control_.empty() && front_written_ == 0) {
    close_written_ = true;
    after_close_written();
  }
}

void ws_session::wait_writable() {
  write_waiting_ = true;
  socket_.async_wait(tcp::socket::wait_write, [self = shared_from_this()](error_code ec) {
    self->write_waiting_ = false;
    if (ec) return;  // the socket was closed: the read side ends the session
    self->flush();
  });
}

// ---- the read path ---------------------------------------------------------------------------------

void ws_session::do_read() {
  if (reading_ || ended_) return;
  reading_ = true;
  socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](error_code ec) { self->on_readable(ec); });
}

void ws_session::on_readable(error_code ec) {
  reading_ = false;
  if (ec) {
    end(ec);
    return;
  }
  // A few chunks at most per wakeup, so one chatty client cannot hog the strand.
  for (int round = 0; round < 4; ++round) {
    const auto n = socket_.read_some(net::buffer(read_buffer, read_chunk), ec);
    if (ec == net::error::would_block || ec == net::error::try_again) break;
    if (ec) {
      end(ec);
      return;
    }
    rx_since_tick_ = true;
    ping_sent_ = false;
    if (!consume(read_buffer, n)) return;
    if (n < read_chunk) break;
  }
  flush();
  do_read();
}

bool ws_session::consume(const char* data, std::size_t size) {
  while (size > 0 && !ended_) {
    std::size_t used = 0;
    const auto e = reader_.feed(data, size, used);
    data += used;
    size -= used;
    switch (e.what) {
      case ws::frame_reader::kind::none: break;
      case ws::frame_reader::kind::message:
        // While closing we keep reading: the client's close reply arrives through the read.
        if (!closing_) {
          handle_message(e.op, e.payload);
          flush();  // replies go out as they are made: a close later in this read must not discard them
        }
        reader_.release_message();
        break;
      case ws::frame_reader::kind::ping:
        if (!closing_) ws::append_control(control_, ws::opcode::pong, e.payload);
        break;
      case ws::frame_reader::kind::pong: break;
      case ws::frame_reader::kind::close:
        close_received_ = true;
        if (!closing_) {  // the client starts the close: echo its code
          closing_ = true;
          closing_flag_.store(true, std::memory_order_relaxed);
          queue_.discard(front_written_ > 0 ? 1 : 0);
          report_depth();
          if (e.code == ws::close_no_status) {
            ws::append_control(control_, ws::opcode::close, {});
          } else {
            ws::append_close(control_, e.code, {});
          }
          arm_timer(state_->cfg.close_timeout.count() > 0 ? state_->cfg.close_timeout
                                                          : std::chrono::milliseconds(5000));
        } else if (close_written_) {
          after_close_written();
        }
        break;
      case ws::frame_reader::kind::error:
        state_->m.client_errors.inc();
        if (e.code == ws::close_too_big) {
          state_->log->info("client {} sent a message over {} bytes: closing", peer_, state_->cfg.max_frame_bytes);
        } else {
          state_->log->info("client {} broke the WebSocket protocol ({}): closing", peer_, e.reason);
        }
        close_received_ = true;  // failing the connection: no close reply is awaited
        do_close(e.code, e.reason);
        if (close_written_) after_close_written();
        break;
    }
  }
  return !ended_;
}

void ws_session::handle_message(ws::opcode op, std::string_view payload) {
  if (op == ws::opcode::text && !simdjson::validate_utf8(payload.data(), payload.size())) {
    state_->m.client_errors.inc();
    state_->log->info("client {} sent a text message that is not UTF-8: closing", peer_);
    close_received_ = true;
    do_close(ws::close_bad_payload, "invalid UTF-8");
    return;
  }
  switch (limiter_.on_message(mono_ns())) {
    case rate_limiter::verdict::allow: break;
    case rate_limiter::verdict::reject:
      state_->m.client_errors.inc();
      reply(proto::make_error("rate limit", {}));
      return;
    case rate_limiter::verdict::close:
      state_->m.client_errors.inc();
      state_->log->info("client {} kept exceeding the message rate limit: closing", peer_);
      do_close(ws::close_policy_error, "rate limit");
      return;
  }
  if (op != ws::opcode::text) {
    state_->m.client_errors.inc();
    reply(proto::make_error("binary frames are not supported", {}));
    return;
  }
  // The reader leaves simdjson's padding after the message: no copy.
  proto::client_request req;
  std::string error;
  if (!proto::parse_request(payload.data(), payload.size(), payload.size() + simdjson::SIMDJSON_PADDING, req, error)) {
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
      // `done` runs on the manager strand after any snapshot was delivered (into the inbox, whose
      // drain is posted before this), so posting the ack from there queues it behind the snapshot.
      mgr.subscribe(shared_from_this(), std::move(req.patterns), req.snapshot, [self = shared_from_this(), ack] {
        net::post(self->socket_.get_executor(), [self, ack] {
          self->reply(std::move(*ack));
          self->flush();
        });
      });
      return;
    }
    case proto::client_op::unsubscribe: {
      for (const auto& p : req.patterns) subscriptions_.erase(p.str());
      auto ack = std::make_shared<std::string>(proto::make_ack(req.op, req.patterns, req.id));
      mgr.unsubscribe(shared_from_this(), std::move(req.patterns));
      // Through the manager strand, so the ack follows every event routed before the unsubscribe.
      mgr.post([self = shared_from_this(), ack] {
        net::post(self->socket_.get_executor(), [self, ack] {
          self->forget_unsubscribed();  // held values of removed topics must not follow the ack
          self->reply(std::move(*ack));
          self->flush();
        });
      });
      return;
    }
  }
}

// ---- closing ---------------------------------------------------------------------------------------

void ws_session::do_close(std::uint16_t code, std::string_view reason, std::chrono::milliseconds wait) {
  if (closing_ || ended_) return;
  closing_ = true;
  closing_flag_.store(true, std::memory_order_relaxed);
  queue_.discard(front_written_ > 0 ? 1 : 0);
  report_depth();
  ws::append_close(control_, code, reason);
  // A client that does not read cannot take our close frame either: bound the wait.
  if (wait.count() <= 0) wait = state_->cfg.close_timeout;
  arm_timer(wait.count() > 0 ? wait : std::chrono::milliseconds(5000));
  flush();
}

// Our close frame is on the wire. Once the client's has arrived too (or we are failing the
// connection), stop sending; the client then closes and its EOF ends the session.
void ws_session::after_close_written() {
  if (!close_received_ || shut_down_ || ended_) return;
  shut_down_ = true;
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
}

void ws_session::arm_timer(std::chrono::milliseconds after) {
  timer_.expires_after(after);
  timer_.async_wait([self = shared_from_this()](error_code ec) { self->on_timer(ec); });
}

void ws_session::on_timer(error_code ec) {
  if (ec || ended_) return;                                        // cancelled
  if (timer_.expiry() > std::chrono::steady_clock::now()) return;  // re-armed since: its own wait follows
  if (!accepted_) {
    state_->log->debug("client {} did not complete the handshake in time", peer_);
    end(boost::beast::error::timeout);  // benign: logged at debug
    return;
  }
  if (closing_) {
    state_->log->debug("client {} did not complete the close in time: dropping the connection", peer_);
    end(boost::beast::error::timeout);  // benign: logged at debug
    return;
  }
  release_idle_memory();
  if (rx_since_tick_) {
    rx_since_tick_ = false;
  } else if (ping_sent_) {
    state_->log->debug("client {} stopped answering pings: dropping the connection", peer_);
    end(boost::beast::error::timeout);  // benign: logged at debug
    return;
  } else {
    ping_sent_ = true;
    ws::append_control(control_, ws::opcode::ping, {});
    flush();
  }
  arm_timer(std::max(state_->cfg.idle_timeout / 2, std::chrono::milliseconds(1)));
}

// On each keep-alive tick: blocks grown by traffic are freed once nothing is queued, so a client
// that went quiet costs little, while one that keeps up does not reallocate on every write.
void ws_session::release_idle_memory() {
  if (!queue_.empty() || front_written_ != 0) return;
  queue_.release_memory();
  std::vector<event_ptr>().swap(draining_);
  std::lock_guard lock(inbox_lock_);
  if (inbox_.empty()) std::vector<event_ptr>().swap(inbox_);
}

void ws_session::end(error_code ec) {
  if (ended_) return;
  ended_ = true;
  closing_ = true;
  closing_flag_.store(true, std::memory_order_relaxed);
  log_failure(*state_->log, ec, "read", peer_);
  timer_.cancel();
  queue_.discard(0);
  report_depth();
  {
    std::lock_guard lock(inbox_lock_);
    inbox_.clear();
  }
  error_code ignored;
  socket_.close(ignored);  // ends the pending waits
  state_->mgr.remove(this);
  state_->log->debug("client {} disconnected", peer_);
}

}  // namespace mdfan::server_detail
