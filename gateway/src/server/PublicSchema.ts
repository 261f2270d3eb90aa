import { createHash } from 'node:crypto';
import type { ApolloGateway } from '@apollo/gateway';
import { printSchema, type GraphQLSchema } from 'graphql';
import type { SchemaDocument } from '../http/schemaDocument.ts';

/** The SDL of an API schema and its strong ETag: equal SDL, equal tag, whichever replica printed it. */
export function schemaDocumentOf(apiSchema: GraphQLSchema): SchemaDocument {
  const sdl = printSchema(apiSchema);
  return { sdl, etag: `"${createHash('sha256').update(sdl).digest('base64url')}"` };
}

/**
 * The schema clients can query, kept in step with the gateway: Apollo Gateway hands every supergraph it
 * loads to its listeners as an API schema (no @inaccessible fields, no join__ or link__ internals), and
 * the document is printed once per load, not per request.
 */
export class PublicSchema {
  private current: SchemaDocument | null = null;
  private currentSchema: GraphQLSchema | null = null;

  /** `extend` adds what the gateway serves beside Apollo Gateway (the Subscription type of gateway/src/live/). */
  constructor(private readonly extend: (apiSchema: GraphQLSchema) => GraphQLSchema = (schema) => schema) {}

  /** Called before the gateway loads, so the first supergraph is seen too. */
  follow(gateway: ApolloGateway): void {
    gateway.onSchemaLoadOrUpdate(({ apiSchema }) => {
      this.currentSchema = this.extend(apiSchema);
      this.current = schemaDocumentOf(this.currentSchema);
    });
  }

  /** The public schema (extended; the exports coerce their arguments with its input types), null until the first load. */
  schema(): GraphQLSchema | null {
    return this.currentSchema;
  }

  /** Null until the gateway has loaded its first supergraph. */
  document(): SchemaDocument | null {
    return this.current;
  }
}
