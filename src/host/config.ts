// Settings as typed values. The keys are declared (with descriptions) in package.json.
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { DEFAULT_TAGS } from '../core/records';

export interface RlhfConfig {
  storePath: string;
  tags: string[];
  shuffleCandidates: boolean;
  hideModelNames: boolean;
  reviewer: string | undefined;
  useSampleQueue: boolean;
}

export function readConfig(ws: typeof vscode.workspace): RlhfConfig {
  const c = ws.getConfiguration('rlhf');
  return {
    storePath: c.get<string>('storePath', '.rlhf') || '.rlhf',
    tags: c.get<string[]>('tags', [...DEFAULT_TAGS]),
    shuffleCandidates: c.get<boolean>('shuffleCandidates', true),
    hideModelNames: c.get<boolean>('hideModelNamesUntilVote', true),
    reviewer: c.get<string>('reviewer') || undefined,
    useSampleQueue: c.get<boolean>('useSampleQueue', true),
  };
}

/** The store folder: relative paths resolve against the first workspace folder. */
export function resolveStoreDir(storePath: string, workspaceRoot: string | undefined, fallbackRoot: string): string {
  if (path.isAbsolute(storePath)) return storePath;
  return path.join(workspaceRoot ?? fallbackRoot, storePath);
}
