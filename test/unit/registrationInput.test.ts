import { describe, it, expect } from 'vitest';
import { parseRegistration } from '../../gateway/src/registry/registrationInput.ts';
import { exchangeConfigFromArgs } from '../../subgraphs/exchange/exchangeConfig.ts';
import { REGISTER_SYNOPSIS, REGISTER_USAGE } from '../../scripts/registerConfig.ts';

const BODY = {
  id: 'sz',
  name: 'Shenzhen Data Exchange',
  nameZh: '深圳数据交易所',
  city: 'Shenzhen',
  province: 'Guangdong',
  divisionCode: '440300',
  url: 'http://127.0.0.1:4015/graphql',
};

/** What the gateway says of these place fields: accepted, or the problems. */
function atGateway(place: { province: string; divisionCode: string }) {
  const parsed = parseRegistration({ ...BODY, ...place });
  return parsed.ok ? 'accepted' : parsed.problems;
}

/** What the exchange says when started with the same place. */
function atExchange(place: { province: string; divisionCode: string }) {
  try {
    exchangeConfigFromArgs(['--id', 'sz', '--port', '4015', '--province', place.province, '--division-code', place.divisionCode], {});
    return 'accepted';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('registration place rules', () => {
  it('refuses an unknown province, naming the field, the rule and the valid names', () => {
    expect(atGateway({ province: 'Atlantis', divisionCode: '440300' })).toEqual([
      {
        field: 'province',
        rule: 'province-known',
        message: expect.stringMatching(
          /^province: must name a province-level division of China, in English, any case \(listed in shared\/provinces\.ts\), got "Atlantis"; one of: Beijing, .*Guangdong, .*Xinjiang$/,
        ),
      },
    ]);
  });

  it('refuses a division code outside the province, saying which codes the province has', () => {
    expect(atGateway({ province: 'Guangdong', divisionCode: '110105' })).toEqual([
      { field: 'divisionCode', rule: 'division-code-in-province', message: 'divisionCode: 110105 is not in province Guangdong (its codes start with 44)' },
    ]);
  });

  it('writes the province as the exchange writes it of itself', () => {
    const parsed = parseRegistration({ ...BODY, province: ' inner mongolia ', divisionCode: '150100' });
    expect(parsed.ok && parsed.registration.province).toBe('Inner Mongolia');
  });

  it('accepts exactly what the exchange accepts at start, and refuses exactly what it refuses', () => {
    const cases = [
      { province: 'Guangdong', divisionCode: '440300' },
      { province: 'guangdong', divisionCode: '440000' },
      { province: 'Inner Mongolia', divisionCode: '150100' },
      { province: 'Atlantis', divisionCode: '440300' },
      { province: 'Guangdong', divisionCode: '110105' },
      { province: 'Beijing', divisionCode: '1101' },
      { province: 'Shanxi', divisionCode: '610100' },
    ];
    expect(cases.length).toBeGreaterThan(0);
    for (const place of cases) {
      const gateway = atGateway(place);
      const exchange = atExchange(place);
      expect({ place, accepted: gateway === 'accepted' }).toEqual({ place, accepted: exchange === 'accepted' });
      // The same rule, in each side's words: the gateway names the body's field, the exchange its flag.
      if (gateway !== 'accepted') {
        expect(exchange).toContain(gateway[0].message.replace(/^(province|divisionCode): /, '').replace('province ', '--province '));
      }
    }
  });
});

describe('npm run register -- --help', () => {
  it('marks every field of a registration required, and asks only --gateway and --id for a removal', () => {
    const [, registerForm, removeForm] = REGISTER_SYNOPSIS.split(/\n {2}(?:register or update|remove) an exchange[^\n]*\n/);
    expect(registerForm).toBeDefined();
    for (const flag of ['--gateway', '--id', '--url', '--name', '--name-zh', '--city', '--province', '--division-code']) {
      expect(registerForm).toMatch(new RegExp(`(^|\\s)${flag} <`));
    }
    // Nothing optional in the form that registers.
    expect(registerForm).not.toContain('[');
    expect(removeForm.trim()).toBe('GATEWAY_TOKEN=<token> npm run --silent register -- --gateway <url> --id <code> --remove');
  });

  it('states the rules the gateway applies', () => {
    expect(REGISTER_USAGE).toContain('--id             the exchange code: 2 to 8 lowercase letters');
    expect(REGISTER_USAGE).toContain('--province       a province-level division of China in English, any case');
    expect(REGISTER_USAGE).toContain('--division-code  the GB/T 2260 code, 6 digits, inside --province');
  });
});
