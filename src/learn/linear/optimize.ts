/** Objective for the solvers: returns the value and writes the gradient into `grad`. */
export type Objective = (w: Float64Array, grad: Float64Array) => number;

/**
 * L-BFGS with a backtracking Armijo line search (memory 10). Stops when the gradient's max-norm falls below `tol` or the
 * objective stops moving.
 */
export function lbfgs(f: Objective, w0: Float64Array, maxIter = 500, tol = 1e-6, deadline?: number): Float64Array {
  const d = w0.length;
  const m = 10;
  const w = Float64Array.from(w0);
  const g = new Float64Array(d);
  let fx = f(w, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const dir = new Float64Array(d);
  const wNew = new Float64Array(d);
  const gNew = new Float64Array(d);
  const alpha = new Float64Array(m);
  for (let iter = 0; iter < maxIter; iter++) {
    if (deadline !== undefined && iter > 0 && Date.now() > deadline) break;
    let gmax = 0;
    for (let i = 0; i < d; i++) gmax = Math.max(gmax, Math.abs(g[i]));
    if (gmax < tol) break;
    // two-loop recursion: dir = -H g
    dir.set(g);
    for (let k = S.length - 1; k >= 0; k--) {
      let a = 0;
      for (let i = 0; i < d; i++) a += S[k][i] * dir[i];
      a *= rho[k];
      alpha[k] = a;
      for (let i = 0; i < d; i++) dir[i] -= a * Y[k][i];
    }
    if (S.length > 0) {
      const k = S.length - 1;
      let sy = 0;
      let yy = 0;
      for (let i = 0; i < d; i++) {
        sy += S[k][i] * Y[k][i];
        yy += Y[k][i] * Y[k][i];
      }
      const gamma = sy / yy;
      for (let i = 0; i < d; i++) dir[i] *= gamma;
    } else {
      const scale = 1 / Math.max(1, gmax);
      for (let i = 0; i < d; i++) dir[i] *= scale;
    }
    for (let k = 0; k < S.length; k++) {
      let b = 0;
      for (let i = 0; i < d; i++) b += Y[k][i] * dir[i];
      b *= rho[k];
      for (let i = 0; i < d; i++) dir[i] += S[k][i] * (alpha[k] - b);
    }
    for (let i = 0; i < d; i++) dir[i] = -dir[i];
    let slope = 0;
    for (let i = 0; i < d; i++) slope += g[i] * dir[i];
    if (slope >= 0) {
      // not a descent direction: restart from steepest descent
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < d; i++) dir[i] = -g[i] / Math.max(1, gmax);
      slope = 0;
      for (let i = 0; i < d; i++) slope += g[i] * dir[i];
    }
    let step = 1;
    let fNew = Infinity;
    for (let ls = 0; ls < 40; ls++) {
      for (let i = 0; i < d; i++) wNew[i] = w[i] + step * dir[i];
      fNew = f(wNew, gNew);
      if (fNew <= fx + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNew <= fx)) break;
    const s = new Float64Array(d);
    const yv = new Float64Array(d);
    let sy = 0;
    for (let i = 0; i < d; i++) {
      s[i] = wNew[i] - w[i];
      yv[i] = gNew[i] - g[i];
      sy += s[i] * yv[i];
    }
    const improvement = fx - fNew;
    w.set(wNew);
    g.set(gNew);
    fx = fNew;
    if (sy > 1e-12) {
      S.push(s);
      Y.push(yv);
      rho.push(1 / sy);
      if (S.length > m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
    }
    if (improvement < 1e-12 * Math.max(1, Math.abs(fx))) break;
  }
  return w;
}

/**
 * FISTA (accelerated proximal gradient) for smooth(w) + l1 * |w|_1 over the coordinates where `penalized` is 1, with
 * backtracking on the step size. Used for L1 and elastic-net penalties, where L-BFGS does not apply.
 */
export function fista(f: Objective, w0: Float64Array, l1: number, penalized: Uint8Array, maxIter = 2000, tol = 1e-7, deadline?: number): Float64Array {
  const d = w0.length;
  let w = Float64Array.from(w0);
  const z = Float64Array.from(w0);
  let t = 1;
  let L = 1;
  const g = new Float64Array(d);
  const gTmp = new Float64Array(d);
  const next = new Float64Array(d);
  const prox = (v: number, i: number, thr: number) => (penalized[i] ? Math.sign(v) * Math.max(0, Math.abs(v) - thr) : v);
  for (let iter = 0; iter < maxIter; iter++) {
    if (deadline !== undefined && iter > 0 && Date.now() > deadline) break;
    const fz = f(z, g);
    for (;;) {
      for (let i = 0; i < d; i++) next[i] = prox(z[i] - g[i] / L, i, l1 / L);
      const fn = f(next, gTmp);
      let quad = fz;
      for (let i = 0; i < d; i++) {
        const diff = next[i] - z[i];
        quad += g[i] * diff + (L / 2) * diff * diff;
      }
      if (fn <= quad + 1e-12 || L > 1e12) break;
      L *= 2;
    }
    const tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
    let change = 0;
    for (let i = 0; i < d; i++) {
      const zi = next[i] + ((t - 1) / tNext) * (next[i] - w[i]);
      change = Math.max(change, Math.abs(next[i] - w[i]));
      z[i] = zi;
    }
    w = Float64Array.from(next);
    t = tNext;
    L = Math.max(1e-6, L / 1.5);
    if (change < tol) break;
  }
  return w;
}
