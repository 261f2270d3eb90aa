import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { CatalogReport, type CatalogExtension } from '../shards/CatalogReport.ts';

/** The key of the completeness report in every response's `extensions`. */
export const CATALOG_EXTENSION = 'catalog';

/**
 * Adds `extensions.catalog` to every response: the exchanges the answer drew from, each with the catalog
 * version of the answer used, and the exchanges it lacks (see docs/architecture.md, "Partial results").
 * A response that already carries one keeps it: a response-cache hit carries the report it was built with.
 *
 * It must come before the response cache among the plugins: Apollo Server starts every `willSendResponse`
 * in plugin order, and this one sets the extension before it returns (no await), so the response cache
 * stores the response with it.
 */
export function catalogExtensionPlugin<TContext extends BaseContext & { catalog?: CatalogReport }>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        willSendResponse(context) {
          const body = context.response.body;
          const result = body.kind === 'single' ? body.singleResult : body.initialResult;
          if (result.extensions?.[CATALOG_EXTENSION]) return Promise.resolve();
          const catalog: CatalogExtension = (context.contextValue.catalog ?? new CatalogReport()).toExtension();
          result.extensions = { ...result.extensions, [CATALOG_EXTENSION]: catalog };
          return Promise.resolve();
        },
      };
    },
  };
}
