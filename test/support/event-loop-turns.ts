/** Counts turns of the event loop (setImmediate callbacks) until `stop`: proof that long work let others run. */
export function countEventLoopTurns(): { stop(): number } {
  let turns = 0;
  let stopped = false;
  const tick = (): void => {
    turns++;
    if (!stopped) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    stop() {
      stopped = true;
      return turns;
    },
  };
}
