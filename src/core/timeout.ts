/**
 * Waiting for a promise with a time limit: the one timeout race of the
 * bridge. Pure.
 */

/**
 * What {@link withTimeout} saw first: the promise's value, or the limit.
 */
export type Timed<T> = { timedOut: false; value: T } | { timedOut: true };

/**
 * Wait for `promise`, at most `ms` milliseconds. The timer is cleared as
 * soon as the promise settles; a rejection is passed on. The promise is
 * not cancelled at the limit: the caller decides what to do with work
 * that goes on.
 */
export function withTimeout<T>(
  promise: PromiseLike<T>,
  ms: number
): Promise<Timed<T>> {
  return new Promise<Timed<T>>((resolve, reject) => {
    const timer = setTimeout(() => resolve({ timedOut: true }), ms);
    promise.then(
      value => {
        clearTimeout(timer);
        resolve({ timedOut: false, value });
      },
      (reason: unknown) => {
        clearTimeout(timer);
        reject(reason);
      }
    );
  });
}
