import type { Page } from 'playwright-core';
export function harnessHtml(): string;
export function openPanel(page: Page): Promise<void>;
export function response(lines: number, seed?: number): string;
export function viewItem(id: string, lines: number, n?: number): { id: string; instruction: string; candidates: { id: string; label: string; text: string; [k: string]: unknown }[]; canApply: boolean; [k: string]: unknown };
export function showMsg(item: unknown, next: unknown, done?: number, total?: number): Record<string, unknown>;
