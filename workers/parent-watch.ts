/**
 * Notices when the process that started us is gone. `npm start` and `npm test` run us through
 * `sh -c`, and npm passes SIGTERM to that shell only, which dies without passing it on; a
 * parent killed outright sends nothing at all. Either way our parent id changes, and `fn` runs
 * once, as if we had been sent SIGTERM.
 */
export function onParentExit(fn: () => void, everyMs = 500): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    fn();
  }, everyMs);
  timer.unref();
}
