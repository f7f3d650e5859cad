/**
 * GridTokenX energy market core (pure): order book, matching, grid
 * capacity and congestion, fees, carbon credits.
 * @module
 */
export * from "./errors.ts";
export * from "./units.ts";
export * from "./params.ts";
export * from "./fees.ts";
export * from "./location.ts";
export * from "./grid_state.ts";
export * from "./order.ts";
export * from "./order_book.ts";
export * from "./trade.ts";
export * from "./certificate.ts";
export * from "./matching.ts";
