/** Catching the TsvirtError a call throws, for tests that then look at its code, message and fields. */
import { expect } from 'vitest';
import { TsvirtError } from '../src/errors.js';

/** The TsvirtError that `fn` throws; the test fails when it throws nothing or something else. */
export function catchTsvirtError(fn: () => unknown): TsvirtError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TsvirtError);
    return err as TsvirtError;
  }
  throw new Error('expected a TsvirtError, but nothing was thrown');
}

/** The TsvirtError that `promise` rejects with; the test fails when it resolves or rejects with something else. */
export async function rejectionOf(promise: Promise<unknown>): Promise<TsvirtError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TsvirtError);
  return err as TsvirtError;
}
