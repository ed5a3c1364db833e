export * from './types';
export * from './prompt';
export * from './openaiCompatible';
export * from './gather';
export { SseParser } from './sse';
export { redact, parseRetryAfter, backoffDelay } from './util';
