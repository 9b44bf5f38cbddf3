// A workflow whose one activation computes for seconds after its first await, as a bank queue's does amid a
// signal flood on a starved CPU: that part runs in microtasks, where the SDK's stop of a long activation
// aborts the whole process (see WORKFLOW_ACTIVATION_BOUND in src/temporal/worker.ts).
import { sleep } from '@temporalio/workflow';

export async function longActivation(iterations: number): Promise<number> {
  await sleep(1);
  let x = 0;
  for (let i = 0; i < iterations; i++) x = (x * 31 + i) % 1_000_003;
  return x;
}
