import { defineJob } from '../jobs/definition.ts';
import { BOT_JOIN_QUEUE, type BotService } from './service.ts';

export const botJobs = [
  defineJob<{ botService: BotService }, { botId: string }>({
    queue: BOT_JOIN_QUEUE,
    concurrency: 4,
    configure: (config) => ({ retryLimit: config.botLaunchRetries }),
    handler: ({ botService }, { botId }, attempt) => botService.join(botId, attempt),
  }),
];
