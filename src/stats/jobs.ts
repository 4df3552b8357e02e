import type { PeriodicTask } from '../jobs/definition.ts';
import type { StatsService } from './service.ts';

export const statsTasks: PeriodicTask<{ statsService: StatsService }>[] = [
  { name: 'stats housekeeping', start: ({ statsService }) => statsService.startHousekeeping() },
];
