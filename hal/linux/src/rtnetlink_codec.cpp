#include "edgeroute/hal/linux/rtnetlink_codec.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

namespace edgeroute::hal {
namespace {

// Netlink aligns every header, payload and attribute to 4 bytes (NLMSG_ALIGNTO,
// RTA_ALIGNTO); the kernel headers' macros do the same with casts this file avoids.
constexpr std::size_t kAlignment = 4;
constexpr std::size_t align(std::size_t length) {
  return (length + kAlignment - 1) & ~(kAlignment - 1);
}
constexpr std::size_t kHeaderBytes = align(sizeof(nlmsghdr));
constexpr std::size_t kLinkHeaderBytes = align(sizeof(ifinfomsg));
constexpr std::size_t kAttributeHeaderBytes = align(sizeof(rtattr));

template <typename Struct>
Struct copy_out(std::span<const std::byte> bytes) {
  Struct value{};
  std::memcpy(&value, bytes.data(), sizeof(Struct));
  return value;
}

template <typename Struct>
void copy_in(std::vector<std::byte>& bytes, std::size_t offset, const Struct& value) {
  std::memcpy(bytes.data() + offset, &value, sizeof(Struct));
}

Status corruption(std::string what) {
  return Status(StatusCode::corruption, "rtnetlink datagram: " + std::move(what));
}

// Fills name from the link message's attributes; `attributes` follows the ifinfomsg.
Status decode_link_attributes(std::span<const std::byte> attributes, RtnetlinkMessage& message) {
  while (attributes.size() >= kAttributeHeaderBytes) {
    const auto attribute = copy_out<rtattr>(attributes);
    if (attribute.rta_len < sizeof(rtattr) || attribute.rta_len > attributes.size()) {
      return corruption("attribute length " + std::to_string(attribute.rta_len) +
                        " does not fit the " + std::to_string(attributes.size()) + " bytes left");
    }
    if ((attribute.rta_type & NLA_TYPE_MASK) == IFLA_IFNAME) {
      const auto value =
          attributes.subspan(kAttributeHeaderBytes, attribute.rta_len - kAttributeHeaderBytes);
      const auto* characters = reinterpret_cast<const char*>(value.data());
      message.interface_name.assign(characters, ::strnlen(characters, value.size()));
    }
    attributes =
        attributes.subspan(std::min<std::size_t>(align(attribute.rta_len), attributes.size()));
  }
  return Status::ok();
}

Status decode_link(std::span<const std::byte> payload, RtnetlinkMessage& message) {
  if (payload.size() < sizeof(ifinfomsg)) return corruption("link message shorter than ifinfomsg");
  const auto link = copy_out<ifinfomsg>(payload);
  message.interface_index = link.ifi_index;
  message.interface_flags = link.ifi_flags;
  if (payload.size() <= kLinkHeaderBytes) return Status::ok();
  return decode_link_attributes(payload.subspan(kLinkHeaderBytes), message);
}

Result<RtnetlinkMessage> decode_message(const nlmsghdr& header,
                                        std::span<const std::byte> payload) {
  RtnetlinkMessage message;
  message.sequence = header.nlmsg_seq;
  switch (header.nlmsg_type) {
    case RTM_NEWLINK: message.kind = RtnetlinkMessage::Kind::new_link; break;
    case RTM_DELLINK: message.kind = RtnetlinkMessage::Kind::deleted_link; break;
    case NLMSG_ERROR: {
      if (payload.size() < sizeof(int)) return corruption("error message without an error code");
      // The kernel sends 0 (an acknowledgement) or a negated errno. Anything else is not
      // an errno, and INT_MIN could not even be negated.
      const int negated_error = copy_out<int>(payload);
      if (negated_error > 0 || negated_error == std::numeric_limits<int>::min()) {
        return corruption("error code " + std::to_string(negated_error) +
                          " is not a negated errno");
      }
      message.kind = RtnetlinkMessage::Kind::error;
      message.error_number = -negated_error;
      return message;
    }
    default: return message;
  }
  if (Status decoded = decode_link(payload, message); !decoded.is_ok()) return decoded;
  return message;
}

}  // namespace

Result<std::vector<RtnetlinkMessage>> decode_rtnetlink_datagram(
    std::span<const std::byte> datagram) {
  std::vector<RtnetlinkMessage> messages;
  while (!datagram.empty()) {
    if (datagram.size() < sizeof(nlmsghdr)) {
      return corruption(std::to_string(datagram.size()) + " bytes after the last message");
    }
    const auto header = copy_out<nlmsghdr>(datagram);
    if (header.nlmsg_len < kHeaderBytes || header.nlmsg_len > datagram.size()) {
      return corruption("message length " + std::to_string(header.nlmsg_len) +
                        " does not fit the " + std::to_string(datagram.size()) + " bytes left");
    }
    Result<RtnetlinkMessage> message =
        decode_message(header, datagram.subspan(kHeaderBytes, header.nlmsg_len - kHeaderBytes));
    if (!message) return message.status();
    messages.push_back(std::move(*message));
    datagram = datagram.subspan(std::min<std::size_t>(align(header.nlmsg_len), datagram.size()));
  }
  return messages;
}

std::vector<std::byte> encode_link_query(std::string_view interface_name, std::uint32_t sequence) {
  const std::size_t name_attribute_bytes = kAttributeHeaderBytes + interface_name.size() + 1;
  const std::size_t total_bytes = kHeaderBytes + kLinkHeaderBytes + align(name_attribute_bytes);
  std::vector<std::byte> request(total_bytes);

  nlmsghdr header{};
  header.nlmsg_len = static_cast<std::uint32_t>(total_bytes);
  header.nlmsg_type = RTM_GETLINK;
  header.nlmsg_flags = NLM_F_REQUEST;
  header.nlmsg_seq = sequence;
  copy_in(request, 0, header);

  ifinfomsg link{};
  link.ifi_family = AF_UNSPEC;
  copy_in(request, kHeaderBytes, link);

  rtattr name{};
  name.rta_len = static_cast<unsigned short>(name_attribute_bytes);
  name.rta_type = IFLA_IFNAME;
  const std::size_t name_offset = kHeaderBytes + kLinkHeaderBytes;
  copy_in(request, name_offset, name);
  // The vector is zero-filled, so the name's terminating NUL and the padding are in place.
  std::memcpy(request.data() + name_offset + kAttributeHeaderBytes, interface_name.data(),
              interface_name.size());
  return request;
}

}  // namespace edgeroute::hal
