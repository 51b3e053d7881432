import { workerData } from 'node:worker_threads';
import { arenaViews } from './arena-layout.ts';
import { runPart, type Op } from './arena-ops.ts';
import { BUSY, CTRL, CTRL_BYTES, SPIN_MS, STOP, type TeamPayload } from './arena-team.ts';
import { arenaKernels } from './wasm-kernels.ts';

// A grower's helper thread: its own instance of the arena's module on the shared memory; waits for a pass, runs its shard's share.
const { module, memory, layout, ctrl, part } = (workerData as { payload: TeamPayload }).payload;
const k = arenaKernels(module, memory);
const v = arenaViews(memory.buffer, layout);
const c = new Int32Array(ctrl, (part - 1) * CTRL_BYTES, 16);
const d = new Float64Array(ctrl, (part - 1) * CTRL_BYTES + 64, 8);
const args = d.subarray(0, 4);
const out = d.subarray(4, 7);
const ints = c.subarray(CTRL.ints, CTRL.ints + 4);
let seen = 0;
Atomics.store(c, CTRL.ready, 1);
for (;;) {
  // while a tree grows the next pass follows within microseconds: spin a little, then sleep in bounded waits
  const since = performance.now();
  for (let spin = 0; Atomics.load(c, CTRL.seq) === seen; spin++) if ((spin & 1023) === 0 && performance.now() - since > SPIN_MS) Atomics.wait(c, CTRL.seq, seen, 5);
  seen = Atomics.load(c, CTRL.seq);
  const op = c[CTRL.op];
  if (op === STOP) break;
  // the pass is ours unless the calling thread took it, having found it untaken (then it is done there, and not waited for)
  const claimed = Atomics.load(c, CTRL.claim);
  if (claimed === seen || Atomics.compareExchange(c, CTRL.claim, claimed, seen) !== claimed) continue;
  try {
    const t0 = performance.now();
    for (let g = 0; g < c[CTRL.segments]; g++) runPart(k, v, layout, op as Op, part, true, g, c[CTRL.ranges + 2 * g], c[CTRL.ranges + 2 * g + 1], ints, args, out);
    d[BUSY] = performance.now() - t0;
  } catch {
    c[CTRL.failed] = 1;
  }
  Atomics.store(c, CTRL.done, seen);
  Atomics.notify(c, CTRL.done);
}
