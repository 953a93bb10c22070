/** A generic JSON row of master data and of the other simulated tables, as the API returns it. */
export type Row = Record<string, unknown>
