import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from './GatewayContext.ts';

/** Logs every unexpected error of a request with its request id. */
export function errorLogPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            const code = error.extensions?.code;
            if (code === 'INTERNAL_SERVER_ERROR' || code === undefined) contextValue.logger.error({ err: error.originalError ?? error }, 'request error');
          }
        },
      };
    },
  };
}
