// Delivery formats: how an outbox event goes on the wire. Saoma's own webhook (`saoma`) is built
// into the worker; a protocol gateway registers its own (Alipay's signed form, WeChat Pay's
// encrypted resource with signed headers) under the name its events carry in `format`.

/** One attempt of an event, as the worker claimed it. */
export interface OutboundEvent {
  /** `evt_…`, the same on every attempt. */
  id: string;
  merchantId: string;
  /** `trade.success`, `trade.closed`, `refund.success` … */
  type: string;
  url: string;
  /** The stored native envelope: `{"id","type","created_at","merchant_id","data":{…}}`. */
  body: string;
  attemptNumber: number;
}

export interface WireRequest {
  /** Content type included; the worker adds its user agent. */
  headers: Readonly<Record<string, string>>;
  body: string;
}

export interface DeliveryFormat {
  /** This attempt's bytes: signed (and sealed) at send time, so timestamps are fresh. */
  request(event: OutboundEvent): Promise<WireRequest>;
  /** Whether the receiver's answer acknowledges the event, from its status and (short) body text. */
  acknowledged(httpStatus: number, bodyText: string): boolean;
}

export type DeliveryFormats = Readonly<Record<string, DeliveryFormat>>;
