#pragma once
// One plain HTTP connection: keep-alive GET /health, /metrics and /, and the upgrade of /ws to a
// ws_session. Requests are bounded in size and time.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "server/server_state.hpp"

namespace mdfan::server_detail {

class http_session final : public session_base, public std::enable_shared_from_this<http_session> {
 public:
  http_session(tcp::socket&& socket, std::shared_ptr<server_state> state);
  ~http_session() override;

  void run();
  void shutdown() override;

 private:
  using request = boost::beast::http::request<boost::beast::http::string_body>;
  using response = boost::beast::http::response<boost::beast::http::string_body>;

  void do_read();
  void on_read(error_code ec, std::size_t n);
  void handle(const request& req);
  void do_write();
  void on_write(error_code ec, std::size_t n);
  void do_close();
  void arm_timeout();

  boost::beast::tcp_stream stream_;
  std::shared_ptr<server_state> state_;
  std::string peer_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  response res_;
  bool reading_ = false;
  bool stop_ = false;  // shutdown requested: close after the response in progress
};

}  // namespace mdfan::server_detail
