import { defineJob, type PeriodicTask } from '../jobs/definition.ts';
import type { WebhookRetention } from '../webhooks/retention.ts';
import { EVENT_DELIVERY_QUEUE, type EventService } from './service.ts';

export const eventJobs = [
  // Deliveries are claimed from their rows by the dispatcher below, not queued as jobs; jobs an
  // earlier version left in this queue only wake it.
  defineJob<{ eventService: EventService }, object>({
    queue: EVENT_DELIVERY_QUEUE,
    concurrency: 1,
    handler: async ({ eventService }) => eventService.wake(),
  }),
];

export const eventTasks: PeriodicTask<{
  eventService: EventService;
  eventRetention: WebhookRetention;
}>[] = [
  { name: 'outgoing event dispatch', start: ({ eventService }) => eventService.startDispatching() },
  { name: 'outgoing event retention', start: ({ eventRetention }) => eventRetention.start() },
];
