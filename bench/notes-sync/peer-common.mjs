// Shared by the peer server scripts: exit when the benchmark that started us is gone (a parent
// killed with SIGKILL cannot clean up, so its children must not outlive it).
export function watchParent(stop) {
  const parent = process.ppid;
  const timer = setInterval(() => {
    let alive = process.ppid === parent;
    if (alive) {
      try {
        process.kill(parent, 0);
      } catch {
        alive = false;
      }
    }
    if (!alive) {
      clearInterval(timer);
      stop();
    }
  }, 1_000);
  timer.unref();
}
