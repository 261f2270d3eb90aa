/**
 * The provider registry: every organisation that lists data in the seed, with a valid USCC.
 * It is fixed (independent of how many datasets are generated) and deterministic, so the providers
 * subgraph and every exchange agree on who a USCC is without talking to each other.
 */
import type { Category, ProviderKind, ProviderRecord } from '../shared/domain.ts';
import { makeUscc, USCC_CHARSET } from '../shared/uscc.ts';
import { PROVINCES, type Province } from './places.ts';
import { providerCandidates } from './providerNames.ts';
import { Rng } from './rng.ts';

/**
 * Share of each kind among a province's providers, after the press: most suppliers are government
 * departments and public institutions; state telecoms and large platforms supply some; private and
 * foreign companies few.
 */
export const PROVIDER_KIND_MIX: Readonly<Record<ProviderKind, number>> = {
  GOVERNMENT_DEPARTMENT: 0.34,
  PUBLIC_INSTITUTION: 0.3,
  STATE_OWNED_ENTERPRISE: 0.17,
  PRIVATE_ENTERPRISE: 0.12,
  FOREIGN_INVESTED_ENTERPRISE: 0.025,
  SOCIAL_ORGANIZATION: 0.045,
};

/**
 * Kinds in the order they are filled, and where a shortfall goes. When the name templates of a kind
 * run out in a province with few divisions (Shanghai has two for 1,600 providers), the missing
 * government departments become public institutions, then state-owned enterprises, then private
 * ones, whose templates never run out.
 */
const FILL_ORDER: readonly ProviderKind[] = [
  'SOCIAL_ORGANIZATION',
  'FOREIGN_INVESTED_ENTERPRISE',
  'GOVERNMENT_DEPARTMENT',
  'PUBLIC_INSTITUTION',
  'STATE_OWNED_ENTERPRISE',
  'PRIVATE_ENTERPRISE',
];
const SHORTFALL_GOES_TO: Readonly<Record<ProviderKind, ProviderKind | null>> = {
  SOCIAL_ORGANIZATION: 'PRIVATE_ENTERPRISE',
  FOREIGN_INVESTED_ENTERPRISE: 'PRIVATE_ENTERPRISE',
  GOVERNMENT_DEPARTMENT: 'PUBLIC_INSTITUTION',
  PUBLIC_INSTITUTION: 'STATE_OWNED_ENTERPRISE',
  STATE_OWNED_ENTERPRISE: 'PRIVATE_ENTERPRISE',
  PRIVATE_ENTERPRISE: null,
};

/** USCC positions 1-2 by kind: 11 government organ, 12 public institution, 51 social group, 91 enterprise. */
const USCC_PREFIX: Readonly<Record<ProviderKind, string>> = {
  GOVERNMENT_DEPARTMENT: '11',
  PUBLIC_INSTITUTION: '12',
  STATE_OWNED_ENTERPRISE: '91',
  PRIVATE_ENTERPRISE: '91',
  FOREIGN_INVESTED_ENTERPRISE: '91',
  SOCIAL_ORGANIZATION: '51',
};

/**
 * The 8-character organisation-code body. Codes issued since 2015 start with M and a letter by
 * registrar (MA enterprises, MB institutions, MJ social organisations); older ones are all digits.
 */
function orgCodeBody(rng: Rng, kind: ProviderKind): string {
  const [modernPrefix, legacyFirstDigits] =
    kind === 'GOVERNMENT_DEPARTMENT'
      ? ['MB', '0']
      : kind === 'PUBLIC_INSTITUTION'
        ? ['MB', '4']
        : kind === 'SOCIAL_ORGANIZATION'
          ? ['MJ', '5']
          : ['MA', '1234567'];
  if (rng.chance(0.6)) {
    let body = modernPrefix;
    // Digits dominate real codes; letters come from the USCC character set so position 9-16 stay valid.
    while (body.length < 8) body += rng.chance(0.6) ? String(rng.int(0, 9)) : rng.pick(USCC_LETTERS);
    return body;
  }
  let body = rng.pick([...legacyFirstDigits]);
  while (body.length < 8) body += String(rng.int(0, 9));
  return body;
}
const USCC_LETTERS = [...USCC_CHARSET.slice(10)];

/** Providers per kind for one province, rounded so they add up to the province's total. */
function kindTargets(total: number): Map<ProviderKind, number> {
  const targets = new Map<ProviderKind, number>();
  let assigned = 0;
  for (const kind of FILL_ORDER) {
    if (kind === 'PRIVATE_ENTERPRISE') continue;
    const n = Math.round(total * PROVIDER_KIND_MIX[kind]);
    targets.set(kind, n);
    assigned += n;
  }
  targets.set('PRIVATE_ENTERPRISE', total - assigned);
  return targets;
}

interface Registry {
  providers: readonly ProviderRecord[];
  byUscc: ReadonlyMap<string, ProviderRecord>;
  byProvince: ReadonlyMap<string, readonly ProviderRecord[]>;
  categories: ReadonlyMap<string, readonly Category[]>;
}

function buildProvince(p: Province, usedNames: Set<string>, usedUsccs: Set<string>, categories: Map<string, readonly Category[]>): ProviderRecord[] {
  const out: ProviderRecord[] = [];
  const targets = kindTargets(p.providerCount);
  const usccRng = Rng.from('provider-uscc', p.prefix);
  for (const kind of FILL_ORDER) {
    const wanted = targets.get(kind) ?? 0;
    let taken = 0;
    for (const candidate of providerCandidates(p, kind, Rng.from('provider-names', p.prefix, kind))) {
      if (taken === wanted) break;
      if (usedNames.has(candidate.zh) || usedNames.has(candidate.en)) continue;
      usedNames.add(candidate.zh);
      usedNames.add(candidate.en);
      let uscc: string;
      do {
        uscc = makeUscc({
          authority: USCC_PREFIX[kind][0],
          category: USCC_PREFIX[kind][1],
          divisionCode: candidate.divisionCode,
          orgCodeBody8: orgCodeBody(usccRng, kind),
        });
      } while (usedUsccs.has(uscc));
      usedUsccs.add(uscc);
      categories.set(uscc, candidate.categories);
      out.push({ uscc, name: candidate.en, nameZh: candidate.zh, kind, divisionCode: candidate.divisionCode, province: p.en });
      taken++;
    }
    const shortfall = wanted - taken;
    if (shortfall === 0) continue;
    const next = SHORTFALL_GOES_TO[kind];
    if (!next) throw new Error(`provider templates for ${p.en} ran out ${shortfall} short of ${p.providerCount}`);
    targets.set(next, (targets.get(next) ?? 0) + shortfall);
  }
  return out;
}

let registry: Registry | undefined;

function getRegistry(): Registry {
  if (registry) return registry;
  const usedNames = new Set<string>();
  const usedUsccs = new Set<string>();
  const categories = new Map<string, readonly Category[]>();
  const byProvince = new Map<string, readonly ProviderRecord[]>();
  for (const p of PROVINCES) byProvince.set(p.prefix, buildProvince(p, usedNames, usedUsccs, categories));
  const providers = [...byProvince.values()].flat().sort((a, b) => (a.uscc < b.uscc ? -1 : a.uscc > b.uscc ? 1 : 0));
  // The list is frozen but its records are not: @apollo/subgraph tags the objects that
  // __resolveReference returns with __typename, which a frozen record would refuse.
  registry = {
    providers: Object.freeze(providers),
    byUscc: new Map(providers.map((provider) => [provider.uscc, provider])),
    byProvince,
    categories,
  };
  return registry;
}

/** Every seed provider, sorted by USCC. Built once, on first use; shared, so treat the records as read-only. */
export function providerRegistry(): readonly ProviderRecord[] {
  return getRegistry().providers;
}

export function providersByUscc(): ReadonlyMap<string, ProviderRecord> {
  return getRegistry().byUscc;
}

/** Providers of the province a division code belongs to (same first two digits); empty if the seed has none. */
export function providersForDivision(divisionCode: string): readonly ProviderRecord[] {
  return getRegistry().byProvince.get(divisionCode.slice(0, 2)) ?? [];
}

/** The data categories a provider plausibly lists (a water authority lists water data). */
export function providerCategories(uscc: string): readonly Category[] {
  return getRegistry().categories.get(uscc) ?? [];
}
