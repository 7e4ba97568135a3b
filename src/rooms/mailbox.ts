/**
 * A serial queue of tasks: each runs after the previous one has finished, async ones included. A
 * task that throws is reported and the queue goes on.
 */
export function createMailbox(onError: (err: unknown, label: string) => void) {
  const queue: { task: () => unknown; label: string }[] = [];
  let running = false;
  let closed = false;
  let idle: (() => void)[] = [];

  async function drain() {
    running = true;
    while (queue.length > 0) {
      const { task, label } = queue.shift()!;
      try {
        await task();
      } catch (err) {
        onError(err, label);
      }
    }
    running = false;
    const waiters = idle;
    idle = [];
    for (const resolve of waiters) resolve();
  }

  return {
    /** Queues `task`; false (and nothing queued) once the mailbox is closed. */
    post(task: () => unknown, label = "task"): boolean {
      if (closed) return false;
      queue.push({ task, label });
      if (!running) void drain();
      return true;
    },
    /** Refuses new tasks and resolves once those already posted have run. */
    close(): Promise<void> {
      closed = true;
      if (!running && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
    get size() {
      return queue.length;
    },
  };
}
