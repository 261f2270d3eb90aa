import { Kind, getNamedType, isObjectType, parse, type DocumentNode, type GraphQLOutputType, type GraphQLSchema, type SelectionSetNode } from 'graphql';
import { getArgumentValues } from 'graphql/execution/values.js';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { LRUCache } from 'lru-cache';
import type { DatasetSort } from '../../../shared/domain.ts';
import {
  ENTITIES,
  ROOT_FIELDS,
  ID_PREFIX_SEPARATOR,
  FILTER_EXCHANGES,
  PAGE_ARGUMENTS,
  STATS_BUCKET,
  STATISTICS,
  CONNECTION,
} from '../../../schema/mergeRules.ts';
import { planShardFetch, HIDDEN, LIFT_REPRESENTATIONS, ShardPlanError, type FieldPlan, type ShardPlan } from './shardPlan.ts';
import { mergeConnections, type ConnectionPart } from './keysetMerge.ts';
import { fanOutPageSize, refillsNeeded, refillProblem, withRefill, type Refill } from './smallPages.ts';
import { isLeadingSort, pageWithinBound, planLeadingPage, type LeadingPagePlan, type LeadingSort } from './leadingPages.ts';
import { REFILL_OPERATION } from './pagedPlan.ts';
import { changeLogProblem, mergeChangeLogs } from './changeLogMerge.ts';
import { decodeChangeCursor } from '../../../shared/priceChangeCursor.ts';
import { decodeCursor, type CursorPosition } from '../../../shared/datasetOrder.ts';
import { mergePriceStats } from './statsMerge.ts';
import { mergePriceStatistics, statisticsArgumentsProblem } from './statisticsMerge.ts';
import { findAnswerProblem, stripHidden, connectionProblem, statsProblem, statisticsProblem } from './answerChecks.ts';
import { exchangeFailure, toGraphQLError, type ExchangeFailure } from '../exchangeClient/exchangeErrors.ts';
import type { ExchangeResult, ExchangeAnswer, GraphQLRequestBody } from '../exchangeClient/ExchangeClient.ts';
import { DirectFetcher, type ShardFetcher, type ShardRequest, type ShardTargets } from '../exchangeClient/ShardFetcher.ts';
import { maxAgeOf, type ResponsePolicy } from '../cache/ResponsePolicy.ts';
import { createLogger } from '../../../shared/logger.ts';
import type { CatalogReport } from './CatalogReport.ts';
import { ProductsResolver, type GroupsCall } from './ProductsResolver.ts';
import { CrossListings } from './CrossListings.ts';
import { crossListedVariable } from './productsPlan.ts';
import { PRODUCTS, CROSS_LISTED, CHANGE_LOG } from '../../../schema/mergeRules.ts';
import { CatalogSummaries, type CatalogSummariesOptions } from './CatalogSummaries.ts';
import { provablyEmpty, type CatalogSummary } from './summaryPruning.ts';
import { CallLimiter } from './CallLimiter.ts';
import { withSpan, withSpanSync } from '../../../shared/tracing/tracing.ts';

// The router's options speak of these; they live with the client so that the caches can use them too.
export { DirectFetcher, type ShardFetcher, type ShardRequest, type ShardTarget, type ShardTargets } from '../exchangeClient/ShardFetcher.ts';

/** What the router uses of the incoming request's context. */
export interface RequestScope {
  requestId?: string;
  /** Restricted by every exchange answer used (see ResponsePolicy). */
  cachePolicy?: ResponsePolicy;
  /**
   * Exchanges that failed earlier in this request, and how. A later fetch of the same request skips them
   * at once (no call, no wait), still lists them in missingExchanges, and adds no second error.
   */
  failed?: Map<string, ExchangeFailure>;
  /** Where the exchanges each answer drew from, and those it lacks, are recorded (`extensions.catalog`). */
  catalog?: Pick<CatalogReport, 'drewFrom' | 'lacks'>;
  /** The request's cap on calls in flight (ShardRouterOptions.maxCallsPerRequest). */
  calls?: CallLimiter;
}

/** Where a failed exchange's part would have been: the client paths it leaves empty, the first one first. */
type AffectedPaths = (exchange: string) => Array<ReadonlyArray<string | number>>;

export interface ShardLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface ShardRouterOptions {
  /** The exchange contract as an executable-shaped schema (for argument values and types). */
  contractSchema: GraphQLSchema;
  targets: ShardTargets;
  /** Default: a DirectFetcher (no cache). */
  fetcher?: ShardFetcher;
  logger?: ShardLogger;
  /** Called with every exchange result, e.g. to record latency and catalog versions. */
  didReceiveResult?: (result: ExchangeResult) => void;
  /**
   * The catalog version (and epoch) the fetcher's cache uses for an exchange, when it knows one: the
   * cross-listed codes are kept by it (cache hits carry no version of their own). Default: none.
   */
  catalogScopeOf?: (exchange: string) => string | null;
  /**
   * Prune fan-out calls by the exchanges' catalog summaries (docs/scale-out.md): an exchange that provably
   * has no listing for a field's filter is not called. Default: none (every exchange is called).
   */
  pruning?: Omit<CatalogSummariesOptions, 'fetchSummary'>;
  /**
   * How summaries are fetched: apart from `fetcher`, so that they count neither as shard calls nor in the
   * shard cache (each is kept in memory by its version, see CatalogSummaries). Default: a DirectFetcher.
   */
  summaryFetcher?: ShardFetcher;
  /** Hears every fan-out decision: the exchange is called, or pruned. Default: none. */
  didDecide?: (exchange: string, decision: 'called' | 'pruned') => void;
  /** Exchange calls one client request may have in flight at once. Default: no cap. */
  maxCallsPerRequest?: number;
}

/** One gateway-only question to several exchanges (ShardRouter.perExchange). */
export interface PerExchangeQuery {
  fieldName: string;
  args: Record<string, unknown>;
  request: RequestScope;
  /** Judges one exchange's value of the field: null when good, else what is wrong (the answer is then not used). */
  check: (value: unknown) => string | null;
  /** The exchanges to ask; default: those the filter argument names, or all. */
  exchanges?: string[];
  /**
   * Put the exchanges that refuse the query as a whole (errors and no data, none of them the client's
   * fault: an implementation without the field, say) in `refused`, neither failed nor reported, so the
   * caller may ask them another way. Default false: they are failures like any other.
   */
  separateRefusals?: boolean;
}

export type GraphQLErrorJson = { message: string; path?: ReadonlyArray<string | number>; extensions?: Record<string, unknown> };

interface Outcome {
  data: Record<string, unknown> | null;
  errors: GraphQLErrorJson[];
}

/**
 * An unfiltered page's decision (leadingPages.ts): the called exchanges' page size, the plan's bound and
 * skipped exchanges, and the client's cursor; `asked` once the skipped exchanges with listings after it
 * were called too (withSkipped), with those of them that failed.
 */
interface LeadingOutcome {
  pageSize: number;
  bound: CursorPosition | null;
  skipped: LeadingPagePlan['skipped'];
  after: string | null;
  asked?: { failed: string[] };
}

/** Skipped exchanges with listings after the client's cursor: the ones asked when the plan's premise fails. */
function skippedWithRows(leading: LeadingOutcome): string[] {
  return leading.skipped.filter((s) => s.hasMore).map((s) => s.exchange);
}

/**
 * What the merge adds for the skipped exchanges: their listings (from their summaries; those asked answer
 * the refill query, without totalCount), but for the ones that failed when asked; and whether any comes
 * after the cursor, unless they were asked (their own pages then say).
 */
function elsewhereOf(leading: LeadingOutcome): { count: number; hasMore: boolean } {
  const failed = new Set(leading.asked?.failed);
  return {
    count: leading.skipped.reduce((sum, s) => sum + (failed.has(s.exchange) ? 0 : s.count), 0),
    hasMore: !leading.asked && leading.skipped.some((s) => s.hasMore),
  };
}

interface PruneOutcome {
  targets: string[];
  leading?: LeadingOutcome;
}

/** A paged connection's parts after its refills (ShardRouter.refill). */
interface RefilledField {
  parts: ConnectionPart[];
  /** Exchanges dropped because their refill failed. */
  missing: string[];
  errors: GraphQLErrorJson[];
}

const USER_ERROR_CODES = new Set(['BAD_USER_INPUT']);
/** filter.exchanges longer than this is refused (each unknown id would cost an error line). */
export const MAX_NAMED_EXCHANGES = 32;

/** For a router built without a logger (tests): one for all of them. */
let defaultLogger: ShardLogger | undefined;

function prefixOf(id: unknown): string | null {
  if (typeof id !== 'string') return null;
  const at = id.indexOf(ID_PREFIX_SEPARATOR);
  return at > 0 ? id.slice(0, at) : null;
}

/**
 * The data source behind the `exchanges` subgraph: it spreads each planned fetch over the registered
 * exchanges and merges their answers (see schema/mergeRules.ts for what goes where). `process` never
 * throws: a failed exchange costs its own part and adds one error naming it.
 */
export class ShardRouter implements GraphQLDataSource {
  private readonly plans = new WeakMap<DocumentNode, ShardPlan>();
  private readonly plansByText = new LRUCache<string, ShardPlan>({ max: 500 });
  private readonly logger: ShardLogger;
  private readonly fetcher: ShardFetcher;
  /** Null when pruning is off. */
  readonly summaries: CatalogSummaries | null;

  constructor(private readonly options: ShardRouterOptions) {
    this.logger = options.logger ?? (defaultLogger ??= createLogger({ service: 'gateway', base: { component: 'shard-router' } }));
    this.fetcher = options.fetcher ?? new DirectFetcher();
    this.summaryFetcher = options.summaryFetcher ?? new DirectFetcher();
    this.summaries = options.pruning ? new CatalogSummaries({ ...options.pruning, fetchSummary: (exchange, body) => this.fetchSummary(exchange, body) }) : null;
  }

  private readonly summaryFetcher: ShardFetcher;

  /** One exchange's catalogSummary, through the exchange's own client (kept by version in CatalogSummaries). */
  private async fetchSummary(exchange: string, body: GraphQLRequestBody): Promise<ExchangeResult> {
    const target = this.options.targets.get(exchange);
    if (!target?.isAvailable()) return exchangeFailure(exchange, 'EXCHANGE_UNAVAILABLE', `exchange ${exchange} is not available`);
    const result = await this.summaryFetcher.fetch(target, {
      body,
      check: (answer) => (answer.data?.catalogSummary && !answer.errors?.length ? null : 'answered no catalogSummary'),
    });
    this.options.didReceiveResult?.(result);
    return result;
  }

  /**
   * The exchanges of `targets` that may hold a listing matching the field's filter; the others are pruned:
   * not called, not missing, and reported in extensions.catalog with the version of the summary that ruled
   * them out. An unfiltered page goes only to the exchanges that may hold its rows (leadingPages.ts); the
   * others' listings are counted from their summaries. At least one exchange is always kept, so the answer
   * (and any refusal of bad input) comes from an exchange as without pruning.
   */
  private async prune(field: FieldPlan, targets: string[], variables: Record<string, unknown>, request: RequestScope): Promise<PruneOutcome> {
    const summaries = this.summaries;
    const filter = this.datasetFilterOf(field, variables);
    const filtering = Boolean(filter && Object.entries(filter).some(([key, value]) => key !== FILTER_EXCHANGES && value !== null && value !== undefined));
    const page = !filtering && field.paged && field.rule?.route === 'fanOut' && field.rule.merge === 'connection' ? this.leadingPage(field, variables) : null;
    if (!summaries || (!filtering && !page) || targets.length < 2) {
      for (const exchange of targets) this.options.didDecide?.(exchange, 'called');
      return { targets };
    }
    const known = await Promise.all(targets.map((exchange) => (this.options.targets.get(exchange)?.isAvailable() ? summaries.summaryOf(exchange) : null)));
    let ruledOut: boolean[];
    let outcome: PruneOutcome;
    if (page) {
      const plan = planLeadingPage(
        targets.map((exchange, i) => ({ exchange, datasetCount: known[i]?.datasetCount ?? 0, leading: known[i]?.leading[page.sort] ?? null })),
        page.first,
        page.sort,
        page.after,
      );
      const skipped = new Set(plan.skipped.map((s) => s.exchange));
      ruledOut = targets.map((exchange) => skipped.has(exchange));
      outcome = {
        targets: plan.called,
        leading: { pageSize: plan.pageSize, bound: plan.bound, skipped: plan.skipped, after: page.cursor },
      };
    } else {
      ruledOut = known.map((summary) => summary !== null && provablyEmpty(summary, filter));
      if (ruledOut.every(Boolean)) ruledOut[0] = false;
      outcome = { targets: targets.filter((_, i) => !ruledOut[i]) };
    }
    targets.forEach((exchange, i) => {
      if (ruledOut[i]) request.catalog?.drewFrom(exchange, known[i]!.catalogVersion);
      this.options.didDecide?.(exchange, ruledOut[i] ? 'pruned' : 'called');
    });
    return outcome;
  }

  /** An unfiltered connection's page in an order summaries lead in, with the client's cursor decoded; null otherwise (a bad cursor is the exchanges' to refuse). */
  private leadingPage(
    field: FieldPlan,
    variables: Record<string, unknown>,
  ): { first: number; sort: LeadingSort; after: CursorPosition | null; cursor: string | null } | null {
    const { first, sort } = this.pageArgs(field, variables);
    if (!isLeadingSort(sort)) return null;
    const cursor = (this.args(field, variables)[PAGE_ARGUMENTS.after] as string | null | undefined) ?? null;
    const after = cursor === null ? null : decodeCursor(cursor, sort);
    return typeof after === 'string' ? null : { first, sort, after, cursor };
  }

  /** The DatasetFilter of a fan-out field (products: its `datasets`). */
  private datasetFilterOf(field: FieldPlan, variables: Record<string, unknown>): Record<string, unknown> | null | undefined {
    if (field.rule?.route !== 'fanOut') return undefined;
    const argument = this.args(field, variables)[field.rule.filterArgument] as Record<string, any> | null | undefined;
    return field.rule.merge === 'products' ? argument?.[field.rule.datasetFilterField] : argument;
  }

  /** Call caps per request, by its context object (like failuresByRequest). */
  private readonly limitersByRequest = new WeakMap<object, CallLimiter>();

  /** The failures of each request so far, by its context object (the same for every fetch of one request). */
  private readonly failuresByRequest = new WeakMap<object, Map<string, ExchangeFailure>>();

  private failuresOf(context: unknown): Map<string, ExchangeFailure> {
    if (context === null || typeof context !== 'object') return new Map();
    let failed = this.failuresByRequest.get(context);
    if (!failed) this.failuresByRequest.set(context, (failed = new Map()));
    return failed;
  }

  /**
   * The scope of one client request, from the context every fetch of it shares: other data sources of the
   * gateway (gateway/src/providers/) ask the exchanges in the same scope, so a failed exchange is reported
   * once and the response is cached no longer than the answers allow.
   */
  requestScope(context: unknown): RequestScope {
    const { requestId, cachePolicy, catalog } = (context ?? {}) as RequestScope;
    return { requestId, cachePolicy, catalog, failed: this.failuresOf(context), calls: this.limiterOf(context) };
  }

  private limiterOf(context: unknown): CallLimiter | undefined {
    const max = this.options.maxCallsPerRequest;
    if (!max || context === null || typeof context !== 'object') return undefined;
    let limiter = this.limitersByRequest.get(context);
    if (!limiter) this.limitersByRequest.set(context, (limiter = new CallLimiter(max)));
    return limiter;
  }

  async process(options: GraphQLDataSourceProcessOptions): Promise<GatewayGraphQLResponse> {
    try {
      const query = options.request.query ?? '';
      const document = 'document' in options ? options.document : undefined;
      const plan = withSpanSync('shards.plan', {}, (span) => {
        const planned = this.planFor(query, document);
        span?.setAttributes({ 'shards.plan.kind': planned.kind, 'shards.plan.fields': planned.rootFields.length });
        return planned;
      });
      const outcome = await this.execute(plan, options.request.variables ?? {}, this.requestScope(options.context));
      return { data: outcome.data, ...(outcome.errors.length ? { errors: outcome.errors } : {}) } as GatewayGraphQLResponse;
    } catch (err) {
      if (err instanceof ShardPlanError) {
        return { errors: [{ message: err.message, extensions: { code: 'BAD_USER_INPUT' } }] } as GatewayGraphQLResponse;
      }
      this.logger.error({ err: String((err as Error)?.stack ?? err) }, 'shard router failed');
      return {
        errors: [{ message: 'the gateway could not route this request to the exchanges', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
      } as GatewayGraphQLResponse;
    }
  }

  planFor(query: string, document?: DocumentNode, internal = false): ShardPlan {
    if (document) {
      const cached = this.plans.get(document);
      if (cached) return cached;
    }
    let plan = this.plansByText.get(query);
    if (!plan) {
      plan = planShardFetch(document ?? parse(query), this.options.contractSchema, { internal });
      this.plansByText.set(query, plan);
    }
    if (document) this.plans.set(document, plan);
    return plan;
  }

  /** Argument values per field, computed once per execution (keyed by its variables object). */
  private readonly argumentValues = new WeakMap<object, Map<FieldPlan, Record<string, any>>>();

  private args(field: FieldPlan, variables: Record<string, unknown>): Record<string, any> {
    let byField = this.argumentValues.get(variables);
    if (!byField) this.argumentValues.set(variables, (byField = new Map()));
    let values = byField.get(field);
    if (!values) byField.set(field, (values = getArgumentValues(field.definition as never, field.node, variables)));
    return values;
  }

  /** A connection's page arguments, with the contract's defaults where the client sent null. */
  private pageArgs(field: FieldPlan, variables: Record<string, unknown>): { first: number; sort: DatasetSort } {
    const args = this.args(field, variables);
    const valueOf = (name: string) => args[name] ?? field.definition.args.find((a) => a.name === name)?.defaultValue;
    return { first: valueOf(PAGE_ARGUMENTS.first) as number, sort: valueOf(PAGE_ARGUMENTS.sort) as DatasetSort };
  }

  /** The page arguments as sent to the exchanges: `first` is the small page of a paged field. */
  private sentPageArgs(field: FieldPlan, variables: Record<string, unknown>, pageSizes?: Map<FieldPlan, number>): { first: number; sort: DatasetSort } {
    const page = this.pageArgs(field, variables);
    const size = pageSizes?.get(field);
    return size === undefined ? page : { ...page, first: size };
  }

  /** Exchanges a fan-out field must ask: the ones its filter names, or all. */
  private fanOutTargets(field: FieldPlan, variables: Record<string, unknown>): string[] {
    if (field.rule?.route !== 'fanOut') return [];
    const argument = this.args(field, variables)[field.rule.filterArgument] as Record<string, any> | null | undefined;
    const filter = (field.rule.merge === 'products' ? argument?.[field.rule.datasetFilterField] : argument) as
      Record<string, string[] | null | undefined> | null | undefined;
    const listed = filter?.[FILTER_EXCHANGES];
    if (listed && listed.length > 0) {
      const named = [...new Set(listed)];
      if (named.length > MAX_NAMED_EXCHANGES) throw new ShardPlanError(`filter.exchanges: at most ${MAX_NAMED_EXCHANGES} exchanges, got ${named.length}`);
      return named;
    }
    return this.options.targets.all().map((t) => t.id);
  }

  /** Sends one request to one exchange, or fails at once when it failed earlier in this request, is unknown or is offline. */
  private async call(exchange: string, shardRequest: ShardRequest, request: RequestScope): Promise<ExchangeResult> {
    const earlier = request.failed?.get(exchange);
    if (earlier) return earlier;
    const target = this.options.targets.get(exchange);
    if (!target) return exchangeFailure(exchange, 'EXCHANGE_UNAVAILABLE', `exchange ${exchange} is not registered`);
    if (!target.isAvailable()) return exchangeFailure(exchange, 'EXCHANGE_UNAVAILABLE', `exchange ${exchange} is offline`);
    const result = await withSpan('exchange.fetch', { 'exchange.id': exchange }, async (span) => {
      const fetched = request.calls ? await request.calls.run(() => this.fetcher.fetch(target, shardRequest)) : await this.fetcher.fetch(target, shardRequest);
      span?.setAttributes({
        'exchange.outcome': fetched.ok ? 'ok' : fetched.code,
        'cache.hit': fetched.ok && fetched.fromCache === true,
        'exchange.shared_flight': fetched.shared === true,
      });
      return fetched;
    });
    this.options.didReceiveResult?.(result);
    if (result.ok && !result.fromCache) this.summaries?.observe(exchange, result.catalogVersion);
    // The response is kept no longer than the answers it is built from may be.
    request.cachePolicy?.restrict(result.ok ? maxAgeOf(result.cacheControl) : 0);
    return result;
  }

  /**
   * Sorts answers into usable ones, user errors (the client's mistake, reported once) and failures
   * (the exchange's fault: none of its data is used). `errors` holds one EXCHANGE_* error per failed
   * exchange not already reported in this request (an earlier or a parallel fetch may have).
   */
  private triage(
    results: ExchangeResult[],
    request: RequestScope,
    check: (answer: ExchangeAnswer) => string | null,
    affected: AffectedPaths,
  ): { answers: Map<string, ExchangeAnswer>; failures: ExchangeFailure[]; errors: GraphQLErrorJson[]; userErrors: GraphQLErrorJson[] } {
    const answers = new Map<string, ExchangeAnswer>();
    const failures: ExchangeFailure[] = [];
    const userErrors = new Map<string, GraphQLErrorJson>();
    const blamingTheClient: ExchangeAnswer[] = [];
    for (const result of results) {
      if (!result.ok) {
        failures.push(result);
        continue;
      }
      const errors = result.errors ?? [];
      const userOnly = errors.length > 0 && errors.every((e) => USER_ERROR_CODES.has(String(e.extensions?.code)));
      if (userOnly) {
        blamingTheClient.push(result);
        for (const e of errors)
          userErrors.set(`${e.message}|${JSON.stringify(e.path ?? [])}`, {
            message: e.message,
            path: e.path,
            extensions: { code: e.extensions?.code, ...(e.extensions?.argument ? { argument: e.extensions.argument } : {}) },
          });
        continue;
      }
      // The exchange's own error messages are not passed on (they are its text, not ours): the log has them.
      const bad = badAnswer(result, check);
      if (bad) {
        failures.push(bad);
        continue;
      }
      answers.set(result.exchange, result);
    }
    // The client's mistake only when every exchange that answered says so; an exchange alone in blaming
    // the client (stricter, or lying) is a bad response and its message is not passed on.
    const blamedAlone = blamingTheClient.length > 0 && answers.size > 0;
    if (blamedAlone) {
      for (const result of blamingTheClient) failures.push(badResponse(result.exchange, 'refused input the other exchanges accepted'));
    }
    const clientErrors = blamedAlone ? [] : [...userErrors.values()];
    // When the client is to blame, only its errors are returned: failures are neither reported nor remembered.
    if (clientErrors.length > 0) return { answers, failures, errors: [], userErrors: clientErrors };
    for (const [exchange, answer] of answers) request.catalog?.drewFrom(exchange, answer.catalogVersion);
    for (const failure of failures) request.catalog?.lacks(failure.exchange);
    return { answers, failures, errors: this.report(failures, request, affected), userErrors: clientErrors };
  }

  /**
   * One error (and one log line with the real cause) per failed exchange per request. Its `path` is the
   * first field the failure leaves incomplete; when it leaves several root fields of the fetch incomplete,
   * `extensions.paths` lists them all (see docs/architecture.md, "Partial results").
   */
  private report(failures: ExchangeFailure[], request: RequestScope, affected: AffectedPaths): GraphQLErrorJson[] {
    const errors: GraphQLErrorJson[] = [];
    for (const failure of failures) {
      if (request.failed?.has(failure.exchange)) continue;
      request.failed?.set(failure.exchange, failure);
      this.logger.warn({ requestId: request.requestId, exchange: failure.exchange, code: failure.code, cause: describeCause(failure.cause) }, failure.message);
      const paths = affected(failure.exchange);
      const error = toGraphQLError(failure, paths[0]);
      if (paths.length > 1) (error.extensions as Record<string, unknown>).paths = paths;
      errors.push(error);
    }
    return errors;
  }

  /**
   * A `perExchange` field (schema/mergeRules.ts), asked of `exchanges`, else those the filter names, else all, through
   * the fetcher (so cached under each exchange's catalog version), and answered apart: exchange → its
   * value. `check` judges each answer's value (null when good); a failed or bad exchange is in `missing`,
   * with one error (no path: the caller knows which of its fields lack it) unless reported earlier in
   * this request.
   */
  /** The id of every registered exchange, sorted. */
  exchangeIds(): string[] {
    return this.options.targets
      .all()
      .map((t) => t.id)
      .sort();
  }

  async perExchange({
    fieldName,
    args,
    request,
    check,
    exchanges,
    separateRefusals = false,
  }: PerExchangeQuery): Promise<{ answers: Map<string, unknown>; missing: string[]; errors: GraphQLErrorJson[]; refused: string[] }> {
    const rule = ROOT_FIELDS[fieldName];
    if (rule?.route !== 'perExchange') throw new Error(`${fieldName} is not a perExchange field of schema/mergeRules.ts`);
    const definition = this.options.contractSchema.getQueryType()!.getFields()[fieldName];
    const variableDefinitions = definition.args.map((a) => `$${a.name}: ${a.type}`).join(', ');
    const argumentList = definition.args.map((a) => `${a.name}: $${a.name}`).join(', ');
    const selection = shapeSelection(definition.type);
    const query = `query GatewayPerExchange${variableDefinitions ? `(${variableDefinitions})` : ''} { ${fieldName}${argumentList ? `(${argumentList})` : ''} ${selection} }`;
    const filter = args[rule.filterArgument] as Record<string, string[] | null | undefined> | null | undefined;
    const named = filter?.[FILTER_EXCHANGES];
    const targets = exchanges ? [...new Set(exchanges)] : named && named.length > 0 ? [...new Set(named)] : this.options.targets.all().map((t) => t.id);
    if (targets.length > MAX_NAMED_EXCHANGES) throw new ShardPlanError(`filter.exchanges: at most ${MAX_NAMED_EXCHANGES} exchanges, got ${targets.length}`);
    const answerCheck = checkedOnce((answer: ExchangeAnswer) => {
      const problem = answer.data ? check(answer.data[fieldName]) : 'answered no data';
      return problem ? `${fieldName}: ${problem}` : null;
    });
    const body = { query, variables: args, operationName: 'GatewayPerExchange' };
    const called = await Promise.all(targets.map((exchange) => this.call(exchange, { body, check: answerCheck }, request)));
    const refused = separateRefusals ? called.filter(refusedWhole).map((r) => r.exchange) : [];
    const results = refused.length > 0 ? called.filter((r) => !refused.includes(r.exchange)) : called;
    const { answers, failures, errors, userErrors } = this.triage(results, request, answerCheck, () => []);
    if (userErrors.length > 0) throw new ShardPlanError(userErrors.map((e) => e.message).join('; '));
    const values = new Map([...answers].map(([exchange, answer]) => [exchange, answer.data![fieldName]]));
    return { answers: values, missing: failures.map((f) => f.exchange).filter((e, i, all) => all.indexOf(e) === i), errors, refused };
  }

  async execute(plan: ShardPlan, clientVariables: Record<string, unknown>, request: RequestScope = {}): Promise<Outcome> {
    const { variables, errors: crossListingErrors } = await this.withCrossListedCodes(plan, clientVariables, request);
    // Only a fetch whose filter sets crossListed is sent with the codes (a query text of its own).
    if (variables !== clientVariables) plan = plan.withCrossListedCodes?.() ?? plan;
    const outcome = plan.kind === 'entities' ? await this.executeEntities(plan, variables, request) : await this.executeRoot(plan, variables, request);
    outcome.errors.unshift(...crossListingErrors);
    if (outcome.data) {
      for (const lift of plan.lifts) outcome.errors.push(...(await this.executeLift(lift, outcome.data, variables, request)));
      stripHidden(outcome.data);
    }
    return outcome;
  }

  private async executeRoot(plan: ShardPlan, variables: Record<string, unknown>, request: RequestScope = {}): Promise<Outcome> {
    const targetsByField = new Map<FieldPlan, string[]>();
    const leadingByField = new Map<FieldPlan, LeadingOutcome>();
    // A root field the client asked wrongly is null with its own error; the other root fields keep their data.
    const fieldErrors = new Map<FieldPlan, GraphQLErrorJson>();
    for (const field of plan.rootFields) {
      try {
        targetsByField.set(field, this.rootFieldTargets(field, variables));
      } catch (err) {
        if (!(err instanceof ShardPlanError)) throw err;
        fieldErrors.set(field, { message: err.message, path: [field.responseKey], extensions: { code: 'BAD_USER_INPUT' } });
      }
    }
    await Promise.all(
      [...targetsByField]
        .filter(([field]) => field.rule?.route === 'fanOut')
        .map(async ([field, targets]) => {
          const outcome = await this.prune(field, targets, variables, request);
          targetsByField.set(field, outcome.targets);
          if (outcome.leading) leadingByField.set(field, outcome.leading);
        }),
    );
    // Fields the router answers with calls of its own (products) are not in plan.query.
    const exchanges = [...new Set([...targetsByField].flatMap(([field, targets]) => (field.separateNode ? [] : targets)))];
    const separate = this.executeSeparate(plan, variables, targetsByField, request);
    // Paged connections: each exchange is asked for a small page of its own (smallPages.ts).
    const pageSizes = new Map<FieldPlan, number>();
    const sentVariables: Record<string, unknown> = { ...variables };
    for (const field of plan.rootFields) {
      if (!field.paged || fieldErrors.has(field)) continue;
      const size = leadingByField.get(field)?.pageSize ?? fanOutPageSize(this.pageArgs(field, variables).first, targetsByField.get(field)?.length ?? 0);
      pageSizes.set(field, size);
      sentVariables[field.paged.firstVariable] = size;
      sentVariables[field.paged.afterVariable] = this.args(field, variables)[PAGE_ARGUMENTS.after] ?? null;
    }
    const check = checkedOnce((answer: ExchangeAnswer) => this.checkRootAnswer(plan, answer, variables, pageSizes));
    const body = { query: plan.query, variables: sentVariables, operationName: plan.operationName };
    const results = plan.query ? await Promise.all(exchanges.map((exchange) => this.call(exchange, { body, check }, request))) : [];
    const separateOutcomes = await separate;
    // Products fields report their own failures, at their own path (ProductsResolver).
    const affected: AffectedPaths = (exchange) =>
      plan.rootFields
        .filter((field) => !field.separateNode && !fieldErrors.has(field) && targetsByField.get(field)?.includes(exchange))
        .map((field) => [field.responseKey]);
    const { answers, failures, errors, userErrors } = this.triage(results, request, check, affected);
    if (userErrors.length > 0) return { data: null, errors: [...fieldErrors.values(), ...userErrors] };

    const failed = new Map(failures.map((f) => [f.exchange, f]));
    const refilled = new Map<FieldPlan, RefilledField>();
    await Promise.all(
      [...pageSizes.keys()].map(async (field) => {
        const parts = (targetsByField.get(field) ?? []).flatMap((t) =>
          answers.has(t) ? [{ exchange: t, value: answers.get(t)!.data![field.responseKey] as Record<string, any> }] : [],
        );
        let outcome = await this.refill(plan, field, parts, sentVariables, request);
        const leading = leadingByField.get(field);
        const widened = leading ? await this.withSkipped(plan, field, outcome, leading, sentVariables, request) : null;
        if (widened && leading) {
          // The skipped exchanges are called now: their own pages say whether more follows, and one that
          // failed is missing, its listings no longer counted from its summary.
          outcome = widened;
          const asked = skippedWithRows(leading);
          targetsByField.set(field, [...(targetsByField.get(field) ?? []), ...asked]);
          leadingByField.set(field, { ...leading, asked: { failed: asked.filter((e) => widened.missing.includes(e)) } });
        }
        refilled.set(field, outcome);
        errors.push(...outcome.errors);
      }),
    );
    const data: Record<string, unknown> = {};
    withSpanSync('shards.merge', { 'shards.answers': answers.size }, () =>
      this.mergeRoot({ plan, variables, targetsByField, leadingByField, answers, failed, refilled, fieldErrors, separateOutcomes, errors, data }),
    );
    return { data, errors: [...fieldErrors.values(), ...errors] };
  }

  /**
   * A paged connection's parts made complete enough for an exact merge: the exchanges whose rows may
   * still belong in the page are asked for more after their own last cursor, all at once (one round is
   * enough: smallPages.ts). An exchange that fails its refill is dropped from this field, as if it had
   * failed the first call: missing, its totalCount not added, one error at the field's path.
   */
  private async refill(
    plan: ShardPlan,
    field: FieldPlan,
    parts: ConnectionPart[],
    variables: Record<string, unknown>,
    request: RequestScope,
  ): Promise<RefilledField> {
    const { first, sort } = this.pageArgs(field, variables);
    const refills = parts.length > 1 ? refillsNeeded(parts, first, sort) : [];
    if (refills.length === 0) return { parts, missing: [], errors: [] };
    const listKeys = [...field.shape!].filter(([, { field: name }]) => name === CONNECTION.edges || name === CONNECTION.nodes).map(([key]) => key);
    const { byExchange, failedNow, errors } = await this.sendRefills(plan, field, refills, variables, request);
    return {
      parts: parts
        .filter((part) => !failedNow.has(part.exchange))
        .map((part) => (byExchange.has(part.exchange) ? withRefill(part, byExchange.get(part.exchange)!, listKeys) : part)),
      missing: [...failedNow],
      errors,
    };
  }

  /**
   * An unfiltered page whose rows do not all lie within its plan's bound (leadingPages.ts): a called exchange
   * failed, or answered otherwise than its summary said (a version it had moved from, or a list that lied),
   * so the exchanges skipped by that bound may hold rows of the page after all. They are asked for the page
   * too (`first` rows after the client's cursor, without totalCount: their listings are already counted from
   * their summaries), and their rows join the merge; one that fails is missing, as any called exchange.
   */
  private async withSkipped(
    plan: ShardPlan,
    field: FieldPlan,
    paged: RefilledField,
    leading: LeadingOutcome,
    variables: Record<string, unknown>,
    request: RequestScope,
  ): Promise<RefilledField | null> {
    const { first, sort } = this.pageArgs(field, variables);
    const asked = skippedWithRows(leading);
    if (asked.length === 0 || pageWithinBound(paged.parts, first, sort, leading.bound)) return null;
    const refills = asked.map((exchange) => ({ exchange, after: leading.after, first }));
    const { byExchange, failedNow, errors } = await this.sendRefills(plan, field, refills, variables, request);
    return {
      parts: [...paged.parts, ...[...byExchange].map(([exchange, value]) => ({ exchange, value }))],
      missing: [...paged.missing, ...failedNow],
      errors: [...paged.errors, ...errors],
    };
  }

  /** Calls of the refill query (the page's selection without totalCount), each after its own cursor; the answers by exchange. */
  private async sendRefills(
    plan: ShardPlan,
    field: FieldPlan,
    refills: Refill[],
    variables: Record<string, unknown>,
    request: RequestScope,
  ): Promise<{ byExchange: Map<string, Record<string, any>>; failedNow: Set<string>; errors: GraphQLErrorJson[] }> {
    const { sort } = this.pageArgs(field, variables);
    const paged = field.paged!;
    const checks = refills.map((refill) =>
      checkedOnce((answer: ExchangeAnswer): string | null => {
        const value = answer.data?.[field.responseKey] as Record<string, any> | undefined;
        const problem = connectionProblem(value, { first: refill.first, sort }, field.shape!, answer.exchange) ?? refillProblem(value!, refill.after, sort);
        return problem ? `${field.responseKey}: ${problem}` : findAnswerProblem(answer.data, answer.exchange, plan.alignedListKeys);
      }),
    );
    const results = await Promise.all(
      refills.map((refill, i) => {
        const body = {
          query: paged.refillQuery,
          variables: { ...variables, [paged.firstVariable]: refill.first, [paged.afterVariable]: refill.after },
          operationName: REFILL_OPERATION,
        };
        return this.call(refill.exchange, { body, check: checks[i] }, request);
      }),
    );
    const byExchange = new Map<string, Record<string, any>>();
    const failures: ExchangeFailure[] = [];
    results.forEach((result, i) => {
      if (!result.ok) return void failures.push(result);
      // Any error, even one blaming the client, is the exchange's fault here: another exchange took the same input.
      const bad = badAnswer(result, checks[i]);
      if (bad) return void failures.push(bad);
      byExchange.set(result.exchange, result.data![field.responseKey] as Record<string, any>);
    });
    for (const failure of failures) request.catalog?.lacks(failure.exchange);
    return { byExchange, failedNow: new Set(failures.map((f) => f.exchange)), errors: this.report(failures, request, () => [[field.responseKey]]) };
  }

  /** Each root field's value from the answers of its exchanges, by its merge rule, into `data`. */
  private mergeRoot({
    plan,
    variables,
    targetsByField,
    leadingByField,
    answers,
    failed,
    refilled,
    fieldErrors,
    separateOutcomes,
    errors,
    data,
  }: {
    plan: ShardPlan;
    variables: Record<string, unknown>;
    targetsByField: Map<FieldPlan, string[]>;
    /** Unfiltered pages: the listings of the exchanges they skipped. */
    leadingByField: Map<FieldPlan, LeadingOutcome>;
    answers: Map<string, ExchangeAnswer>;
    failed: Map<string, ExchangeFailure>;
    /** Paged connections' parts after their refills, and the exchanges that failed one. */
    refilled: Map<FieldPlan, RefilledField>;
    fieldErrors: Map<FieldPlan, GraphQLErrorJson>;
    separateOutcomes: Map<FieldPlan, { value: Record<string, unknown> | null; errors: GraphQLErrorJson[] }>;
    errors: GraphQLErrorJson[];
    data: Record<string, unknown>;
  }): void {
    for (const field of plan.rootFields) {
      const targets = targetsByField.get(field) ?? [];
      const fieldAnswers = targets.flatMap((t) => (answers.has(t) ? [answers.get(t)!] : []));
      const missing = targets.filter((t) => failed.has(t));
      if (field.fieldName === '__typename') data[field.responseKey] = 'Query';
      else if (fieldErrors.has(field)) data[field.responseKey] = null;
      else if (separateOutcomes.has(field)) {
        data[field.responseKey] = separateOutcomes.get(field)!.value;
        errors.push(...separateOutcomes.get(field)!.errors);
      } else if (field.rule?.route === 'fanOut' && field.rule.merge === 'connection') {
        const paged = refilled.get(field);
        data[field.responseKey] = mergeConnections({
          parts: paged?.parts ?? fieldAnswers.map((a) => ({ exchange: a.exchange, value: a.data![field.responseKey] as Record<string, any> })),
          ...this.pageArgs(field, variables),
          shape: field.shape!,
          missingExchanges: paged?.missing.length ? targets.filter((t) => failed.has(t) || paged.missing.includes(t)) : missing,
          elsewhere: leadingByField.has(field) ? elsewhereOf(leadingByField.get(field)!) : undefined,
        });
      } else if (field.rule?.route === 'fanOut' && field.rule.merge === 'changeLog') {
        data[field.responseKey] = mergeChangeLogs({
          parts: fieldAnswers.map((a) => ({ exchange: a.exchange, value: a.data![field.responseKey] as Record<string, any> })),
          first: this.pageArgs(field, variables).first,
          after: (this.args(field, variables)[CHANGE_LOG.after] as string | null | undefined) ?? null,
          shape: field.shape!,
          missingExchanges: missing,
        });
      } else if (field.rule?.route === 'fanOut' && field.rule.merge === 'priceStats') {
        data[field.responseKey] = mergePriceStats(
          fieldAnswers.map((a) => a.data![field.responseKey] as Array<Record<string, any>>),
          field.shape!,
        );
      } else if (field.rule?.route === 'fanOut' && field.rule.merge === 'priceStatistics') {
        data[field.responseKey] = mergePriceStatistics({
          parts: fieldAnswers.map((a) => a.data![field.responseKey] as Record<string, any>),
          shape: field.shape!,
          missingExchanges: missing,
        });
      } else {
        data[field.responseKey] = fieldAnswers[0]?.data?.[field.responseKey] ?? null;
      }
    }
  }

  /** Root fields the router answers with calls of its own: products (ProductsResolver, docs/products.md). */
  private async executeSeparate(plan: ShardPlan, variables: Record<string, unknown>, targetsByField: Map<FieldPlan, string[]>, request: RequestScope) {
    const outcomes = new Map<FieldPlan, { value: Record<string, unknown> | null; errors: GraphQLErrorJson[] }>();
    await Promise.all(
      plan.rootFields
        .filter((f) => f.separateNode && targetsByField.has(f))
        .map(async (field) => {
          const args = this.args(field, variables);
          const pageArgs = this.pageArgs(field, variables) as { first: number; sort: unknown };
          const call = this.groupsCall(request);
          outcomes.set(
            field,
            await new ProductsResolver(call).resolve({
              responseKey: field.responseKey,
              node: field.separateNode!,
              shape: field.shape!,
              args: { filter: args.filter, sort: pageArgs.sort as never, first: pageArgs.first, after: args[PRODUCTS.pageArguments.after] },
              targets: targetsByField.get(field)!,
              variableDefinitions: plan.variableDefinitions,
              variables,
              crossListedCodes: () =>
                this.crossListings.codes(
                  this.options.targets.all().map((t) => t.id),
                  call,
                ),
            }),
          );
        }),
    );
    return outcomes;
  }

  private readonly crossListings = new CrossListings();

  /** When a field's filter sets crossListed, the codes listed on two or more exchanges go in the hidden variable. */
  private async withCrossListedCodes(
    plan: ShardPlan,
    variables: Record<string, unknown>,
    request: RequestScope,
  ): Promise<{ variables: Record<string, unknown>; errors: GraphQLErrorJson[] }> {
    if (!plan.usesCrossListed) return { variables, errors: [] };
    const fields = [...plan.rootFields, ...[...plan.entityFields.values()].flat()].filter((f) => f.rule?.route === 'fanOut' && f.rule.merge !== 'products');
    const asking = fields.find((f) => {
      const filter = this.args(f, variables)[(f.rule as { filterArgument: string }).filterArgument] as Record<string, unknown> | null | undefined;
      return filter?.[CROSS_LISTED.filterField] !== null && filter?.[CROSS_LISTED.filterField] !== undefined;
    });
    if (!asking) return { variables, errors: [] };
    const { codes, errors } = await this.crossListings.codes(
      this.options.targets.all().map((t) => t.id),
      this.groupsCall(request),
    );
    // An exchange that could not tell its codes is reported at the (first) field whose filter needed them.
    const path = plan.kind === 'root' ? [asking.responseKey] : undefined;
    return { variables: { ...variables, [crossListedVariable()]: codes }, errors: errors.map((e) => (path ? { ...e, path } : e)) };
  }

  /** Calls of one query to several exchanges, each with its own variables, for ProductsResolver and CrossListings. */
  private groupsCall(request: RequestScope): GroupsCall {
    return async (query, variablesByExchange, checkValue) => {
      const exchanges = [...variablesByExchange.keys()];
      const scopes = new Map(exchanges.map((e) => [e, this.options.catalogScopeOf?.(e) ?? null]));
      const check = checkedOnce((answer: ExchangeAnswer) => {
        if (!answer.data) return 'answered no data';
        const problem = checkValue(answer.exchange, answer.data[PRODUCTS.groupsField]);
        return problem ? `${PRODUCTS.groupsField}: ${problem}` : findAnswerProblem(answer.data, answer.exchange, new Set());
      });
      const results = await Promise.all(
        exchanges.map((exchange) => this.call(exchange, { body: { query, variables: variablesByExchange.get(exchange)! }, check }, request)),
      );
      // The callers put their field's path on these errors (ProductsResolver, withCrossListedCodes).
      const { answers, failures, errors, userErrors } = this.triage(results, request, check, () => []);
      const versions = new Map<string, string | null>();
      for (const [exchange, answer] of answers) {
        const before = scopes.get(exchange) ?? null;
        // Trusted only when nothing moved during the call (as the caching fetcher stores answers).
        if (this.options.catalogScopeOf) versions.set(exchange, before !== null && before === this.options.catalogScopeOf(exchange) ? before : null);
        else versions.set(exchange, answer.fromCache ? null : answer.catalogVersion);
      }
      return {
        pages: new Map([...answers].map(([exchange, answer]) => [exchange, answer.data![PRODUCTS.groupsField] as Record<string, any>])),
        failed: failures.map((f) => f.exchange),
        errors,
        userErrors,
        versions,
      };
    };
  }

  /** The exchanges a root field goes to; a ShardPlanError when its arguments cannot name any. */
  private rootFieldTargets(field: FieldPlan, variables: Record<string, unknown>): string[] {
    if (field.rule?.route === 'fanOut' && field.rule.merge === 'priceStatistics') {
      const problem = statisticsArgumentsProblem(this.args(field, variables));
      if (problem) throw new ShardPlanError(problem);
    }
    if (field.rule?.route === 'fanOut' && field.rule.merge === 'changeLog') {
      const after = this.args(field, variables)[CHANGE_LOG.after] as string | null | undefined;
      const decoded = after === null || after === undefined ? null : decodeChangeCursor(after);
      if (typeof decoded === 'string') throw new ShardPlanError(`${CHANGE_LOG.after}: ${decoded}`);
    }
    if (field.rule?.route === 'fanOut') return this.fanOutTargets(field, variables);
    if (field.rule?.route === 'byIdArgument') {
      const argument = field.rule.argument;
      const id = this.args(field, variables)[argument];
      const owner = prefixOf(id);
      if (!owner) throw new ShardPlanError(`${argument}: must be a global id "<exchange>:<local id>", e.g. "sh:ds-000123", got ${JSON.stringify(id)}`);
      if (!this.options.targets.get(owner)) {
        throw new ShardPlanError(
          `${argument}: no exchange ${JSON.stringify(owner.slice(0, 40))} is registered; ids start with a registered exchange's code, e.g. "sh:ds-000123"`,
        );
      }
      return [owner];
    }
    if (field.rule?.route === 'anyExchange')
      return this.options.targets
        .all()
        .slice(0, 1)
        .map((t) => t.id);
    return [];
  }

  /** A root answer must also leave alone what is not its own: by-id fields of other exchanges stay null. */
  private checkRootAnswer(plan: ShardPlan, answer: ExchangeAnswer, variables: Record<string, unknown>, pageSizes?: Map<FieldPlan, number>): string | null {
    if (!answer.data) return 'answered no data';
    for (const field of plan.rootFields) {
      const value = answer.data[field.responseKey];
      if (field.rule?.route === 'byIdArgument') {
        const id = this.args(field, variables)[field.rule.argument];
        if (value && (prefixOf(id) !== answer.exchange || (value as Record<string, unknown>)[HIDDEN.id] !== id))
          return `answered ${field.responseKey} for an id it does not own`;
      } else if (field.rule?.route === 'fanOut' && !field.separateNode) {
        const problem =
          field.rule.merge === 'changeLog'
            ? changeLogProblem(value, this.pageArgs(field, variables).first, field.shape!, answer.exchange)
            : field.rule.merge === 'connection'
              ? connectionProblem(value, this.sentPageArgs(field, variables, pageSizes), field.shape!, answer.exchange)
              : field.rule.merge === 'priceStatistics'
                ? statisticsProblem(value, this.args(field, variables)[STATISTICS.groupByArgument] as string[], answer.exchange, field.shape!)
                : statsProblem(value, this.args(field, variables)[STATS_BUCKET.groupByArgument] as string, answer.exchange);
        if (problem) return `${field.responseKey}: ${problem}`;
      }
    }
    return findAnswerProblem(answer.data, answer.exchange, plan.alignedListKeys);
  }

  /** Every fan-out connection inside the entities must be mergeable, and the rest well formed. */
  private checkEntities(plan: ShardPlan, answer: ExchangeAnswer, variables: Record<string, unknown>): string | null {
    for (const entity of answer.data!._entities as Array<Record<string, unknown> | null>) {
      if (entity === null) continue;
      for (const field of plan.entityFields.get(String(entity.__typename)) ?? []) {
        const problem = connectionProblem(entity[field.responseKey], this.pageArgs(field, variables), field.shape!, answer.exchange);
        if (problem) return `${field.responseKey}: ${problem}`;
      }
    }
    return findAnswerProblem(answer.data, answer.exchange, plan.alignedListKeys);
  }

  /**
   * Which exchanges each representation goes to: exchange id → the indexes of its representations. A
   * fan-out entity (a Provider, for its datasets) goes to every exchange its fields' filters name, less those
   * whose catalog summaries prove they hold no listing of it (its key as the filter field its route names,
   * with each field's own filter); at least one exchange is kept per representation, so its connection is
   * answered (empty) rather than null, as without pruning.
   */
  private async entityOwners(
    plan: ShardPlan,
    representations: Array<Record<string, unknown>>,
    variables: Record<string, unknown>,
    request: RequestScope,
  ): Promise<{ indexesByExchange: Map<string, number[]>; owners: string[][] }> {
    const fanOutTargets = new Map<string, string[]>();
    for (const [typeName, fields] of plan.entityFields) {
      const targets = new Set<string>();
      for (const field of fields) for (const t of this.fanOutTargets(field, variables)) targets.add(t);
      fanOutTargets.set(typeName, fields.length ? [...targets] : this.options.targets.all().map((t) => t.id));
    }
    const { prune: pruneFanOut, summaryOf } = await this.entityPruner(plan, fanOutTargets, variables);
    const indexesByExchange = new Map<string, number[]>();
    const owners: Array<string[]> = representations.map((rep) => {
      const typeName = String(rep.__typename);
      const route = ENTITIES[typeName];
      if (!route) return [];
      if (route.route === 'fanOut') return pruneFanOut(rep, fanOutTargets.get(typeName) ?? this.options.targets.all().map((t) => t.id));
      const owner = route.route === 'byKey' ? String(rep[route.key]) : prefixOf(rep[route.key]);
      return owner ? [owner] : [];
    });
    owners.forEach((exchanges, index) => {
      for (const exchange of exchanges) {
        const list = indexesByExchange.get(exchange) ?? [];
        list.push(index);
        indexesByExchange.set(exchange, list);
      }
    });
    // Each exchange a fan-out entity could go to is one decision per fetch: called for some representation, or pruned for all.
    const decided = new Set([...fanOutTargets].filter(([typeName]) => representations.some((rep) => rep.__typename === typeName)).flatMap(([, t]) => t));
    for (const exchange of decided) {
      const called = indexesByExchange.has(exchange);
      const summary = called ? null : summaryOf(exchange);
      if (summary) request.catalog?.drewFrom(exchange, summary.catalogVersion);
      this.options.didDecide?.(exchange, called ? 'called' : 'pruned');
    }
    return { indexesByExchange, owners };
  }

  /**
   * For a fetch of fan-out entities: `prune` takes one representation and its targets to the targets that
   * may hold a listing of it (all of them when pruning is off, or no fan-out entity's route names a filter
   * field); `summaryOf` gives the summary each decision was made on.
   */
  private async entityPruner(
    plan: ShardPlan,
    fanOutTargets: Map<string, string[]>,
    variables: Record<string, unknown>,
  ): Promise<{ prune: (rep: Record<string, unknown>, targets: string[]) => string[]; summaryOf: (exchange: string) => CatalogSummary | null }> {
    const summaries = this.summaries;
    const keep = { prune: (_rep: Record<string, unknown>, targets: string[]) => targets, summaryOf: () => null };
    const prunable = [...fanOutTargets].filter(([typeName, targets]) => {
      const route = ENTITIES[typeName];
      return route?.route === 'fanOut' && route.filterField && targets.length > 1 && (plan.entityFields.get(typeName)?.length ?? 0) > 0;
    });
    if (!summaries || prunable.length === 0) return keep;
    const exchanges = [...new Set(prunable.flatMap(([, targets]) => targets))];
    const known = new Map(
      await Promise.all(
        exchanges.map(async (exchange) => [exchange, this.options.targets.get(exchange)?.isAvailable() ? await summaries.summaryOf(exchange) : null] as const),
      ),
    );
    const prune = (rep: Record<string, unknown>, targets: string[]): string[] => {
      const typeName = String(rep.__typename);
      const route = ENTITIES[typeName];
      const fields = plan.entityFields.get(typeName) ?? [];
      if (route?.route !== 'fanOut' || !route.filterField || targets.length < 2 || fields.length === 0) return targets;
      const implied = { [route.filterField]: rep[route.key] };
      const kept = targets.filter((exchange) => {
        const summary = known.get(exchange);
        return !summary || !fields.every((field) => provablyEmpty(summary, { ...(this.datasetFilterOf(field, variables) ?? {}), ...implied }));
      });
      return kept.length > 0 ? kept : targets.slice(0, 1);
    };
    return { prune, summaryOf: (exchange) => known.get(exchange) ?? null };
  }

  private async executeEntities(plan: ShardPlan, variables: Record<string, unknown>, request: RequestScope = {}): Promise<Outcome> {
    const representationsVariable = plan.representationsVariable;
    const representations = (variables[representationsVariable] ?? []) as Array<Record<string, unknown>>;
    const { indexesByExchange, owners } = await this.entityOwners(plan, representations, variables, request);
    const exchanges = [...indexesByExchange.keys()];
    const results = await Promise.all(
      exchanges.map((exchange) => {
        const subset = indexesByExchange.get(exchange)!.map((i) => representations[i]);
        return this.call(
          exchange,
          {
            body: { query: plan.query, variables: { ...variables, [representationsVariable]: subset }, operationName: plan.operationName },
            representations: subset,
            representationsVariable,
            check: (answer) => (Array.isArray(answer.data?._entities) ? this.checkEntities(plan, answer, variables) : 'answered no _entities list'),
          },
          request,
        );
      }),
    );
    // Apollo Gateway turns ['_entities', i, ...] into the client's path of the i-th representation.
    const affected: AffectedPaths = (exchange) => {
      const first = indexesByExchange.get(exchange)?.[0];
      if (first === undefined) return [];
      const key = firstSelectedKey(plan, String(representations[first].__typename));
      return [key ? ['_entities', first, key] : ['_entities', first]];
    };
    const { answers, failures, errors, userErrors } = this.triage(
      results,
      request,
      (answer) => {
        const entities = answer.data?._entities;
        if (!Array.isArray(entities) || entities.length !== indexesByExchange.get(answer.exchange)!.length)
          return 'answered _entities out of line with the representations';
        return this.checkEntities(plan, answer, variables);
      },
      affected,
    );
    if (userErrors.length > 0) return { data: null, errors: userErrors };
    const failed = new Map(failures.map((f) => [f.exchange, f]));

    // entity index → the answers that hold it, with its position in each answer
    const pieces: Array<Array<{ exchange: string; value: Record<string, any> | null }>> = representations.map(() => []);
    for (const [exchange, answer] of answers) {
      const entities = answer.data!._entities as Array<Record<string, any> | null>;
      indexesByExchange.get(exchange)!.forEach((index, position) => pieces[index].push({ exchange, value: entities[position] }));
    }
    const entities = representations.map((rep, index) => {
      const typeName = String(rep.__typename);
      const fields = plan.entityFields.get(typeName);
      if (ENTITIES[typeName]?.route !== 'fanOut' || !fields) return pieces[index][0]?.value ?? null;
      const present = pieces[index].filter((p) => p.value !== null) as Array<{ exchange: string; value: Record<string, any> }>;
      // Nothing answered: null, unless summaries proved some exchanges' parts empty (pruned), so the others
      // failing leaves empty connections that name them missing.
      const pruned = fields.some((field) => this.fanOutTargets(field, variables).some((t) => !owners[index].includes(t)));
      if (present.length === 0 && !pruned) return null;
      const merged: Record<string, unknown> = present.length > 0 ? { ...present[0].value } : { __typename: typeName };
      for (const field of fields) {
        const targets = this.fanOutTargets(field, variables);
        merged[field.responseKey] = mergeConnections({
          parts: present.filter((p) => targets.includes(p.exchange)).map((p) => ({ exchange: p.exchange, value: p.value[field.responseKey] })),
          ...this.pageArgs(field, variables),
          shape: field.shape!,
          missingExchanges: targets.filter((t) => failed.has(t)),
        });
      }
      return merged;
    });
    return { data: { _entities: entities }, errors };
  }

  /** Runs the fields cut out of a fetch over the objects found at the lift's path, and puts them back. */
  private async executeLift(
    lift: ShardPlan['lifts'][number],
    data: Record<string, unknown>,
    variables: Record<string, unknown>,
    request: RequestScope = {},
  ): Promise<GraphQLErrorJson[]> {
    const objects: Array<Record<string, unknown>> = [];
    // Where each key is first found in this fetch's data: a lift's errors point there.
    const firstPathOfKey = new Map<string, Array<string | number>>();
    const walk = (value: unknown, depth: number, at: Array<string | number>) => {
      if (Array.isArray(value)) return value.forEach((item, index) => walk(item, depth, [...at, index]));
      if (value === null || typeof value !== 'object') return;
      if (depth === lift.path.length) {
        if (HIDDEN.entityKey in (value as object)) {
          objects.push(value as Record<string, unknown>);
          const key = String((value as Record<string, unknown>)[HIDDEN.entityKey]);
          if (!firstPathOfKey.has(key)) firstPathOfKey.set(key, at);
        }
        return;
      }
      walk((value as Record<string, unknown>)[lift.path[depth]], depth + 1, [...at, lift.path[depth]]);
    };
    walk(data, 0, []);
    if (objects.length === 0) return [];
    const keys = [...new Set(objects.map((o) => String(o[HIDDEN.entityKey])))];
    const liftPlan = this.planFor(lift.operation, lift.document, true);
    const outcome = await this.execute(
      liftPlan,
      {
        ...variables,
        [LIFT_REPRESENTATIONS]: keys.map((key) => ({ __typename: lift.typeName, [lift.keyField]: key })),
      },
      request,
    );
    const byKey = new Map(keys.map((key, i) => [key, (outcome.data?._entities as Array<Record<string, unknown> | null> | undefined)?.[i] ?? null]));
    for (const object of objects) {
      const entity = byKey.get(String(object[HIDDEN.entityKey]));
      for (const [key, value] of Object.entries(entity ?? {})) if (key !== '__typename') object[key] = value;
    }
    // The lift's ['_entities', i, ...] becomes the path of the i-th key's first object in this fetch.
    for (const error of outcome.errors) {
      const [head, index, ...rest] = error.path ?? [];
      const at = head === '_entities' && typeof index === 'number' ? firstPathOfKey.get(keys[index]) : undefined;
      if (at) error.path = [...at, ...rest];
    }
    return outcome.errors;
  }
}

/**
 * The response key of the first field the fetch selects on an entity of `typeName`: its fan-out field
 * when it has one (the part an exchange's failure leaves incomplete), else the first field asked.
 */
function firstSelectedKey(plan: ShardPlan, typeName: string): string | undefined {
  const fanOut = plan.entityFields.get(typeName)?.[0];
  if (fanOut) return fanOut.responseKey;
  const entities = plan.rootFields.find((field) => field.fieldName === '_entities');
  const find = (set: SelectionSetNode | undefined): string | undefined => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD && !selection.name.value.startsWith('__')) return selection.alias?.value ?? selection.name.value;
      if (selection.kind === Kind.INLINE_FRAGMENT && (!selection.typeCondition || selection.typeCondition.name.value === typeName)) {
        const found = find(selection.selectionSet);
        if (found) return found;
      }
    }
    return undefined;
  };
  return find(entities?.node.selectionSet);
}

/**
 * A check whose verdict per answer object is kept: the caching fetcher checks an answer before storing it
 * and the router again before merging it, and answers are not changed in between.
 */
function checkedOnce(check: (answer: ExchangeAnswer) => string | null): (answer: ExchangeAnswer) => string | null {
  const verdicts = new WeakMap<ExchangeAnswer, string | null>();
  return (answer) => {
    let verdict = verdicts.get(answer);
    if (verdict === undefined) verdicts.set(answer, (verdict = check(answer)));
    return verdict;
  };
}

/** A bad response: `reason` is safe to show to clients (no exchange text, no address); `detail` goes to the log. */
function badResponse(exchange: string, reason: string, detail: string = reason): ExchangeFailure {
  return exchangeFailure(exchange, 'EXCHANGE_BAD_RESPONSE', `exchange ${exchange} gave a bad response: ${reason}`, detail);
}

/**
 * The bad response an answer is, or null: any error it carries (the exchange's own messages go to the log,
 * not to clients: they are its text, not ours), else what `check` finds wrong in it.
 */
function badAnswer(result: ExchangeAnswer, check: (result: ExchangeAnswer) => string | null): ExchangeFailure | null {
  const errors = result.errors ?? [];
  if (errors.length > 0) {
    const messages = errors.map((e) => e.message).join('; ');
    return badResponse(result.exchange, 'answered errors', `answered errors: ${messages.slice(0, 300)}`);
  }
  const problem = check(result);
  return problem ? badResponse(result.exchange, problem) : null;
}

/** An answer that refuses the whole query (errors, no data), and not for the client's input. */
function refusedWhole(result: ExchangeResult): boolean {
  return result.ok && !result.data && (result.errors?.length ?? 0) > 0 && !result.errors!.some((e) => USER_ERROR_CODES.has(String(e.extensions?.code)));
}

/** Every field of an object type (or list of it), scalars only: what a perExchange query selects. */
function shapeSelection(type: GraphQLOutputType): string {
  const named = getNamedType(type);
  if (!isObjectType(named)) return '';
  return `{ ${Object.keys(named.getFields()).join(' ')} }`;
}

function describeCause(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  if (cause instanceof Error) {
    const inner = (cause as Error & { cause?: unknown }).cause;
    return `${cause.name}: ${cause.message}${inner ? ` (cause: ${describeCause(inner)})` : ''}`;
  }
  return String(cause).slice(0, 500);
}
