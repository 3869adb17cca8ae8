// Row types of the notify module's tables, for the query builder (being written).
export interface NotifyTables {
  outbox_events: { id: string };
}
