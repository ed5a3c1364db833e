// What every feature module of the host receives: the shared services, created once in activate().
import type * as vscode from 'vscode';
import type { ReviewSession } from '../core/review/session';
import type { PreferenceStore } from '../core/store/store';
import type { ReviewPanel } from './reviewPanel';

export interface HostContext {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  session: ReviewSession;
  store: PreferenceStore;
  /** Absolute path of the store folder (`.rlhf/` in the workspace by default). */
  storeDir: string;
  /** Re-reads the store and refreshes the views and the open panel. */
  refresh(): void;
  /** The open review panel, if any. */
  panel(): ReviewPanel | undefined;
  /** Opens (or reveals) the review panel. */
  openPanel(itemId?: string): ReviewPanel;
}
