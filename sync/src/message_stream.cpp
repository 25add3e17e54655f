#include "message_stream.h"

#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "edgeroute/sync/messages.h"

namespace edgeroute::sync::detail {
namespace {

constexpr std::size_t kReadChunkBytes = 64 * 1024;

}  // namespace

MessageStream::MessageStream(asio::ip::tcp::socket socket, asio::ssl::context& context)
    : stream_(std::move(socket), context), reader_(kMaxSyncFrameBytes) {}

asio::awaitable<Result<const fbs::SyncMessage*>> MessageStream::read() {
  for (;;) {
    auto next = reader_.next();
    if (!next) co_return Status(StatusCode::invalid_argument, next.refusal().message);
    if (*next) co_return verify_sync_message(**next);
    const std::span<std::uint8_t> space = reader_.prepare(kReadChunkBytes);
    std::error_code error;
    const std::size_t received = co_await stream_.async_read_some(
        asio::buffer(space.data(), space.size()), asio::redirect_error(asio::use_awaitable, error));
    reader_.commit(received);
    if (error && received == 0)
      co_return Status(StatusCode::unavailable, describe_connection_error(error));
  }
}

asio::awaitable<Status> MessageStream::write(const protocol::Frame& frame) {
  std::error_code error;
  const auto bytes = frame.bytes();
  co_await asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()),
                             asio::redirect_error(asio::use_awaitable, error));
  if (error) co_return Status(StatusCode::unavailable, describe_connection_error(error));
  co_return Status::ok();
}

asio::awaitable<void> MessageStream::refuse(fbs::RefusalCode code, std::string_view message) {
  (void)co_await write(refused_frame(code, message));
  close();
}

void MessageStream::close() {
  std::error_code ignored;
  stream_.next_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.next_layer().close(ignored);
}

std::string describe_connection_error(const std::error_code& error) {
  if (error == asio::error::eof || error == asio::ssl::error::stream_truncated)
    return "the peer closed the connection";
  if (error == asio::error::operation_aborted) return "the connection was closed";
  return error.message();
}

}  // namespace edgeroute::sync::detail
