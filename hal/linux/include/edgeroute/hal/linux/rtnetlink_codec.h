// rtnetlink codec: the pure half of NetlinkLink. It decodes the datagrams the kernel
// sends on a NETLINK_ROUTE socket into the few facts the link monitor needs (which
// interface, its flags, whether it went away, the reply to a query), and encodes the
// query for one interface by name. No socket here, so malformed input is unit-tested.
//
// Decoding copies each header out of the byte buffer instead of casting pointers into
// it, so a datagram needs no particular alignment, and checks every length against the
// bytes actually received: a truncated or lying datagram is StatusCode::corruption,
// never a read past the end.
//
// Thread-safety: free functions without state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgeroute/base/result.h"

namespace edgeroute::hal {

struct RtnetlinkMessage {
  enum class Kind : std::uint8_t {
    new_link,      // RTM_NEWLINK: an interface appeared or changed (also a query's reply)
    deleted_link,  // RTM_DELLINK: an interface went away
    error,         // NLMSG_ERROR: the reply to a request (error_number 0: acknowledged)
    other,         // anything else; the monitor ignores it
  };

  Kind kind = Kind::other;
  std::uint32_t sequence = 0;  // the request's sequence number; 0 for notifications
  int interface_index = 0;
  std::string interface_name;    // IFLA_IFNAME; empty when the message did not carry it
  unsigned interface_flags = 0;  // IFF_* from ifinfomsg
  int error_number = 0;          // Kind::error: positive errno
};

// Every message in one datagram, in order.
Result<std::vector<RtnetlinkMessage>> decode_rtnetlink_datagram(
    std::span<const std::byte> datagram);

// An RTM_GETLINK request for the interface named `interface_name` (at most IFNAMSIZ - 1
// bytes; the caller checks). The kernel answers with one RTM_NEWLINK, or with
// NLMSG_ERROR ENODEV when no interface has that name.
std::vector<std::byte> encode_link_query(std::string_view interface_name, std::uint32_t sequence);

}  // namespace edgeroute::hal
