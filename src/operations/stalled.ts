import type { Client, WorkflowExecutionDescription } from '@temporalio/client';

/**
 * Why a running operation's workflow cannot move, or undefined when it can. A workflow task that keeps
 * failing (most often a non-determinism error after a deploy changed workflow code incompatibly) leaves the
 * workflow open and retried by Temporal: the operation stays `running` with its progress frozen, so GET names
 * the cause from the latest failed task instead of leaving the caller to guess.
 */
export async function stalledReason(
  client: Client,
  description: WorkflowExecutionDescription,
): Promise<string | undefined> {
  const attempt = description.raw.pendingWorkflowTask?.attempt ?? 0;
  if (attempt < 2) return undefined;
  const { history } = await client.workflowService.getWorkflowExecutionHistoryReverse({
    namespace: client.options.namespace,
    execution: { workflowId: description.workflowId, runId: description.runId },
    maximumPageSize: 50,
  });
  // Newest first: only a task that failed (not one that timed out with a killed worker) is a stall.
  const lastOutcome = history?.events?.find(
    (e) =>
      e.workflowTaskFailedEventAttributes ||
      e.workflowTaskCompletedEventAttributes ||
      e.workflowTaskTimedOutEventAttributes,
  );
  const cause = lastOutcome?.workflowTaskFailedEventAttributes?.failure?.message;
  if (!cause) return undefined;
  return `stalled: the worker cannot run this operation's workflow (task attempt ${attempt}): ${cause}`;
}
