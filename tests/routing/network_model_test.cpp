// Specifies NetworkModel's catalog and id maps, on networks written with the FlatBuffers
// builder and built without routing_io's validation (so build() is the only check):
//   - a health variant (with_node_health) shares the SKU catalog and carrier services
//     with the model it came from, the same objects at the same addresses, and finds
//     every SKU and node by id even after that model is gone;
//   - build() refuses a network whose node, carrier service or SKU ids repeat, naming
//     the repeat.
// Ids come short (stored inside the string) and long (stored on the heap), so a map
// that views strings of a destroyed model fails under AddressSanitizer either way.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "edgeroute/routing/geography.h"
#include "edgeroute/routing/network_model.h"
#include "edgeroute/routing/utc_offset_schedule.h"

namespace edgeroute::routing {
namespace {

std::shared_ptr<const Geography> shared_geography() {
  static const std::shared_ptr<const Geography> geography =
      std::make_shared<const Geography>(std::move(Geography::load_embedded()).value());
  return geography;
}

struct NetworkIds {
  std::vector<std::string> nodes;
  std::vector<std::string> services;
  std::vector<std::string> skus;
};

// Every node open Monday to Friday, offering every service; one price per zone.
std::vector<std::uint8_t> write_network(const NetworkIds& ids) {
  flatbuffers::FlatBufferBuilder builder;
  std::vector<flatbuffers::Offset<fbs::CarrierService>> services;
  for (const std::string& id : ids.services) {
    std::vector<flatbuffers::Offset<fbs::ZoneRates>> zones;
    for (std::uint8_t zone = 1; zone <= kZoneCount; ++zone) {
      const std::vector<flatbuffers::Offset<fbs::WeightBreak>> breaks = {
          fbs::CreateWeightBreak(builder, 30000, 500 + 50 * zone)};
      zones.push_back(fbs::CreateZoneRatesDirect(builder, zone, &breaks));
    }
    const std::vector<std::uint8_t> transit = {1, 1, 2, 3, 4, 5, 5, 5};
    services.push_back(fbs::CreateCarrierServiceDirect(
        builder, id.c_str(), "parcel-co", fbs::ServiceLevel::ground, &transit, true, &zones));
  }
  std::vector<flatbuffers::Offset<fbs::Node>> nodes;
  for (const std::string& id : ids.nodes) {
    std::vector<flatbuffers::Offset<fbs::PickWindow>> windows;
    for (int weekday = 0; weekday < 5; ++weekday) {
      windows.push_back(fbs::CreatePickWindowDirect(builder, static_cast<fbs::Weekday>(weekday),
                                                    "08:00", "18:00"));
    }
    std::vector<flatbuffers::Offset<fbs::NodeService>> offered;
    for (const std::string& service : ids.services) {
      offered.push_back(fbs::CreateNodeServiceDirect(builder, service.c_str(), "16:00"));
    }
    nodes.push_back(fbs::CreateNodeDirect(builder, id.c_str(), fbs::NodeKind::owned_fc, "89101",
                                          "Etc/UTC", 60, &windows, nullptr, &offered));
  }
  std::vector<flatbuffers::Offset<fbs::Sku>> skus;
  for (const std::string& id : ids.skus) {
    skus.push_back(fbs::CreateSkuDirect(builder, id.c_str(), 400));
  }
  builder.Finish(fbs::CreateNetworkDirect(builder, 1, 7, &nodes, &services, &skus));
  return {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()};
}

Result<NetworkModel> build_network(const NetworkIds& ids) {
  const std::vector<std::uint8_t> document = write_network(ids);
  const std::vector<UtcOffsetSchedule> offsets(ids.nodes.size(), UtcOffsetSchedule::constant(0));
  return NetworkModel::build(*fbs::GetNetwork(document.data()), shared_geography(), offsets);
}

// Short ids and ids too long to be stored inside a std::string.
NetworkIds mixed_length_ids() {
  NetworkIds ids;
  for (int i = 0; i < 4; ++i) {
    ids.nodes.push_back("fc-" + std::to_string(i));
    ids.nodes.push_back("fulfilment-centre-with-a-long-name-" + std::to_string(i));
  }
  ids.services = {"ground", "two-day-air-with-a-long-service-name"};
  for (int i = 0; i < 200; ++i) {
    ids.skus.push_back("sku-" + std::to_string(i));
    ids.skus.push_back("a-sku-whose-id-is-too-long-to-store-inline-" + std::to_string(i));
  }
  return ids;
}

std::vector<NodeHealth> uniform_health(std::uint32_t node_count, std::int32_t bp) {
  return std::vector<NodeHealth>(node_count, NodeHealth{bp, bp, bp});
}

TEST(NetworkModel, AHealthVariantSharesTheCatalogItCameFrom) {
  Result<NetworkModel> original = build_network(mixed_length_ids());
  ASSERT_TRUE(original) << original.status().to_string();
  const auto variant = original->with_node_health(uniform_health(original->node_count(), 9000));
  const auto variant_of_variant =
      variant->with_node_health(uniform_health(original->node_count(), 8000));

  for (const NetworkModel* model : {variant.get(), variant_of_variant.get()}) {
    ASSERT_EQ(model->sku_count(), original->sku_count());
    EXPECT_EQ(model->skus().data(), original->skus().data());
    EXPECT_EQ(&model->sku(0), &original->sku(0));
    EXPECT_EQ(model->services().data(), original->services().data());
    EXPECT_EQ(model->find_sku(original->sku_id(123)), 123u);
    // The nodes are the variant's own: they carry its health.
    EXPECT_NE(model->nodes().data(), original->nodes().data());
  }
  EXPECT_EQ(variant->node(3).on_time_bp, 9000);
  EXPECT_EQ(variant_of_variant->node(3).on_time_bp, 8000);
  EXPECT_EQ(original->node(3).on_time_bp, 10000);
}

TEST(NetworkModel, AHealthVariantFindsEverySkuAndNodeAfterTheModelItCameFromIsGone) {
  const NetworkIds ids = mixed_length_ids();
  std::shared_ptr<const NetworkModel> variant;
  {
    Result<NetworkModel> original = build_network(ids);
    ASSERT_TRUE(original) << original.status().to_string();
    const auto first = original->with_node_health(uniform_health(original->node_count(), 9500));
    variant = first->with_node_health(uniform_health(original->node_count(), 9000));
  }  // the built model and the first variant go; only the second variant is left

  ASSERT_EQ(variant->sku_count(), ids.skus.size());
  for (std::uint32_t i = 0; i < variant->sku_count(); ++i) {
    EXPECT_EQ(variant->find_sku(ids.skus[i]), i) << ids.skus[i];
    EXPECT_EQ(variant->sku_id(i), ids.skus[i]);
  }
  ASSERT_EQ(variant->node_count(), ids.nodes.size());
  for (std::uint32_t i = 0; i < variant->node_count(); ++i) {
    EXPECT_EQ(variant->find_node(ids.nodes[i]), i) << ids.nodes[i];
    EXPECT_EQ(variant->node(i).fill_bp, 9000);
  }
  EXPECT_EQ(variant->service(1).id, ids.services[1]);
  EXPECT_EQ(variant->find_sku("sku-200"), std::nullopt);
  EXPECT_EQ(variant->find_node("fc-4"), std::nullopt);
}

TEST(NetworkModel, BuildNamesARepeatedSkuId) {
  NetworkIds ids = mixed_length_ids();
  ids.skus[5] = ids.skus[2];
  const Result<NetworkModel> model = build_network(ids);
  ASSERT_FALSE(model);
  EXPECT_EQ(model.status().code(), StatusCode::invalid_argument);
  EXPECT_EQ(model.status().message(), "skus[5].id: 'sku-1' repeats");
}

TEST(NetworkModel, BuildNamesARepeatedNodeId) {
  NetworkIds ids = mixed_length_ids();
  ids.nodes[3] = ids.nodes[1];
  const Result<NetworkModel> model = build_network(ids);
  ASSERT_FALSE(model);
  EXPECT_EQ(model.status().message(),
            "nodes[3].id: 'fulfilment-centre-with-a-long-name-0' repeats");
}

TEST(NetworkModel, BuildNamesARepeatedCarrierServiceId) {
  NetworkIds ids = mixed_length_ids();
  ids.services.push_back("ground");
  const Result<NetworkModel> model = build_network(ids);
  ASSERT_FALSE(model);
  EXPECT_EQ(model.status().message(), "carrier_services[2].id: 'ground' repeats");
}

}  // namespace
}  // namespace edgeroute::routing
