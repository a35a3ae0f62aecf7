#include "server/http_session.hpp"

#include <exception>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include "core/metrics.hpp"
#include "server/ws_session.hpp"

namespace mdfan::server_detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

constexpr std::string_view index_page = R"(<!doctype html>
<html><head><meta charset="utf-8"><title>mdfan</title></head>
<body><h1>mdfan</h1>
<ul>
<li><a href="/health">/health</a>: health report (JSON; 200 when healthy, 503 otherwise)</li>
<li><a href="/metrics">/metrics</a>: Prometheus metrics</li>
<li><code>/ws</code>: WebSocket market data. Send
<code>{"op":"subscribe","topics":["trade:binance:BTC-USDT","ticker:*:ETH-USDT"],"snapshot":true}</code>,
<code>{"op":"unsubscribe","topics":[...]}</code> or <code>{"op":"ping"}</code>.</li>
</ul></body></html>
)";

http_path classify(std::string_view path) {
  if (path == "/health") return http_path::health;
  if (path == "/metrics") return http_path::metrics;
  if (path == "/ws") return http_path::ws;
  return http_path::other;
}

std::string peer_of(const tcp::socket& s) {
  error_code ec;
  const auto ep = s.remote_endpoint(ec);
  return ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

http_session::http_session(tcp::socket&& socket, std::shared_ptr<server_state> state)
    : stream_(std::move(socket)), state_(std::move(state)), peer_(peer_of(stream_.socket())) {}

http_session::~http_session() { state_->remove(this); }

void http_session::run() {
  if (!state_->add(this, weak_from_this())) {
    stream_.close();
    return;
  }
  // The socket's executor is this connection's strand: start there.
  net::dispatch(stream_.get_executor(), beast::bind_front_handler(&http_session::do_read, shared_from_this()));
}

void http_session::shutdown() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stop_ = true;
    if (self->reading_) self->stream_.close();  // idle keep-alive connection: drop it now
  });
}

void http_session::arm_timeout() {
  const auto t = state_->cfg.http_timeout;
  if (t.count() > 0) {
    stream_.expires_after(t);
  } else {
    stream_.expires_never();
  }
}

void http_session::do_read() {
  if (stop_) {
    do_close();
    return;
  }
  parser_.emplace();
  if (const auto limit = state_->cfg.max_http_request_bytes; limit != 0) {
    parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(limit, UINT32_MAX)));
    parser_->body_limit(limit);
  }
  arm_timeout();
  reading_ = true;
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(error_code ec, std::size_t /*n*/) {
  reading_ = false;
  if (ec == http::error::end_of_stream) {
    do_close();
    return;
  }
  if (ec) {
    if (ec == http::error::header_limit || ec == http::error::body_limit) {
      state_->m.client_errors.inc();
      state_->log->info("http client {} sent an oversized request: closing", peer_);
    } else {
      log_failure(*state_->log, ec, "http read", peer_);
    }
    return;  // the stream is dropped with the session
  }
  if (stop_) {
    do_close();
    return;
  }
  const request& req = parser_->get();
  const auto target = std::string_view(req.target().data(), req.target().size());
  const auto path = target.substr(0, target.find('?'));
  const auto kind = classify(path);
  state_->m.http_requests[static_cast<std::size_t>(kind)]->inc();

  if (kind == http_path::ws && websocket::is_upgrade(req)) {
    // Hand the socket to a WebSocket session; this HTTP session ends here. Bytes read past the
    // request are the client's first frames: they go along.
    stream_.expires_never();
    std::string leftover = beast::buffers_to_string(buffer_.data());
    std::make_shared<ws_session>(stream_.release_socket(), state_)->run(parser_->release(), std::move(leftover));
    return;
  }
  handle(req);
}

void http_session::handle(const request& req) {
  const auto target = std::string_view(req.target().data(), req.target().size());
  const auto path = target.substr(0, target.find('?'));
  res_ = response{};
  res_.version(req.version());
  res_.keep_alive(req.keep_alive() && !stop_);
  res_.set(http::field::server, "mdfan");
  auto set = [&](http::status status, std::string_view type, std::string body) {
    res_.result(status);
    res_.set(http::field::content_type, type);
    res_.body() = std::move(body);
  };

  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    set(http::status::method_not_allowed, "text/plain", "method not allowed\n");
    res_.set(http::field::allow, "GET, HEAD");
  } else if (path == "/health") {
    health_report h;
    try {
      if (state_->health) {
        h = state_->health();
      }
    } catch (const std::exception& e) {
      h.healthy = false;
      h.body.clear();
      state_->log->warn("health provider failed: {}", e.what());
    }
    if (h.body.empty()) h.body = h.healthy ? R"({"healthy":true})" : R"({"healthy":false})";
    set(h.healthy ? http::status::ok : http::status::service_unavailable, "application/json", std::move(h.body));
    res_.set(http::field::cache_control, "no-store");
  } else if (path == "/metrics") {
    set(http::status::ok, "text/plain; version=0.0.4", state_->registry.render());
    res_.set(http::field::cache_control, "no-store");
  } else if (path == "/" || path == "/index.html") {
    set(http::status::ok, "text/html; charset=utf-8", std::string(index_page));
  } else if (path == "/ws") {
    set(http::status::upgrade_required, "text/plain", "/ws expects a WebSocket upgrade\n");
    res_.set(http::field::upgrade, "websocket");
  } else {
    set(http::status::not_found, "text/plain", "not found\n");
  }
  res_.prepare_payload();
  if (req.method() == http::verb::head) {
    const auto length = res_.body().size();
    res_.body().clear();
    res_.content_length(length);
  }
  do_write();
}

void http_session::do_write() {
  arm_timeout();
  http::async_write(stream_, res_, beast::bind_front_handler(&http_session::on_write, shared_from_this()));
}

void http_session::on_write(error_code ec, std::size_t /*n*/) {
  if (ec) {
    log_failure(*state_->log, ec, "http write", peer_);
    return;
  }
  if (!res_.keep_alive()) {
    do_close();
    return;
  }
  do_read();
}

void http_session::do_close() {
  error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.close();
}

}  // namespace mdfan::server_detail
