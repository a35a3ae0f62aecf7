#include "feed/tls.hpp"

#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>

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

bool prepare_tls_client(SSL* ssl, const std::string& host) {
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address(host, ec);
  if (ec && !SSL_set_tlsext_host_name(ssl, host.c_str())) return false;
  // Same check as asio::ssl::host_name_verification (names and IP addresses), done by OpenSSL itself.
  SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (!ec) return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1;
  return SSL_set1_host(ssl, host.c_str()) == 1;
}

}  // namespace mdfan::feed
