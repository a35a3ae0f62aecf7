// The one translation unit that compiles Asio, Asio's SSL layer, Beast and Boost.URL.
// Everything else is built with BOOST_ASIO_SEPARATE_COMPILATION / BOOST_BEAST_SEPARATE_COMPILATION
// and sees declarations only, which keeps incremental builds fast.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
#include <boost/url/src.hpp>
