export {
  DAILY_MIN_HISTORY_S,
  DEFAULT_MIN_STRENGTH,
  detectPeriodicity,
  MIN_DETECT_SAMPLES,
  OTHER_MIN_CYCLES,
  WEEKLY_MIN_HISTORY_S,
} from './detect';
export type { DetectOptions } from './detect';
export { seasonalStrength } from './strength';
export { formatDuration } from './format';
