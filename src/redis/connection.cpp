#include "redis/connection.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace mdfan::redis {
namespace {
constexpr std::size_t read_chunk = std::size_t{64} * 1024;
}

connection::connection(strand_type strand, redis_config cfg, options opts, std::shared_ptr<spdlog::logger> log)
    : strand_(std::move(strand)),
      cfg_(std::move(cfg)),
      opts_(std::move(opts)),
      log_(log ? std::move(log) : spdlog::default_logger()),
      resolver_(strand_),
      socket_(strand_),
      connect_timer_(strand_),
      retry_timer_(strand_),
      health_timer_(strand_),
      dispatcher_(opts_.subscriber),
      writes_(cfg_.max_write_buffer),
      backoff_(cfg_.backoff),
      read_buf_(read_chunk) {}

connection::~connection() = default;

void connection::start() {
  net::dispatch(strand_, [self = shared_from_this()] {
    if (self->phase_ == phase::idle) self->begin_attempt();
  });
}

void connection::stop() {
  net::dispatch(strand_, [self = shared_from_this()] { self->do_stop(); });
}

void connection::send(request req) {
  net::dispatch(strand_, [self = shared_from_this(), req = std::move(req)]() mutable {
    if (req.empty()) return;
    if (self->phase_ != phase::connected) {
      self->reject(req, make_error_code(error::not_connected));
      return;
    }
    self->enqueue(req);
  });
}

void connection::begin_attempt() {
  ++gen_;
  phase_ = phase::resolving;
  reader_.reset();
  writes_.clear();
  ping_outstanding_ = false;
  read_paused_ = false;
  const auto g = gen_;
  if (cfg_.connect_timeout.count() > 0) {
    connect_timer_.expires_after(cfg_.connect_timeout);
    connect_timer_.async_wait([self = shared_from_this(), g](const error_code& ec) {
      if (ec || g != self->gen_) return;
      if (self->phase_ == phase::resolving || self->phase_ == phase::connecting || self->phase_ == phase::handshaking)
        self->fail(make_error_code(error::connect_timeout), "connect");
    });
  }
  resolver_.async_resolve(cfg_.host, std::to_string(cfg_.port),
                          [self = shared_from_this(), g](const error_code& ec, const tcp::resolver::results_type& r) {
                            self->on_resolve(g, ec, r);
                          });
}

void connection::on_resolve(std::uint64_t g, const error_code& ec, const tcp::resolver::results_type& results) {
  if (g != gen_) return;
  if (ec) return fail(ec, "resolve");
  phase_ = phase::connecting;
  net::async_connect(socket_, results, [self = shared_from_this(), g](const error_code& ec2, const tcp::endpoint&) {
    self->on_connect(g, ec2);
  });
}

void connection::on_connect(std::uint64_t g, const error_code& ec) {
  if (g != gen_) return;
  if (ec) return fail(ec, "connect");
  error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  socket_.set_option(net::socket_base::keep_alive(true), ignored);
  phase_ = phase::handshaking;
  last_read_ = clock::now();
  do_read();

  request hs;
  auto check = [self = shared_from_this(), g](const char* what, bool last) {
    return [self, g, what, last](error_code ec2, reply_view r) {
      if (g != self->gen_ || self->phase_ != phase::handshaking) return;
      if (ec2) return self->fail(make_error_code(error::handshake_failed), what, r.str());
      if (last) self->on_ready();
    };
  };
  const bool select = cfg_.db != 0;
  const std::string db = std::to_string(cfg_.db);
  if (!cfg_.password.empty()) {
    if (cfg_.username.empty())
      hs.push({"AUTH", cfg_.password}, check("AUTH", !select));
    else
      hs.push({"AUTH", cfg_.username, cfg_.password}, check("AUTH", !select));
  }
  if (select) hs.push({"SELECT", db}, check("SELECT", true));
  if (hs.empty()) return on_ready();
  enqueue(hs);
}

void connection::on_ready() {
  connect_timer_.cancel();
  phase_ = phase::connected;
  backoff_.reset();
  failures_in_row_ = 0;
  ++connects_;
  last_read_ = clock::now();
  log_->info("redis {}: connected to {}:{}{}", opts_.name, cfg_.host, cfg_.port,
             connects_ > 1 ? fmt::format(" (reconnect #{})", connects_ - 1) : std::string());
  if (cfg_.health_check_interval.count() > 0) arm_health(last_read_ + cfg_.health_check_interval);
  if (state_) state_(state::connected);
}

void connection::enqueue(request& req) {
  if (!writes_.push_owned(std::move(req.raw()))) {
    log_->warn("redis {}: write buffer full ({} bytes queued), {} commands rejected", opts_.name,
               writes_.queued_bytes(), req.commands());
    reject(req, make_error_code(error::queue_full));
    return;
  }
  dispatcher_.expect(req.expectations());
  schedule_write();
}

void connection::reject(request& req, error_code ec) {
  std::vector<reply_expectation> ex = std::move(req.expectations());
  ex.erase(std::remove_if(ex.begin(), ex.end(), [](const reply_expectation& e) { return !e.fn; }), ex.end());
  if (ex.empty()) return;
  net::post(strand_, [ex = std::move(ex), ec] {
    for (const auto& e : ex)
      for (std::size_t i = 0; i < e.count; ++i) e.fn(ec, reply_view{});
  });
}

void connection::schedule_write() {
  // Deferred to the end of the current handler: everything queued before then shares one write.
  if (writes_.in_flight() || write_scheduled_) return;
  write_scheduled_ = true;
  net::post(strand_, [self = shared_from_this()] {
    self->write_scheduled_ = false;
    if (self->phase_ == phase::handshaking || self->phase_ == phase::connected) self->do_write();
  });
}

void connection::do_write() {
  const std::string* buf = writes_.begin_write();
  if (!buf) return;
  net::async_write(socket_, net::buffer(*buf),
                   [self = shared_from_this(), g = gen_](const error_code& ec, std::size_t) { self->on_write(g, ec); });
}

void connection::on_write(std::uint64_t g, const error_code& ec) {
  if (g != gen_) return;
  if (ec) return fail(ec, "write");
  writes_.finish_write();
  if (writes_.queued_bytes() > 0) return do_write();
  if (phase_ == phase::connected && !write_scheduled_ && drain_) drain_();
}

void connection::do_read() {
  socket_.async_read_some(
      net::buffer(read_buf_),
      [self = shared_from_this(), g = gen_](const error_code& ec, std::size_t n) { self->on_read(g, ec, n); });
}

void connection::on_read(std::uint64_t g, const error_code& ec, std::size_t n) {
  if (g != gen_) return;
  if (ec) return fail(ec, "read");
  last_read_ = clock::now();
  if (!reader_.feed(read_buf_.data(), n)) return fail(make_error_code(error::protocol), "parse", reader_.error_text());
  for (;;) {
    reply_ptr reply;
    const auto st = reader_.next(reply);
    if (st == resp_reader::status::need_more) break;
    if (st == resp_reader::status::error) return fail(make_error_code(error::protocol), "parse", reader_.error_text());
    const reply_view view(reply.get());
    const auto outcome = dispatcher_.on_reply(view, push_);
    if (g != gen_) return;  // a callback stopped us, or failed the connection
    if (outcome == reply_dispatcher::outcome::unexpected) {
      if (opts_.subscriber) {
        // E.g. an error reply to a SUBSCRIBE: nobody waits for it, but the stream is still in sync.
        log_->warn("redis {}: unsolicited reply ignored: {}", opts_.name, view.str().substr(0, 200));
        continue;
      }
      return fail(make_error_code(error::protocol), "dispatch", "reply with no command waiting for it");
    }
  }
  if (read_gate_ && !read_gate_()) {
    read_paused_ = true;
    return;
  }
  do_read();
}

void connection::resume_reading() {
  if (!read_paused_) return;
  read_paused_ = false;
  if (phase_ != phase::connected) return;
  last_read_ = clock::now();  // the pause was ours: the server's silence meanwhile proves nothing
  do_read();
}

void connection::arm_health(clock::time_point at) {
  health_timer_.expires_at(at);
  health_timer_.async_wait([self = shared_from_this(), g = gen_](const error_code& ec) {
    if (ec || g != self->gen_ || self->phase_ != phase::connected) return;
    self->on_health();
  });
}

void connection::on_health() {
  const auto now = clock::now();
  const auto interval = cfg_.health_check_interval;
  if (read_paused_) {
    // A PONG could not be read anyway; check again once reading resumed.
    ping_outstanding_ = false;
    return arm_health(now + interval);
  }
  const auto timeout = cfg_.health_check_timeout.count() > 0 ? cfg_.health_check_timeout : interval;
  if (ping_outstanding_) {
    // Any byte since the PING proves the peer alive (a busy subscriber's PONG may queue behind messages).
    const auto since = std::max(last_read_, ping_sent_at_);
    if (now - since >= timeout) return fail(make_error_code(error::health_timeout), "health check");
    return arm_health(since + timeout);
  }
  if (now - last_read_ < interval) return arm_health(last_read_ + interval);
  request ping;
  ping.push({"PING"}, [self = shared_from_this(), g = gen_](error_code, reply_view) {
    if (g == self->gen_) self->ping_outstanding_ = false;
  });
  ping_outstanding_ = true;
  ping_sent_at_ = now;
  enqueue(ping);
  arm_health(now + timeout);
}

void connection::close_socket() {
  error_code ignored;
  resolver_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  connect_timer_.cancel();
  health_timer_.cancel();
  retry_timer_.cancel();
}

void connection::fail(error_code ec, const char* what, std::string_view detail) {
  if (phase_ == phase::stopped || phase_ == phase::backing_off || phase_ == phase::idle) return;
  const bool was_connected = phase_ == phase::connected;
  ++gen_;
  phase_ = phase::backing_off;
  close_socket();
  writes_.clear();
  ping_outstanding_ = false;
  const auto delay = backoff_.next();
  if (was_connected || failures_in_row_ == 0) {
    log_->warn("redis {}: {} failed: {}{}{}; reconnecting in {} ms", opts_.name, what, ec.message(),
               detail.empty() ? "" : ": ", detail.substr(0, 200), delay.count());
  } else {
    log_->debug("redis {}: {} failed: {} (attempt {}); retrying in {} ms", opts_.name, what, ec.message(),
                failures_in_row_ + 1, delay.count());
  }
  ++failures_in_row_;
  dispatcher_.fail_all(make_error_code(error::connection_lost));
  if (phase_ != phase::backing_off) return;  // a callback stopped us
  if (was_connected && state_) {
    state_(state::disconnected);
    if (phase_ != phase::backing_off) return;
  }
  const auto g = gen_;
  retry_timer_.expires_after(delay);
  retry_timer_.async_wait([self = shared_from_this(), g](const error_code& e) {
    if (e || g != self->gen_ || self->phase_ != phase::backing_off) return;
    self->begin_attempt();
  });
}

void connection::do_stop() {
  if (phase_ == phase::stopped) return;
  const bool was_running = phase_ != phase::idle;
  phase_ = phase::stopped;
  ++gen_;
  push_ = nullptr;
  state_ = nullptr;
  drain_ = nullptr;
  close_socket();
  writes_.clear();
  dispatcher_.fail_all(make_error_code(error::stopped));
  if (was_running) log_->debug("redis {}: stopped", opts_.name);
}

}  // namespace mdfan::redis
