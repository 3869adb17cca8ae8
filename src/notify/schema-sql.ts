// Migration 4: the notification outbox and its delivery attempts (being written).
export const notifySchemaSql = `
CREATE TABLE outbox_events (
  id text PRIMARY KEY
);
`;
