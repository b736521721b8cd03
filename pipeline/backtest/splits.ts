// Walk-forward splits: each origin is a point in time; the models are fitted on data before it and
// issue forecasts after it, for `testDays`. Origins step back from the end of the data, so the last
// test window ends where the data does, and the most recent `origins` are kept.
//
//   expanding  train = [first data, origin)            every origin sees all the history it had
//   sliding    train = [origin − trainDays, origin)     a fixed-length window (seasonal drift)
import {DAY_MS} from "../forecast/series.ts";
import {messages, SunlineError} from "../messages.ts";

export interface SplitOptions {
  /** First instant with data, and one past the last (UTC ms). */
  start: number;
  end: number;
  mode?: "expanding" | "sliding";
  stepDays?: number;
  testDays?: number;
  /** Sliding mode's training length. */
  trainDays?: number;
  /** An origin needs at least this much history before it. */
  minTrainDays?: number;
  /** Keep at most this many origins, the most recent. */
  origins?: number;
}

export interface Split {
  /** 1 for the earliest kept origin. */
  window: number;
  origin: number;
  trainStart: number;
  /** = origin: nothing at or after it is fitted on. */
  trainEnd: number;
  testStart: number;
  testEnd: number;
}

export function walkForwardSplits(o: SplitOptions): Split[] {
  const mode = o.mode ?? "expanding";
  const step = (o.stepDays ?? 30) * DAY_MS;
  const test = (o.testDays ?? 30) * DAY_MS;
  const minTrain = (o.minTrainDays ?? 90) * DAY_MS;
  const trainLength = (o.trainDays ?? 365) * DAY_MS;
  const most = o.origins ?? Infinity;
  for (const [name, v] of [["stepDays", step], ["testDays", test], ["minTrainDays", minTrain], ["trainDays", trainLength]] as const) {
    if (!(v > 0)) throw new SunlineError(messages.backtestBadOption(name, v / DAY_MS));
  }
  if (!(most >= 1)) throw new SunlineError(messages.backtestBadOption("origins", most));
  const origins: number[] = [];
  for (let origin = o.end - test; origin - o.start >= minTrain && origins.length < most; origin -= step) origins.push(origin);
  return origins.reverse().map((origin, k) => ({
    window: k + 1,
    origin,
    trainStart: mode === "sliding" ? Math.max(o.start, origin - trainLength) : o.start,
    trainEnd: origin,
    testStart: origin,
    testEnd: Math.min(o.end, origin + test)
  }));
}
