import type { AlertsConfig } from '../config/schema.js';

/** One line a human can check the alerts section against: what is watched, who is told, how often. */
export function describeAlerts(alerts: AlertsConfig): string {
  const clusters = alerts.clusters ? `clusters ${alerts.clusters.join(', ')}` : 'every cluster';
  const ignored = [
    ...alerts.ignore.services.map((s) => `service ${s}`),
    ...alerts.ignore.families.map((f) => `family ${f}`),
  ];
  const noise = alerts.noise.enabled
    ? `at most ${alerts.noise.maxPerWindow} mails + 1 summary per service per ${alerts.noise.windowMinutes} min`
    : 'noise control off';
  return [
    `alerts: stopped tasks in ${clusters} (${alerts.notifyOn.join(' + ')})`,
    ignored.length > 0 ? `, except ${ignored.join(', ')}` : '',
    ` → ${alerts.emails.length === 1 ? alerts.emails[0] : `${alerts.emails.length} addresses`}; ${noise}`,
  ].join('');
}
