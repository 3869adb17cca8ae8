// The protocol gateways' routes, mounted beside the native API by src/api/server.ts: Alipay's
// classic gateway (`/alipay/gateway.do`) and v3 API (`/v3/alipay/…`), WeChat Pay's v3 API
// (`/v3/pay/…`, `/v3/refund/…`, `/v3/bill/…`, `/v3/billdownload/…`). Each is an encapsulated
// plugin with its own body parsing, signatures and error shapes.
import type { FastifyInstance } from 'fastify';
import type { Modules } from '../modules.js';
import { wechatpayRoutes } from './wechatpay/routes.js';
import { alipayRoutes } from './alipay/routes.js';

export async function gatewayRoutes(app: FastifyInstance, options: { modules: Modules }): Promise<void> {
  void app;
  void options;
  app.register(wechatpayRoutes, { modules: options.modules });
  app.register(alipayRoutes, { modules: options.modules });
}
