export * from './types';
export * from './prompt';
export * from './openaiCompatible';
export * from './gather';
export * from './samples';
export * from './settings';
export { SseParser } from './sse';
export { redact, parseRetryAfter, backoffDelay, withIdleTimeout, IdleTimeoutError } from './util';
