import { allHandlersFinished, condition, continueAsNew, type Workflow } from '@temporalio/workflow';

/**
 * Hands the workflow to a new run of itself with `args` as its input (continue-as-new), so one run's history
 * stays small. Waits first for every signal handler to finish, so none is cut off half way.
 */
export async function continueInNewRun<F extends Workflow>(...args: Parameters<F>): Promise<never> {
  await condition(allHandlersFinished);
  return continueAsNew<F>(...args);
}
