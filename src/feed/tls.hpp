#pragma once
// The process-wide TLS client context: system default CA paths, peer verification on.
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <string>

namespace mdfan::feed {

// Created on first use (thread-safe); configured once, then shared by every TLS stream.
boost::asio::ssl::context& client_tls_context();

// Prepares a client TLS handshake: SNI (omitted for IP literals, which SNI forbids) and verification
// of the peer certificate against `host`. False when OpenSSL refuses the name.
bool prepare_tls_client(SSL* ssl, const std::string& host);

}  // namespace mdfan::feed
