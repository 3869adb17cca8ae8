// The red packet API (being written).
import type { FastifyInstance } from 'fastify';
import type { Modules } from '../modules.js';

export async function redPacketRoutes(app: FastifyInstance, options: { modules: Modules }): Promise<void> {
  void app;
  void options;
}
