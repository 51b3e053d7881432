/**
 * A value now or later. The prediction path passes these instead of promises so that a request whose every step can finish
 * at once (a model in memory, one row) finishes in the same turn: each promise turn on that path cost more than some of
 * the steps themselves.
 */
export type MaybePromise<T> = T | Promise<T>;

/** `f(value)`: at once when the value is here, else when it arrives. A synchronous throw from `f` is thrown to the caller. */
export function andThen<T, U>(value: MaybePromise<T>, f: (v: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(f) : f(value);
}

/**
 * `f()`, with `onError` seeing whatever it throws or rejects with (and deciding what to throw or return instead), whether
 * `f` finished at once or later.
 */
export function guard<T>(f: () => MaybePromise<T>, onError: (e: unknown) => MaybePromise<T>): MaybePromise<T> {
  let out: MaybePromise<T>;
  try {
    out = f();
  } catch (e) {
    return onError(e);
  }
  return out instanceof Promise ? out.catch(onError) : out;
}
