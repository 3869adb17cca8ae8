// The network as a newcomer sees it before signing up: which wallet providers there are, by
// name, with the password-free limit each applies to payments. Public, read-only.
import type { FastifyInstance } from 'fastify';
import type { Modules } from '../modules.js';

export async function networkRoutes(app: FastifyInstance, options: { modules: Modules }): Promise<void> {
  const { network } = options.modules;
  app.get(
    '/providers',
    { schema: { tags: ['network'], summary: 'The wallet providers one can sign up with' } },
    async () => ({
      providers: (await network.listProviders()).map((provider) => ({
        id: provider.id,
        name: provider.name,
        name_zh: provider.nameZh,
        password_free_limit: provider.policy.payments.passwordFreeLimitFen.toString(),
      })),
    }),
  );
}
