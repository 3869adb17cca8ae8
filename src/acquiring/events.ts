// Merchant events into the notify module's outbox, as statements that join the transaction of
// the state change they announce. (Being wired to the outbox.)
import type { CompiledQuery } from 'kysely';
import type { Store } from '../store/store.js';
import type { MerchantEvent } from './orders.js';

export function outboxWriter(store: Store): (event: MerchantEvent) => CompiledQuery[] {
  void store;
  return () => [];
}
