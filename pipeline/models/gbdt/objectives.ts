// Losses as gradient/hessian pairs (what the trees fit) plus the starting prediction and the
// metric reported per round. Absolute and quantile losses have a zero hessian almost everywhere, so
// their trees are grown on unit hessians and each leaf's value is then set to the median (or
// alpha-quantile) of its rows' residuals, the line search that makes those losses work.
import type {GbdtParams, Objective} from "./types.ts";

export interface ObjectiveImpl {
  name: Objective;
  /** The constant every prediction starts from. */
  baseScore(y: ArrayLike<number>): number;
  /** Fill grad and hess for rows 0..n-1. */
  gradients(pred: Float64Array, y: ArrayLike<number>, grad: Float64Array, hess: Float64Array): void;
  /** Mean loss as reported per round (RMSE for squared error). */
  loss(pred: Float64Array, y: ArrayLike<number>): number;
  /** If set, a leaf's value (before the learning rate) from its rows' residuals y - pred. */
  leafValue?: (residuals: Float64Array) => number;
  /** True when every hessian is 1 (the hessian sum is then the row count). */
  unitHessian: boolean;
}

export function objectiveFor(p: GbdtParams): ObjectiveImpl {
  switch (p.objective) {
    case "squared":
      return {
        name: "squared",
        unitHessian: true,
        baseScore: mean,
        gradients(pred, y, grad, hess) {
          for (let i = 0; i < pred.length; i++) {
            grad[i] = pred[i] - y[i];
            hess[i] = 1;
          }
        },
        loss(pred, y) {
          let s = 0;
          for (let i = 0; i < pred.length; i++) s += (pred[i] - y[i]) ** 2;
          return Math.sqrt(s / pred.length);
        }
      };
    case "absolute":
      return {
        name: "absolute",
        unitHessian: true,
        baseScore: (y) => quantile(Float64Array.from(y), 0.5),
        gradients(pred, y, grad, hess) {
          for (let i = 0; i < pred.length; i++) {
            grad[i] = Math.sign(pred[i] - y[i]);
            hess[i] = 1;
          }
        },
        loss(pred, y) {
          let s = 0;
          for (let i = 0; i < pred.length; i++) s += Math.abs(pred[i] - y[i]);
          return s / pred.length;
        },
        leafValue: (r) => quantile(r, 0.5)
      };
    case "huber": {
      const d = p.huberDelta;
      return {
        name: "huber",
        unitHessian: false,
        baseScore: (y) => quantile(Float64Array.from(y), 0.5),
        gradients(pred, y, grad, hess) {
          for (let i = 0; i < pred.length; i++) {
            const e = pred[i] - y[i];
            const s = 1 + (e / d) ** 2;
            const root = Math.sqrt(s);
            grad[i] = e / root;
            hess[i] = 1 / (s * root);
          }
        },
        loss(pred, y) {
          let s = 0;
          for (let i = 0; i < pred.length; i++) s += d * d * (Math.sqrt(1 + ((pred[i] - y[i]) / d) ** 2) - 1);
          return s / pred.length;
        }
      };
    }
    case "quantile": {
      const a = p.alpha;
      return {
        name: "quantile",
        unitHessian: true,
        baseScore: (y) => quantile(Float64Array.from(y), a),
        gradients(pred, y, grad, hess) {
          for (let i = 0; i < pred.length; i++) {
            grad[i] = y[i] > pred[i] ? -a : 1 - a;
            hess[i] = 1;
          }
        },
        loss: (pred, y) => pinball(pred, y, a),
        leafValue: (r) => quantile(r, a)
      };
    }
  }
}

/** Mean pinball loss of predictions for quantile level a. */
export function pinball(pred: ArrayLike<number>, y: ArrayLike<number>, a: number): number {
  let s = 0;
  for (let i = 0; i < pred.length; i++) {
    const e = y[i] - pred[i];
    s += e >= 0 ? a * e : (a - 1) * e;
  }
  return s / pred.length;
}

function mean(y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i];
  return s / y.length;
}

/** The q-quantile (linear interpolation); sorts `values` in place. */
export function quantile(values: Float64Array, q: number): number {
  if (values.length === 0) return 0;
  values.sort();
  const pos = (values.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, values.length - 1);
  return values[lo] + (values[hi] - values[lo]) * (pos - lo);
}
