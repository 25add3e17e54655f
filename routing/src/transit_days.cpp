#include "edgeroute/routing/transit_days.h"

namespace edgeroute::routing {

EpochDay delivery_day_after_transit(EpochDay ship_local_day, std::uint8_t transit_days,
                                    bool transit_business_days) {
  return delivery_day_after_transit(ship_local_day, weekday_of(ship_local_day), transit_days,
                                    transit_business_days);
}

}  // namespace edgeroute::routing
