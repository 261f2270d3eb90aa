import { parse } from 'graphql';
import { composeSupergraph } from '../supergraph/composeSupergraph.ts';
import { checkContract } from '../../../conformance/contractCheck.ts';

/**
 * The CPU-bound part of a registration's checks: the exchange's SDL against the contract, then the
 * supergraph composed with it. Every problem found, or none. Synchronous: the gateway runs it in a
 * worker thread (SdlChecker), never on its event loop; a 64 KiB SDL takes most of a second.
 */
export function checkSdl(sdl: string): string[] {
  const problems = checkContract(sdl);
  if (problems.length > 0) return problems;
  try {
    composeSupergraph({ exchanges: parse(sdl) });
  } catch (err) {
    return [`supergraph: ${(err as Error).message}`];
  }
  return [];
}
