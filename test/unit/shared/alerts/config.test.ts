import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../shared/config/load';
import { ALERTS_DEFAULTS } from '../../../../shared/alerts/config';
import { ConfigError } from '../../../../shared/kernel/errors';

const issuesOf = (raw: unknown): string[] => {
  try {
    parseConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  return [];
};

describe('Config: alerts', () => {
  it('applies the documented defaults: every cluster, failures only, nothing ignored, 3 per 15 min', () => {
    const { alerts } = parseConfig({ alerts: { emails: ['oncall@example.com'] } });

    expect(alerts).toEqual({
      emails: ['oncall@example.com'],
      notifyOn: ['failures'],
      ignore: { services: [], families: [] },
      noise: { enabled: true, maxPerWindow: 3, windowMinutes: 15 },
    });
    expect(alerts?.clusters).toBeUndefined();
  });

  it('gives each config its own default values (no shared arrays)', () => {
    const first = parseConfig({ alerts: { emails: ['a@example.com'] } }).alerts!;
    first.ignore.services.push('mutated');
    first.notifyOn.push('spot');

    const second = parseConfig({ alerts: { emails: ['a@example.com'] } }).alerts!;

    expect(second.ignore.services).toEqual([]);
    expect(second.notifyOn).toEqual(['failures']);
    expect(ALERTS_DEFAULTS.ignore.services).toEqual([]);
  });

  it('accepts the issue example', () => {
    const { alerts } = parseConfig({
      alerts: {
        emails: ['oncall@example.com'],
        clusters: ['media', 'api', 'arn:aws:ecs:eu-west-1:111122223333:cluster/batch'],
        notifyOn: ['failures', 'spot'],
        ignore: { services: ['canary'], families: ['smoke-test'] },
        noise: { enabled: false },
      },
    });

    expect(alerts?.noise).toEqual({ enabled: false, maxPerWindow: 3, windowMinutes: 15 });
    expect(alerts?.clusters).toHaveLength(3);
  });

  it.each([
    [{ emails: [] }, 'alerts.emails: at least one email address'],
    [{ emails: ['not-an-email'] }, 'alerts.emails[0]: an email address like oncall@example.com'],
    [{ emails: ['a@example.com', 'A@Example.com'] }, 'alerts.emails: each address once'],
    [{ emails: ['a@example.com'], clusters: ['bad name!'] }, 'alerts.clusters[0]: a cluster name'],
    [{ emails: ['a@example.com'], clusters: [] }, 'alerts.clusters:'],
    [{ emails: ['a@example.com'], notifyOn: ['everything'] }, 'alerts.notifyOn[0]: expected one of'],
    [{ emails: ['a@example.com'], noise: { maxPerWindow: 0 } }, 'alerts.noise.maxPerWindow:'],
    [{ emails: ['a@example.com'], noise: { windowMinutes: 2000 } }, 'alerts.noise.windowMinutes:'],
    [{ emails: ['a@example.com'], ignore: { service: ['x'] } }, 'alerts.ignore.service: unknown key'],
    [{ emails: ['a@example.com'], email: 'x' }, 'alerts.email: unknown key'],
  ])('rejects %j naming the field', (alerts, issue) => {
    expect(issuesOf({ alerts }).join('\n')).toContain(issue);
  });
});
