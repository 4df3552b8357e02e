import { defineJob, type PeriodicTask } from '../jobs/definition.ts';
import type { WebhookRetention } from '../webhooks/retention.ts';
import { type DeliveryJob, EVENT_DELIVERY_QUEUE, type EventService } from './service.ts';

/** Deliveries in flight per process: most of their time is waiting on receivers. */
const EVENT_DELIVERY_CONCURRENCY = 16;

export const eventJobs = [
  defineJob<{ eventService: EventService }, DeliveryJob>({
    queue: EVENT_DELIVERY_QUEUE,
    concurrency: EVENT_DELIVERY_CONCURRENCY,
    handler: ({ eventService }, job) => eventService.deliver(job),
  }),
];

export const eventTasks: PeriodicTask<{ eventRetention: WebhookRetention }>[] = [
  { name: 'outgoing event retention', start: ({ eventRetention }) => eventRetention.start() },
];
