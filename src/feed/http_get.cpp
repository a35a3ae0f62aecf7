// http_get: one HTTP/1.1 GET over TCP or TLS with an overall deadline.
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <type_traits>

#include "feed/endpoint.hpp"
#include "feed/tls.hpp"
#include "feed/ws_client.hpp"

namespace mdfan::feed {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;

constexpr std::uint64_t max_body_bytes = 64u << 20;  // a 5000-level depth snapshot is ~400 KB

using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

// One GET in progress; owns its socket and deadline, and calls `done` exactly once (finish()).
template <class Stream>
class get_op final : public std::enable_shared_from_this<get_op<Stream>> {
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

 public:
  get_op(net::any_io_executor ex, endpoint ep, http_get_handler done)
      : strand_(net::make_strand(ex)),
        ep_(std::move(ep)),
        resolver_(strand_),
        stream_(make_stream()),
        deadline_(strand_),
        done_(std::move(done)) {
    parser_.body_limit(max_body_bytes);
  }

  void run(std::chrono::milliseconds timeout) {
    net::dispatch(strand_, [self = this->shared_from_this(), timeout] {
      self->deadline_.expires_after(timeout);
      self->deadline_.async_wait([self](error_code ec) {
        if (!ec) self->finish(net::error::timed_out, 0);
      });
      self->resolver_.async_resolve(self->ep_.host, self->ep_.port,
                                    [self](error_code ec, tcp::resolver::results_type r) {
                                      if (ec) return self->finish(ec, 0);
                                      self->do_connect(r);
                                    });
    });
  }

 private:
  Stream make_stream() {
    if constexpr (is_tls)
      return Stream(strand_, client_tls_context());
    else
      return Stream(strand_);
  }

  void do_connect(const tcp::resolver::results_type& r) {
    beast::get_lowest_layer(stream_).async_connect(
        r, [self = this->shared_from_this()](error_code ec, const tcp::endpoint&) {
          if (ec) return self->finish(ec, 0);
          if constexpr (is_tls) {
            if (!prepare_tls_client(self->stream_.native_handle(), self->ep_.host))
              return self->finish(error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category()), 0);
            self->stream_.async_handshake(ssl::stream_base::client, [self](error_code ec) {
              if (ec) return self->finish(ec, 0);
              self->do_request();
            });
          } else {
            self->do_request();
          }
        });
  }

  void do_request() {
    req_.version(11);
    req_.method(http::verb::get);
    req_.target(ep_.target);
    req_.set(http::field::host, ep_.host_header());
    req_.set(http::field::user_agent, "mdfan");
    req_.set(http::field::accept, "application/json");
    req_.set(http::field::connection, "close");
    http::async_write(stream_, req_, [self = this->shared_from_this()](error_code ec, std::size_t) {
      if (ec) return self->finish(ec, 0);
      http::async_read(self->stream_, self->buf_, self->parser_, [self](error_code ec, std::size_t) {
        if (ec) return self->finish(ec, 0);
        auto& res = self->parser_.get();
        self->finish({}, res.result_int(), std::move(res.body()));
      });
    });
  }

  void finish(error_code ec, unsigned status, std::string body = {}) {
    if (finished_) return;
    finished_ = true;
    deadline_.cancel();
    resolver_.cancel();
    beast::get_lowest_layer(stream_).close();  // no TLS close_notify: the server closes anyway
    if (done_) done_(ec, status, std::move(body));
  }

  net::strand<net::any_io_executor> strand_;
  endpoint ep_;
  tcp::resolver resolver_;
  Stream stream_;
  net::steady_timer deadline_;
  beast::flat_buffer buf_;
  http::request<http::empty_body> req_;
  http::response_parser<http::string_body> parser_;
  http_get_handler done_;
  bool finished_ = false;
};

}  // namespace

void http_get(net::any_io_executor ex, const std::string& url, std::chrono::milliseconds timeout,
              http_get_handler done) {
  endpoint ep;
  if (!parse_endpoint(url, false, ep)) {
    net::post(ex, [done = std::move(done)] {
      done(make_error_code(boost::system::errc::invalid_argument), 0, {});
    });
    return;
  }
  if (ep.tls)
    std::make_shared<get_op<tls_stream>>(ex, std::move(ep), std::move(done))->run(timeout);
  else
    std::make_shared<get_op<plain_stream>>(ex, std::move(ep), std::move(done))->run(timeout);
}

}  // namespace mdfan::feed
