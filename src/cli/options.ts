// Options shared by several commands, parsed once.
import { availableParallelism, userInfo } from "node:os";
import { UsageError } from "./errors.js";

export interface CommonOptions {
  root: string;
  json?: boolean;
  verbose?: boolean;
}

export interface IdentityOptions {
  tagsFile?: string;
  tag: string[];
  tagWait: string;
}

export interface BoxOptions {
  cpus?: string;
  portOffset?: string;
}

/** A non-negative integer option, or a usage error naming the flag. */
export function intOption(value: string | undefined, flag: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} expects a whole number >= ${min}, found "${value}"`);
  return n;
}

/** --tag-wait in milliseconds. */
export function tagWaitMs(opts: IdentityOptions): number {
  return intOption(opts.tagWait, "--tag-wait", 60) * 1000;
}

/** --cpus, default this machine's. */
export function cpus(opts: BoxOptions): number {
  return intOption(opts.cpus, "--cpus", availableParallelism(), 1);
}

export function invokingUser(): string {
  return userInfo().username;
}

/** Collects a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
