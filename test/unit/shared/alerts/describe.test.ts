import { describe, expect, it } from 'vitest';
import { describeAlerts } from '../../../../shared/alerts/describe';
import { alertsConfig } from './fixtures';

describe('Function: describeAlerts', () => {
  it('describes the defaults', () => {
    expect(describeAlerts(alertsConfig())).toBe(
      'alerts: stopped tasks in every cluster (failures) → oncall@example.com; at most 3 mails + 1 summary per service per 15 min',
    );
  });

  it('describes clusters, notifyOn, ignores, several addresses and noise control off', () => {
    const alerts = alertsConfig({
      emails: ['a@example.com', 'b@example.com'],
      clusters: ['media', 'api'],
      notifyOn: ['failures', 'spot'],
      ignore: { services: ['canary'], families: ['smoke'] },
      noise: { enabled: false },
    });

    expect(describeAlerts(alerts)).toBe(
      'alerts: stopped tasks in clusters media, api (failures + spot), except service canary, family smoke → 2 addresses; noise control off',
    );
  });
});
