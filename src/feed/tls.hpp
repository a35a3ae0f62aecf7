#pragma once
// The process-wide TLS client context: system default CA paths, peer verification on.
#include <boost/asio/ssl/context.hpp>

namespace mdfan::feed {

// Created on first use (thread-safe); configured once, then shared by every TLS stream.
boost::asio::ssl::context& client_tls_context();

}  // namespace mdfan::feed
