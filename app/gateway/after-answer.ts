/**
 * Work a request leaves for after its answer has been sent: the audit row of an agent's call (ADR 037). The agent
 * does not wait for a write that changes nothing in its answer; the row is still written in the request's lifetime,
 * before the HTTP face lets go of it.
 */
export type AfterAnswer = (task: () => Promise<void>) => void

/** The tasks of one request, run one after another by `run` once its answer is out; a task's failure is its own. */
export function afterAnswerQueue(onError: (error: unknown) => void): { defer: AfterAnswer; run(): Promise<void> } {
  const tasks: Array<() => Promise<void>> = []
  return {
    defer: (task) => void tasks.push(task),
    async run() {
      for (const task of tasks.splice(0)) await task().catch(onError)
    },
  }
}
