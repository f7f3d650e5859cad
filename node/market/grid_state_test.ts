import assert from "node:assert/strict";
import { MarketError } from "./errors.ts";
import { computeIntervalCapacityWh, getCongestionLevel, GridState } from "./grid_state.ts";
import { DEFAULT_GRID_TOPOLOGY, parseLocation } from "./location.ts";

Deno.test("locations: parse, BAD_LOCATION, UNKNOWN_LOCATION", () => {
  assert.deepEqual(parseLocation("BKK-01-SUB001"), {
    regionId: "BKK",
    zoneId: "BKK-01",
    substationId: "BKK-01-SUB001",
  });
  const grid = new GridState(DEFAULT_GRID_TOPOLOGY);
  for (
    const [loc, code] of [["BKK-1-SUB001", "BAD_LOCATION"], ["BKK-09-SUB001", "UNKNOWN_LOCATION"]]
  ) {
    assert.throws(
      () => grid.resolveLocation(loc!),
      (e) => e instanceof MarketError && e.code === code,
    );
  }
});

Deno.test("capacity per interval and congestion thresholds", () => {
  assert.equal(computeIntervalCapacityWh(1, 900_000), 250);
  assert.equal(computeIntervalCapacityWh(50_000, 900_000), 12_500_000);
  assert.equal(getCongestionLevel(7999, 10_000), "normal");
  assert.equal(getCongestionLevel(8000, 10_000), "warning");
  assert.equal(getCongestionLevel(9499, 10_000), "warning");
  assert.equal(getCongestionLevel(9500, 10_000), "congested");
});

Deno.test("paths: direct link, BFS across regions, flows reset on a new interval", () => {
  const grid = new GridState(DEFAULT_GRID_TOPOLOGY);
  assert.deepEqual(grid.getPathLinkIds("BKK-01", "BKK-03"), ["BKK-01|BKK-03"]);
  assert.deepEqual(grid.getPathLinkIds("CNX-02", "PKT-01"), [
    "CNX-01|CNX-02",
    "BKK-01|CNX-01",
    "BKK-01|BKK-03",
    "BKK-03|PKT-01",
  ]);
  grid.beginInterval(0, 900_000);
  const a = grid.resolveLocation("CNX-02-SUB001"), b = grid.resolveLocation("PKT-01-SUB001");
  grid.addFlow(a, b, 1000);
  assert.equal(grid.snapshot().links.length, 4);
  assert.equal(grid.getCongestion().zones.find((z) => z.id === "CNX-02")!.scheduledWh, 1000);
  grid.beginInterval(899_999, 900_000);
  assert.equal(grid.snapshot().substations.length, 2);
  grid.beginInterval(900_000, 900_000);
  assert.equal(grid.snapshot().substations.length, 0);
});
