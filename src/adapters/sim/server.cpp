#include "adapters/sim/server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <charconv>

#include "adapters/sim/json_out.hpp"
#include "core/clock.hpp"

namespace mdfan::sim {
namespace {

constexpr auto close_grace = std::chrono::seconds(2);
constexpr auto http_read_timeout = std::chrono::seconds(30);

bool benign(const error_code& ec) {
  return ec == net::error::operation_aborted || ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == beast::error::timeout || ec == http::error::end_of_stream;
}

}  // namespace

// --- hub

hub::hub(const sim_config& c, venue& v, spdlog::logger& l) : cfg(c), ven(v), log(l), subscribers_(v.topic_count()) {}

void hub::shutdown_all(bool websocket_only) {
  const std::vector<connection*> all(connections_.begin(), connections_.end());
  for (auto* c : all)
    if (!websocket_only || c->is_websocket()) c->shutdown();
}

void hub::subscribe(ws_session* s, std::uint32_t stream) {
  auto& v = subscribers_[stream];
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

void hub::unsubscribe(ws_session* s, std::uint32_t stream) {
  auto& v = subscribers_[stream];
  v.erase(std::remove(v.begin(), v.end(), s), v.end());
}

void hub::push(sim_message&& msg) {
  if (hook && !hook(ven.topic_name(msg.stream), msg)) return;
  // deliver() never runs a completion handler inline, so the list cannot change under this loop.
  for (auto* s : subscribers_[msg.stream]) s->deliver(msg);
}

// --- ws_session

ws_session::ws_session(tcp::socket&& socket, hub& h, std::unique_ptr<venue_session> state, venue_reply first)
    : socket_(std::move(socket)),
      hub_(h),
      state_(std::move(state)),
      first_(std::move(first)),
      ping_timer_(socket_.get_executor()),
      kill_timer_(socket_.get_executor()) {
  hub_.add(this);
}

ws_session::~ws_session() {
  for (const auto s : topics_) hub_.unsubscribe(this, s);
  hub_.remove(this);
  if (open_) hub_.stats.open_connections.fetch_sub(1, std::memory_order_relaxed);
}

void ws_session::run(const http::request<http::string_body>& req) {
  error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
  // Room for a full write batch: each turn of the event loop then moves a turn of the generator.
  socket_.set_option(net::socket_base::send_buffer_size(1 << 20), ec);
  upgrade_.version(11);
  upgrade_.result(http::status::switching_protocols);
  upgrade_.set(http::field::server, "mdfan-sim");
  upgrade_.set(http::field::upgrade, "websocket");
  upgrade_.set(http::field::connection, "Upgrade");
  upgrade_.set(http::field::sec_websocket_accept, websocket_accept_key(req[http::field::sec_websocket_key]));
  http::async_write(socket_, upgrade_, [self = shared_from_this()](error_code ec, std::size_t) { self->on_accept(ec); });
}

void ws_session::on_accept(error_code ec) {
  if (ec) return fail(ec, "upgrade");
  if (closing_) return;
  open_ = true;
  stat_counters::inc(hub_.stats.connections);
  stat_counters::inc(hub_.stats.open_connections);
  apply(std::move(first_));
  first_ = {};
  if (hub_.ven.server_pings()) arm_ping();
  do_read();
}

void ws_session::do_read() {
  socket_.async_read_some(in_.prepare(16 * 1024), [self = shared_from_this()](error_code ec, std::size_t n) {
    self->on_read(ec, n);
  });
}

void ws_session::on_read(error_code ec, std::size_t n) {
  if (ec) return fail(ec, "read");
  in_.commit(n);
  for (;;) {
    auto* data = static_cast<std::uint8_t*>(in_.data().data());
    const auto f = parse_client_frame(data, in_.size(), hub_.cfg.max_request_bytes);
    if (f.status == frame_info::result::incomplete) break;
    if (f.status == frame_info::result::error) return close(f.close_code, f.error);
    const std::string_view payload(reinterpret_cast<const char*>(data + f.header_size), f.payload_size);
    const bool more = on_frame(f, payload);
    in_.consume(f.header_size + f.payload_size);
    if (!more) return;
  }
  do_read();
}

bool ws_session::on_frame(const frame_info& f, std::string_view payload) {
  switch (f.op) {
    case ws_opcode::close:
      if (closing_) {  // the answer to our close: done
        shutdown();
        return false;
      }
      // Echo the peer's status code, then close once it is written.
      if (payload.size() >= 2) {
        close(static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1])), {});
      } else {
        close(1000, {});
      }
      return true;
    case ws_opcode::ping:
      if (!closing_) enqueue(ws_opcode::pong, std::make_shared<const std::string>(payload), {});
      return true;
    case ws_opcode::pong:
      oldest_unanswered_ping_ns_ = 0;
      stat_counters::inc(hub_.stats.pongs_received);
      return true;
    case ws_opcode::text:
    case ws_opcode::binary:
      if (in_message_) {
        close(1002, "expected a continuation frame");
        return false;
      }
      if (f.fin) {
        on_message(payload);
      } else {
        message_.assign(payload);
        in_message_ = true;
      }
      return true;
    case ws_opcode::continuation:
      if (!in_message_ || message_.size() + payload.size() > hub_.cfg.max_request_bytes) {
        close(in_message_ ? 1009 : 1002, in_message_ ? "message too big" : "unexpected continuation frame");
        return false;
      }
      message_.append(payload);
      if (f.fin) {
        in_message_ = false;
        on_message(message_);
        message_.clear();
      }
      return true;
  }
  return true;
}

void ws_session::on_message(std::string_view text) {
  if (closing_) return;
  stat_counters::inc(hub_.stats.requests);
  apply(hub_.ven.on_message(*state_, text));
}

// Frames first (a subscribe's ack and snapshot precede the topic's updates), then the topics.
void ws_session::apply(venue_reply&& r) {
  for (auto& f : r.frames) {
    auto owned = std::make_shared<const std::string>(std::move(f));
    const std::string_view view = *owned;
    enqueue(ws_opcode::text, std::move(owned), view);
    if (closing_) return;
  }
  for (const auto s : r.removed) {
    hub_.unsubscribe(this, s);
    topics_.erase(std::remove(topics_.begin(), topics_.end(), s), topics_.end());
  }
  for (const auto s : r.added) {
    if (s >= hub_.ven.topic_count()) continue;
    hub_.subscribe(this, s);
    if (std::find(topics_.begin(), topics_.end(), s) == topics_.end()) topics_.push_back(s);
  }
  if (r.close) close(r.close_code, r.close_reason);
}

void ws_session::deliver(const sim_message& msg) {
  if (closing_ || !open_) return;
  const std::string_view view = hub_.ven.render(*state_, msg, scratch_);
  if (!scratch_.empty() && view.data() >= scratch_.data() && view.data() < scratch_.data() + scratch_.size()) {
    // Built for this session only: the frame takes the buffer.
    const auto offset = static_cast<std::size_t>(view.data() - scratch_.data());
    auto owned = std::make_shared<const std::string>(std::move(scratch_));
    scratch_.clear();
    const std::string_view own_view = std::string_view(*owned).substr(offset, view.size());
    enqueue(ws_opcode::text, std::move(owned), own_view);
    return;
  }
  enqueue(ws_opcode::text, msg.text, view);
}

void ws_session::enqueue(ws_opcode op, std::shared_ptr<const std::string> owner, std::string_view payload) {
  if (op == ws_opcode::text &&
      (out_.size() >= hub_.cfg.max_queue_messages || out_bytes_ + payload.size() > hub_.cfg.max_queue_bytes)) {
    stat_counters::inc(hub_.stats.slow_disconnects);
    error_code ignored;
    hub_.log.warn("sim: slow consumer on port {} ({} messages, {} bytes queued): disconnecting",
                  socket_.remote_endpoint(ignored).port(), out_.size(), out_bytes_);
    return close(1008, "slow consumer: send queue full");
  }
  frame f;
  f.owner = std::move(owner);
  f.payload = payload;
  f.op = op;
  f.header_size = static_cast<std::uint8_t>(write_frame_header(op, payload.size(), f.header.data()));
  out_bytes_ += payload.size();
  out_.push_back(std::move(f));
  schedule_flush();
}

// Starts the write after the current handler, so a burst of deliveries goes out in one write.
void ws_session::schedule_flush() {
  if (writing_ || flush_pending_) return;
  flush_pending_ = true;
  net::post(socket_.get_executor(), [self = shared_from_this()] {
    self->flush_pending_ = false;
    if (!self->writing_ && !self->out_.empty()) self->do_write();
  });
}

void ws_session::do_write() {
  constexpr std::size_t max_batch = 1u << 20;  // one write drains a pacer turn for a busy subscriber
  wbuf_.clear();
  batch_text_frames_ = 0;
  while (!out_.empty() && wbuf_.size() < max_batch && !batch_has_close_) {
    auto& f = out_.front();
    wbuf_.append(reinterpret_cast<const char*>(f.header.data()), f.header_size);
    wbuf_.append(f.payload);
    out_bytes_ -= f.payload.size();
    if (f.op == ws_opcode::text) ++batch_text_frames_;
    if (f.op == ws_opcode::close) batch_has_close_ = true;
    out_.pop_front();
  }
  writing_ = true;
  net::async_write(socket_, net::buffer(wbuf_),
                   [self = shared_from_this()](error_code ec, std::size_t n) { self->on_write(ec, n); });
}

void ws_session::on_write(error_code ec, std::size_t n) {
  writing_ = false;
  if (ec) return fail(ec, "write");
  stat_counters::inc(hub_.stats.sent, batch_text_frames_);
  stat_counters::inc(hub_.stats.sent_bytes, n);
  if (batch_has_close_) {  // our close frame is out: no more writes; the read loop waits for the peer
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    return;
  }
  if (!out_.empty()) do_write();
}

void ws_session::arm_ping() {
  if (hub_.cfg.ping_interval.count() <= 0) return;
  ping_timer_.expires_after(hub_.cfg.ping_interval);
  ping_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->closing_) return;
    const auto now = mono_ns();
    const std::chrono::nanoseconds pong_timeout = self->hub_.cfg.pong_timeout;
    if (pong_timeout.count() > 0 && self->oldest_unanswered_ping_ns_ != 0 &&
        now - self->oldest_unanswered_ping_ns_ > pong_timeout.count())
      return self->close(1008, "pong timeout");
    if (self->oldest_unanswered_ping_ns_ == 0) self->oldest_unanswered_ping_ns_ = now;
    stat_counters::inc(self->hub_.stats.pings_sent);
    self->enqueue(ws_opcode::ping, nullptr, {});
    self->arm_ping();
  });
}

// Starts the closing handshake: queued data is dropped, the close frame goes out next (after the
// write in flight), and the socket is closed when the peer answers or after close_grace.
void ws_session::close(std::uint16_t code, std::string_view reason) {
  if (closing_) return;
  closing_ = true;
  out_.clear();
  out_bytes_ = 0;
  ping_timer_.cancel();
  auto payload = std::make_shared<std::string>();
  payload->push_back(static_cast<char>(code >> 8));
  payload->push_back(static_cast<char>(code & 0xff));
  payload->append(reason.substr(0, 123));
  const std::string_view view = *payload;
  enqueue(ws_opcode::close, std::move(payload), view);
  hub_.log.debug("sim: closing websocket ({} {})", code, reason);
  kill_timer_.expires_after(close_grace);
  kill_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec) return;
    self->hub_.log.debug("sim: closing handshake timed out");
    self->shutdown();
  });
}

void ws_session::fail(error_code ec, const char* what) {
  if (!closing_ && !benign(ec)) hub_.log.debug("sim: websocket {}: {}", what, ec.message());
  shutdown();
}

void ws_session::shutdown() {
  closing_ = true;
  out_.clear();
  out_bytes_ = 0;
  ping_timer_.cancel();
  kill_timer_.cancel();
  error_code ec;
  socket_.close(ec);
}

// --- http_session

http_session::http_session(tcp::socket&& socket, hub& h) : stream_(std::move(socket)), hub_(h) { hub_.add(this); }

http_session::~http_session() { hub_.remove(this); }

void http_session::shutdown() { stream_.close(); }

void http_session::do_read() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(hub_.cfg.max_request_bytes, UINT32_MAX)));
  parser_->body_limit(hub_.cfg.max_request_bytes);
  stream_.expires_after(http_read_timeout);
  http::async_read(stream_, buf_, *parser_,
                   [self = shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void http_session::on_read(error_code ec, std::size_t) {
  if (ec) {
    if (!benign(ec)) hub_.log.debug("sim: http read: {}", ec.message());
    return stream_.close();
  }
  auto req = parser_->release();
  if (beast::websocket::is_upgrade(req)) {
    std::string error;
    venue_reply first;
    std::unique_ptr<venue_session> state;
    if (req[http::field::sec_websocket_key].empty() || req[http::field::sec_websocket_version] != "13")
      error = "bad websocket handshake";
    if (error.empty()) state = hub_.ven.open(req.target(), first, error);
    if (!state) {
      if (error.empty()) error = "not found";
      std::string body = R"({"code":-1,"msg":)";
      append_escaped(body, error);
      body += '}';
      return respond(http::status::bad_request, std::move(body), false);
    }
    stream_.expires_never();
    std::make_shared<ws_session>(stream_.release_socket(), hub_, std::move(state), std::move(first))->run(req);
    return;
  }
  stat_counters::inc(hub_.stats.http_requests);
  if (req.method() != http::verb::get) return respond(http::status::method_not_allowed, R"({"code":-1,"msg":"GET only"})", false);
  route(req);
}

void http_session::route(const http::request<http::string_body>& req) {
  const bool keep = req.keep_alive();
  auto reply = hub_.ven.rest(req.target());
  if (!reply) return respond(http::status::not_found, R"({"code":-1,"msg":"not found"})", keep);
  respond(static_cast<http::status>(reply->status), std::move(reply->body), keep);
}

void http_session::respond(http::status status, std::string body, bool keep_alive) {
  res_ = {};
  res_.version(11);
  res_.result(status);
  res_.set(http::field::server, "mdfan-sim");
  res_.set(http::field::content_type, "application/json;charset=UTF-8");
  res_.keep_alive(keep_alive);
  res_.body() = std::move(body);
  res_.prepare_payload();
  http::async_write(stream_, res_, [self = shared_from_this(), keep_alive](error_code ec, std::size_t) {
    if (ec || !keep_alive) return self->stream_.close();
    self->do_read();
  });
}

// --- listener

listener::listener(net::io_context& ioc, const tcp::endpoint& ep, hub& h) : acceptor_(ioc), retry_(ioc), hub_(h) {
  acceptor_.open(ep.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));  // restart on the same port at once
  acceptor_.bind(ep);
  acceptor_.listen(net::socket_base::max_listen_connections);
}

void listener::stop() {
  error_code ec;
  retry_.cancel();
  acceptor_.close(ec);
}

std::uint16_t listener::port() const {
  error_code ec;
  return acceptor_.local_endpoint(ec).port();
}

void listener::do_accept() {
  acceptor_.async_accept([self = shared_from_this()](error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
    if (ec) {  // e.g. out of descriptors: back off a little instead of spinning
      self->hub_.log.warn("sim: accept: {}", ec.message());
      self->retry_.expires_after(std::chrono::milliseconds(100));
      self->retry_.async_wait([self](error_code ec) {
        if (!ec) self->do_accept();
      });
      return;
    }
    if (self->hub_.connection_count() >= self->hub_.cfg.max_connections) {
      stat_counters::inc(self->hub_.stats.rejected);
      socket.close(ec);
    } else {
      std::make_shared<http_session>(std::move(socket), self->hub_)->run();
    }
    self->do_accept();
  });
}

}  // namespace mdfan::sim
