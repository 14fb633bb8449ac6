/**
 * A probe the memory benchmark loads into the room's process (never used otherwise): on
 * SIGUSR2 it runs a full garbage collection and prints what the JavaScript heap holds
 * then, so that what members keep alive can be told from the garbage a join storm leaves.
 * Needs `--expose-gc`.
 *
 * @example
 * ```sh
 * node --expose-gc --import ./.cache/build/bench/heap-probe.js .cache/build/tcp/room-server.js &
 * kill -USR2 $!    # stderr: "heap-probe: live 4123456 bytes"
 * ```
 * @module
 */
const collect = (globalThis as { gc?: () => void }).gc;
process.on("SIGUSR2", () => {
  collect?.();
  collect?.(); // a second pass: what the first one freed may have held other objects
  process.stderr.write(`heap-probe: live ${process.memoryUsage().heapUsed} bytes\n`);
});
