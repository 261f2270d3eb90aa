/**
 * The one way a service reads its settings: typed readers over environment variables and command-line
 * flags, each failing with a ConfigError of one line that names the setting, the rule and the bad value.
 * Every service keeps its reads in one config module (see docs/operations.md, "Environment").
 */

/** A misconfiguration; its message is the whole story (runService prints it as one line, no stack). */
export class ConfigError extends Error {
  override readonly name: string = 'ConfigError';
}

export type ConfigSource = Readonly<Record<string, string | undefined>>;
/** Flags as node:util parseArgs returns them: a boolean flag reads as "true" or "false". */
export type FlagSource = Readonly<Record<string, string | boolean | undefined>>;

/** A setting's name, or several tried in order: `--port` is a flag, `PORT` an environment variable. */
export type SettingNames = string | readonly string[];

export interface IntRule {
  min?: number;
  max?: number;
  /** Said after the rule, e.g. "milliseconds". */
  unit?: string;
}

const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const FALSE_WORDS = ['0', 'false', 'no', 'off'];

const HTTP_PROTOCOLS = ['http:', 'https:'];

function urlRule(protocols: readonly string[]): string {
  return `be an absolute ${protocols.map((p) => p.replace(/:$/, '')).join(' or ')} URL`;
}

function urlOrUndefined(text: string, protocols: readonly string[]): string | undefined {
  try {
    const url = new URL(text);
    return protocols.includes(url.protocol) && url.hostname ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** `text` as a normalised URL with one of `protocols`, or a ConfigError naming `name` (for values inside a list). */
export function checkUrl(name: string, text: string, protocols: readonly string[] = HTTP_PROTOCOLS): string {
  const url = urlOrUndefined(text, protocols);
  if (url === undefined) throw invalid(name, urlRule(protocols), text);
  return url;
}

export function invalid(name: string, rule: string, text: string): ConfigError {
  return new ConfigError(`${name} must ${rule}, got ${JSON.stringify(text)}`);
}

/**
 * Reads settings from `env` and (for names starting with `--`) from parsed `flags`, keyed without the
 * dashes as node:util parseArgs returns them. Given several names, the first one set wins, and it is the
 * one an error names. Values are trimmed; an empty or blank one counts as unset (`REDIS_URL=` turns Redis off).
 */
export function configReader(env: ConfigSource, flags: FlagSource = {}) {
  const lookup = (names: SettingNames): { name: string; text: string } | undefined => {
    for (const name of typeof names === 'string' ? [names] : names) {
      const given = name.startsWith('--') ? flags[name.slice(2)] : env[name];
      const raw = typeof given === 'boolean' ? String(given) : given;
      if (raw !== undefined && raw.trim() !== '') return { name, text: raw.trim() };
    }
    return undefined;
  };

  /** The value through `parse`, which returns undefined for a bad one (or throws its own ConfigError). */
  function parsed<T>(names: SettingNames, rule: string, parse: (text: string, name: string) => T | undefined): T | undefined {
    const found = lookup(names);
    if (!found) return undefined;
    const value = parse(found.text, found.name);
    if (value === undefined) throw invalid(found.name, rule, found.text);
    return value;
  }

  function int(names: SettingNames, rule: IntRule & { default: number }): number;
  function int(names: SettingNames, rule?: IntRule): number | undefined;
  function int(names: SettingNames, rule: IntRule & { default?: number } = {}): number | undefined {
    const { min = 1, max, unit } = rule;
    const range = max === undefined ? (min === 1 ? 'be a positive integer' : `be an integer of at least ${min}`) : `be an integer from ${min} to ${max}`;
    const value = parsed(names, unit ? `${range} (${unit})` : range, (text) => {
      const n = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
      return Number.isSafeInteger(n) && n >= min && (max === undefined || n <= max) ? n : undefined;
    });
    return value ?? rule.default;
  }

  /** Milliseconds, a positive integer unless the rule says otherwise. */
  function durationMs(names: SettingNames, rule: Omit<IntRule, 'unit'> & { default: number }): number;
  function durationMs(names: SettingNames, rule?: Omit<IntRule, 'unit'>): number | undefined;
  function durationMs(names: SettingNames, rule: Omit<IntRule, 'unit'> & { default?: number } = {}): number | undefined {
    return int(names, { ...rule, unit: 'milliseconds' });
  }

  return {
    parsed,
    int,
    string(names: SettingNames, fallback?: string): string | undefined {
      return lookup(names)?.text ?? fallback;
    },
    durationMs,
    port(names: SettingNames, fallback?: number): number | undefined {
      const port = (text: string) => (/^\d{1,5}$/.test(text) && Number(text) <= 65535 ? Number(text) : undefined);
      return parsed(names, 'be a TCP port from 0 to 65535', port) ?? fallback;
    },
    bool(names: SettingNames, fallback: boolean): boolean {
      const rule = `be one of ${[...TRUE_WORDS, ...FALSE_WORDS].join(', ')}`;
      return (
        parsed(names, rule, (text) => (TRUE_WORDS.includes(text.toLowerCase()) ? true : FALSE_WORDS.includes(text.toLowerCase()) ? false : undefined)) ??
        fallback
      );
    },
    /** One of `values`, in any case (`WARN` reads as `warn`). */
    oneOf<T extends string>(names: SettingNames, values: readonly T[], fallback: T): T {
      return parsed(names, `be one of ${values.join(', ')}`, (text) => values.find((v) => v.toLowerCase() === text.toLowerCase())) ?? fallback;
    },
    /** An absolute URL with one of `protocols` (default http and https), returned normalised. */
    url(names: SettingNames, fallback: string, protocols: readonly string[] = HTTP_PROTOCOLS): string {
      return parsed(names, urlRule(protocols), (text) => urlOrUndefined(text, protocols)) ?? new URL(fallback).toString();
    },
    /** Comma-separated entries, trimmed, empty ones dropped. */
    list(names: SettingNames, fallback: readonly string[] = []): string[] {
      return (
        parsed(names, 'be a comma-separated list', (text) =>
          text
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ) ?? [...fallback]
      );
    },
  };
}

export type ConfigReader = ReturnType<typeof configReader>;
