#include "feed/tls.hpp"

namespace mdfan::feed {

boost::asio::ssl::context& client_tls_context() {
  static boost::asio::ssl::context ctx = [] {
    boost::asio::ssl::context c(boost::asio::ssl::context::tls_client);
    c.set_default_verify_paths();
    c.set_verify_mode(boost::asio::ssl::verify_peer);
    c.set_options(boost::asio::ssl::context::default_workarounds | boost::asio::ssl::context::no_sslv2 |
                  boost::asio::ssl::context::no_sslv3);
    return c;
  }();
  return ctx;
}

}  // namespace mdfan::feed
