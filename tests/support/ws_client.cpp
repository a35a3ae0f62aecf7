#include "support/ws_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace mdfan::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using clock = std::chrono::steady_clock;

namespace {

// Runs `io` until done() holds, the deadline passes, or nothing is left to run. Returns done().
template <class Done>
bool run_until(net::io_context& io, Done done, clock::time_point deadline) {
  while (!done()) {
    if (io.stopped()) io.restart();
    if (clock::now() >= deadline) return false;
    if (io.run_one_until(deadline) == 0 && io.stopped() && !done()) {
      // Out of work: nothing can make done() true any more.
      return done();
    }
  }
  return true;
}

}  // namespace

// ---- HTTP -------------------------------------------------------------------------------------

http_response http_get(std::uint16_t port, const std::string& path, std::chrono::milliseconds timeout,
                       const std::string& host) {
  http_response out;
  net::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buf;
  http::request<http::empty_body> req{http::verb::get, path, 11};
  req.set(http::field::host, host + ":" + std::to_string(port));
  req.set(http::field::user_agent, "mdfan-test");
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  bool finished = false;
  auto fail = [&](const char* what, error_code ec) {
    out.error = std::string(what) + ": " + ec.message();
    finished = true;
  };

  error_code ec;
  const auto addr = net::ip::make_address(host, ec);
  if (ec) {
    out.error = "bad host: " + ec.message();
    return out;
  }
  stream.expires_after(timeout);
  stream.async_connect(tcp::endpoint(addr, port), [&](error_code e) {
    if (e) return fail("connect", e);
    http::async_write(stream, req, [&](error_code e2, std::size_t) {
      if (e2) return fail("write", e2);
      http::async_read(stream, buf, parser, [&](error_code e3, std::size_t) {
        if (e3) return fail("read", e3);
        const auto& res = parser.get();
        out.status = static_cast<int>(res.result_int());
        out.body = res.body();
        if (auto it = res.find(http::field::content_type); it != res.end()) out.content_type = std::string(it->value());
        finished = true;
      });
    });
  });
  // tcp_stream's expiry bounds every step; the extra margin only guards against a bug here.
  run_until(
      io, [&] { return finished; }, clock::now() + timeout + 1s);
  if (!finished) out.error = "timeout";
  stream.close();
  return out;
}

// ---- WebSocket --------------------------------------------------------------------------------

struct ws_client::impl {
  explicit impl(ws_client_options o) : opts(o) {}

  ws_client_options opts;
  net::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buf;
  bool connected = false;
  bool dead = false;  // closed or failed: no more reads
  bool read_pending = false;
  bool read_done = false;
  error_code read_ec;
  std::string last_error;

  void start_read() {
    read_pending = true;
    read_done = false;
    ws.async_read(buf, [this](error_code ec, std::size_t) {
      read_ec = ec;
      read_done = true;
    });
  }

  void drop() {
    beast::get_lowest_layer(ws).close();
    // Let the aborted operations complete so nothing refers to us afterwards.
    run_until(
        io, [] { return false; }, clock::now() + 500ms);
  }
};

ws_client::ws_client(ws_client_options opts) : impl_(std::make_unique<impl>(opts)) {}

ws_client::~ws_client() {
  if (impl_) impl_->drop();
}

bool ws_client::connect(std::uint16_t port, const std::string& path, std::chrono::milliseconds timeout,
                        const std::string& host) {
  auto& d = *impl_;
  const auto deadline = clock::now() + timeout;
  error_code ec;
  const auto addr = net::ip::make_address(host, ec);
  if (ec) {
    d.last_error = "bad host: " + ec.message();
    return false;
  }
  auto& sock = beast::get_lowest_layer(d.ws).socket();
  sock.open(addr.is_v4() ? tcp::v4() : tcp::v6(), ec);
  if (!ec && d.opts.receive_buffer_bytes > 0)
    sock.set_option(net::socket_base::receive_buffer_size(d.opts.receive_buffer_bytes), ec);
  if (ec) {
    d.last_error = "socket: " + ec.message();
    return false;
  }
  bool done = false;
  error_code result;
  beast::get_lowest_layer(d.ws).async_connect(tcp::endpoint(addr, port), [&](error_code e) {
    if (e) {
      result = e;
      done = true;
      return;
    }
    d.ws.async_handshake(host + ":" + std::to_string(port), path, [&](error_code e2) {
      result = e2;
      done = true;
    });
  });
  if (!run_until(
          d.io, [&] { return done; }, deadline)) {
    d.last_error = "connect: timeout";
    d.drop();
    d.dead = true;
    return false;
  }
  if (result) {
    d.last_error = "connect: " + result.message();
    d.drop();
    d.dead = true;
    return false;
  }
  d.ws.read_message_max(d.opts.read_message_max);
  d.connected = true;
  return true;
}

bool ws_client::send(std::string_view text, std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  if (!d.connected || d.dead) return false;
  d.ws.text(true);
  bool done = false;
  error_code result;
  d.ws.async_write(net::buffer(text.data(), text.size()), [&](error_code e, std::size_t) {
    result = e;
    done = true;
  });
  if (!run_until(
          d.io, [&] { return done; }, clock::now() + timeout)) {
    d.last_error = "send: timeout";
    d.drop();
    d.dead = true;
    return false;
  }
  if (result) {
    d.last_error = "send: " + result.message();
    return false;
  }
  return true;
}

bool ws_client::send_binary(std::string_view data, std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  if (!d.connected || d.dead) return false;
  d.ws.binary(true);
  bool done = false;
  error_code result;
  d.ws.async_write(net::buffer(data.data(), data.size()), [&](error_code e, std::size_t) {
    result = e;
    done = true;
  });
  const bool ok = run_until(
      d.io, [&] { return done; }, clock::now() + timeout);
  d.ws.text(true);
  if (!ok) {
    d.last_error = "send: timeout";
    d.drop();
    d.dead = true;
    return false;
  }
  if (result) {
    d.last_error = "send: " + result.message();
    return false;
  }
  return true;
}

std::optional<std::string> ws_client::read(std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  if (!d.connected || d.dead) return std::nullopt;
  if (!d.read_pending) d.start_read();
  if (!run_until(
          d.io, [&] { return d.read_done; }, clock::now() + timeout))
    return std::nullopt;
  d.read_pending = false;
  d.read_done = false;
  if (d.read_ec) {
    d.last_error = "read: " + d.read_ec.message();
    d.dead = true;
    return std::nullopt;
  }
  std::string msg = beast::buffers_to_string(d.buf.data());
  d.buf.consume(d.buf.size());
  return msg;
}

std::optional<std::string> ws_client::read_until(const std::function<bool(std::string_view)>& pred,
                                                 std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto msg = read(left);
    if (!msg) return std::nullopt;
    if (pred(*msg)) return msg;
  }
}

bool ws_client::wait_closed(std::chrono::milliseconds timeout, std::size_t* discarded) {
  const auto deadline = clock::now() + timeout;
  std::size_t n = 0;
  while (is_open()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) break;
    if (read(left)) ++n;
  }
  if (discarded) *discarded = n;
  return !is_open();
}

void ws_client::close(std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  if (!d.connected || d.dead) return;
  bool done = false;
  d.ws.async_close(websocket::close_code::normal, [&](error_code) { done = true; });
  const auto deadline = clock::now() + timeout;
  run_until(
      d.io, [&] { return done && (!d.read_pending || d.read_done); }, deadline);
  d.dead = true;
  d.drop();
}

bool ws_client::is_open() const { return impl_->connected && !impl_->dead; }

std::uint16_t ws_client::close_code() const { return impl_->ws.reason().code; }

std::string ws_client::close_reason() const {
  const auto& r = impl_->ws.reason().reason;
  return std::string(r.data(), r.size());
}

std::string ws_client::error() const { return impl_->last_error; }

}  // namespace mdfan::test
