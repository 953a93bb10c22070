// @sluice/destination-testkit/warehouse: helpers for destinations tested against protocol fakes (warehouses with
// no emulator): an in-memory DuckDB holds what the warehouse would hold, and a few client-level load helpers.
export * from './testkit-fake-warehouse.ts'
export * from './testkit-load-helpers.ts'
