import { describe, expect, it } from 'vitest';
import {
  DASHBOARD_LIMITS,
  dashboardResource,
  dashboardWidgets,
  MAX_METRICS_PER_GRAPH,
} from '../../../../shared/deploy/dashboard.js';

const INPUTS = {
  prefix: 'ecs-pilot-prod',
  region: 'eu-west-1',
  metricsNamespace: 'ecs-pilot/prod',
  services: ['uploads', 'schedules', 'alerts', 'images', 'scaling'] as const,
  functions: ['uploadToTask', 'scaleQueues'],
  deadLetterQueues: ['ecs-pilot-prod-uploads-dlq'],
  scalers: ['video-workers'],
};
type MetricWidget = { type: string; properties: { title: string; metrics: unknown[][]; region: string } };
const titled = (widgets: unknown[], title: string) =>
  (widgets as MetricWidget[]).find((w) => w.properties.title?.startsWith(title));

describe('Function: dashboardWidgets', () => {
  it("graphs each automation's work done, from the metric its function emits", () => {
    const widget = titled(dashboardWidgets(INPUTS), 'Work done per minute')!;

    expect(widget.properties.metrics.map((m) => m[1])).toEqual([
      'UploadsStarted',
      'SlotsStarted',
      'AlertsSent',
      'ImagesDeleted',
      'ScalingActions',
    ]);
    expect(widget.properties.metrics.every((m) => m[0] === 'ecs-pilot/prod')).toBe(true);
  });

  it('graphs the dead-letter queues, function errors and durations, and each scaler against its desired count', () => {
    const widgets = dashboardWidgets(INPUTS);

    expect(titled(widgets, 'Dead-letter queues')!.properties.metrics).toEqual([
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', 'ecs-pilot-prod-uploads-dlq'],
    ]);
    expect(titled(widgets, 'Function errors')!.properties.metrics).toHaveLength(4);
    expect(titled(widgets, 'Function duration')!.properties.metrics.map((m) => m[3])).toEqual([
      'ecs-pilot-prod-uploadToTask',
      'ecs-pilot-prod-scaleQueues',
    ]);
    expect(titled(widgets, 'Scaler video-workers')!.properties.metrics.map((m) => m[1])).toEqual([
      'Backlog',
      'DesiredCount',
      'RunningCount',
    ]);
  });

  it('splits a graph past 100 metrics, so no graph exceeds the smallest documented limit', () => {
    const many = { ...INPUTS, deadLetterQueues: Array.from({ length: 250 }, (_, i) => `q${i}`) };

    const graphs = (dashboardWidgets(many) as MetricWidget[]).filter((w) =>
      w.properties.title?.startsWith('Dead-letter queues'),
    );

    expect(graphs.map((g) => g.properties.metrics.length)).toEqual([100, 100, 50]);
    expect(graphs.every((g) => g.properties.metrics.length <= MAX_METRICS_PER_GRAPH)).toBe(true);
  });
});

describe('Function: dashboardResource', () => {
  it('names the dashboard after the stage with only the characters CloudWatch allows, and stores JSON', () => {
    const resource = dashboardResource({ ...INPUTS, prefix: 'ecs-pilot-prod.eu' }) as {
      Properties: { DashboardName: string; DashboardBody: string };
    };

    expect(resource.Properties.DashboardName).toBe('ecs-pilot-prod-eu');
    expect(resource.Properties.DashboardName.length).toBeLessThanOrEqual(DASHBOARD_LIMITS.name);
    const body = JSON.parse(resource.Properties.DashboardBody) as { widgets: unknown[] };
    expect(body.widgets.length).toBeLessThanOrEqual(DASHBOARD_LIMITS.widgets);
  });
});
