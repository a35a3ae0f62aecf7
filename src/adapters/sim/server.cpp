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
constexpr std::size_t max_depth_limit = 5000;  // Binance's maximum
constexpr std::size_t default_depth_limit = 100;

bool benign(const error_code& ec) {
  return ec == net::error::operation_aborted || ec == websocket::error::closed || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == beast::error::timeout || ec == http::error::end_of_stream;
}

}  // namespace

// --- hub

hub::hub(const sim_config& c, spdlog::logger& l)
    : cfg(c),
      log(l),
      feed(c.symbols, c.seed, c.rate, c.start_time_ms ? c.start_time_ms : wall_ns() / 1'000'000),
      subscribers_(feed.catalog().size()) {}

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
  if (hook && !hook(feed.catalog().name(msg.stream), msg)) return;
  // deliver() never runs a completion handler inline, so the list cannot change under this loop.
  for (auto* s : subscribers_[msg.stream]) s->deliver(msg);
}

// --- ws_session

ws_session::ws_session(tcp::socket&& socket, hub& h, subscription_set subs)
    : ws_(std::move(socket)),
      hub_(h),
      subs_(std::move(subs)),
      ping_timer_(ws_.get_executor()),
      kill_timer_(ws_.get_executor()) {
  hub_.add(this);
}

ws_session::~ws_session() {
  for (const auto s : subs_.streams) hub_.unsubscribe(this, s);
  hub_.remove(this);
  if (open_) hub_.stats.open_connections.fetch_sub(1, std::memory_order_relaxed);
}

void ws_session::run(http::request<http::string_body> req) {
  beast::get_lowest_layer(ws_).expires_never();
  ws_.set_option(websocket::stream_base::timeout{std::chrono::seconds(10), websocket::stream_base::none(), false});
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "mdfan-sim"); }));
  ws_.read_message_max(hub_.cfg.max_request_bytes);
  ws_.auto_fragment(false);
  ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
    if (kind != websocket::frame_type::pong) return;  // pings from the client are answered by Beast
    oldest_unanswered_ping_ns_ = 0;
    stat_counters::inc(hub_.stats.pongs_received);
  });
  error_code ec;
  beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ec);
  ws_.async_accept(req, [self = shared_from_this()](error_code ec) { self->on_accept(ec); });
}

void ws_session::on_accept(error_code ec) {
  if (ec) return fail(ec, "accept");
  if (closing_) return;
  open_ = true;
  stat_counters::inc(hub_.stats.connections);
  stat_counters::inc(hub_.stats.open_connections);
  for (const auto s : subs_.streams) hub_.subscribe(this, s);
  arm_ping();
  do_read();
}

void ws_session::do_read() {
  ws_.async_read(in_, [self = shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void ws_session::on_read(error_code ec, std::size_t) {
  if (ec) return fail(ec, "read");
  if (closing_) return;
  stat_counters::inc(hub_.stats.requests);
  const auto text = beast::buffers_to_string(in_.data());
  in_.consume(in_.size());
  auto r = handle_request(text, hub_.feed.catalog(), hub_.cfg.max_streams, subs_);
  for (const auto s : r.added) hub_.subscribe(this, s);
  for (const auto s : r.removed) hub_.unsubscribe(this, s);
  auto reply = std::make_shared<const std::string>(std::move(r.reply));
  const std::string_view view = *reply;
  enqueue(frame{std::move(reply), view});
  do_read();
}

void ws_session::deliver(const sim_message& msg) {
  if (closing_ || !open_) return;
  enqueue(frame{msg.text, subs_.combined ? msg.combined() : msg.payload()});
}

void ws_session::enqueue(frame f) {
  if (closing_) return;
  if (out_.size() >= hub_.cfg.max_queue_messages || out_bytes_ + f.text.size() > hub_.cfg.max_queue_bytes) {
    stat_counters::inc(hub_.stats.slow_disconnects);
    error_code ignored;
    const auto peer = beast::get_lowest_layer(ws_).socket().remote_endpoint(ignored);
    hub_.log.warn("sim: slow consumer on port {} ({} messages, {} bytes queued): disconnecting", peer.port(),
                  out_.size(), out_bytes_);
    return close(websocket::close_reason(websocket::close_code::policy_error, "slow consumer: send queue full"));
  }
  out_bytes_ += f.text.size();
  out_.push_back(std::move(f));
  if (!writing_) do_write();
}

void ws_session::do_write() {
  writing_ = true;
  inflight_ = std::move(out_.front());
  out_.pop_front();
  out_bytes_ -= inflight_.text.size();
  ws_.text(true);
  ws_.async_write(net::buffer(inflight_.text.data(), inflight_.text.size()),
                  [self = shared_from_this()](error_code ec, std::size_t n) { self->on_write(ec, n); });
}

void ws_session::on_write(error_code ec, std::size_t n) {
  writing_ = false;
  inflight_ = {};
  if (ec) return fail(ec, "write");
  stat_counters::inc(hub_.stats.sent);
  stat_counters::inc(hub_.stats.sent_bytes, n);
  if (!closing_ && !out_.empty()) do_write();
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
      return self->close(websocket::close_reason(websocket::close_code::policy_error, "pong timeout"));
    if (!self->ping_in_flight_) {
      self->ping_in_flight_ = true;
      if (self->oldest_unanswered_ping_ns_ == 0) self->oldest_unanswered_ping_ns_ = now;
      stat_counters::inc(self->hub_.stats.pings_sent);
      self->ws_.async_ping({}, [self](error_code ec) {
        self->ping_in_flight_ = false;
        if (ec) self->fail(ec, "ping");
      });
    }
    self->arm_ping();
  });
}

// A closing handshake with a reason, bounded by close_grace.
void ws_session::close(websocket::close_reason reason) {
  if (closing_) return;
  closing_ = true;
  out_.clear();
  out_bytes_ = 0;
  ping_timer_.cancel();
  kill_timer_.expires_after(close_grace);
  kill_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec) beast::get_lowest_layer(self->ws_).close();
  });
  ws_.async_close(reason, [self = shared_from_this()](error_code) {
    self->kill_timer_.cancel();
    beast::get_lowest_layer(self->ws_).close();
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
  beast::get_lowest_layer(ws_).close();
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
  if (websocket::is_upgrade(req)) {
    subscription_set subs;
    std::string error;
    if (!parse_stream_target(req.target(), hub_.feed.catalog(), hub_.cfg.max_streams, subs, error)) {
      std::string body = R"({"code":-1,"msg":)";
      append_escaped(body, error);
      body += '}';
      return respond(http::status::bad_request, std::move(body), false);
    }
    std::make_shared<ws_session>(stream_.release_socket(), hub_, std::move(subs))->run(std::move(req));
    return;
  }
  stat_counters::inc(hub_.stats.http_requests);
  if (req.method() != http::verb::get) return respond(http::status::method_not_allowed, R"({"code":-1,"msg":"GET only"})", false);
  route(req);
}

void http_session::route(const http::request<http::string_body>& req) {
  const bool keep = req.keep_alive();
  auto url = boost::urls::parse_origin_form(req.target());
  if (!url) return respond(http::status::bad_request, R"({"code":-1,"msg":"bad target"})", false);
  const std::string path = url->path();
  if (path == "/api/v3/ping") return respond(http::status::ok, "{}", keep);
  if (path == "/api/v3/time")
    return respond(http::status::ok, R"({"serverTime":)" + std::to_string(hub_.feed.now_ms()) + "}", keep);
  if (path != "/api/v3/depth") return respond(http::status::not_found, R"({"code":-1,"msg":"not found"})", keep);

  const auto params = url->params();
  const auto sym = params.find("symbol");
  if (sym == params.end() || (*sym).value.empty())
    return respond(http::status::bad_request,
                   R"({"code":-1102,"msg":"Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."})",
                   keep);
  const auto index = hub_.feed.mkt().find((*sym).value);
  if (index < 0) return respond(http::status::bad_request, R"({"code":-1121,"msg":"Invalid symbol."})", keep);
  std::size_t limit = default_depth_limit;
  if (const auto lim = params.find("limit"); lim != params.end()) {
    const std::string v = (*lim).value;
    const auto r = std::from_chars(v.data(), v.data() + v.size(), limit);
    if (r.ec != std::errc() || r.ptr != v.data() + v.size() || limit == 0)
      return respond(http::status::bad_request,
                     R"({"code":-1100,"msg":"Illegal characters found in parameter 'limit'; legal range is '^[0-9]{1,20}$'."})",
                     keep);
    limit = std::min(limit, max_depth_limit);
  }
  respond(http::status::ok, hub_.feed.depth_snapshot(static_cast<std::size_t>(index), limit), keep);
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
