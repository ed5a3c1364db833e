// The "Review Queue" tree view: pending items with progress in the view's description.
import * as vscode from 'vscode';
import type { QueueItem } from '../core/records';
import type { ReviewSession } from '../core/review/session';

export class QueueTreeProvider implements vscode.TreeDataProvider<QueueItem> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  view: vscode.TreeView<QueueItem> | undefined;

  constructor(private readonly session: ReviewSession) {}

  refresh(): void {
    this.changed.fire();
    if (this.view) {
      const p = this.session.progress();
      this.view.description = `${p.done} / ${p.total} reviewed${this.session.usingSamples ? ' (sample queue)' : ''}`;
      this.view.badge = p.total - p.done > 0 ? { value: p.total - p.done, tooltip: `${p.total - p.done} item(s) to review` } : undefined;
    }
  }

  getTreeItem(item: QueueItem): vscode.TreeItem {
    const t = new vscode.TreeItem(firstLine(item.prompt.instruction), vscode.TreeItemCollapsibleState.None);
    const ctx = item.prompt.context;
    t.description = [ctx?.filePath ? ctx.filePath.split(/[\\/]/).pop() : undefined, `${item.candidates.length} candidates`].filter(Boolean).join(' · ');
    t.tooltip = new vscode.MarkdownString().appendText(item.prompt.instruction);
    t.iconPath = new vscode.ThemeIcon('comment-discussion');
    t.command = { command: 'rlhf.openReviewPanel', title: 'Review', arguments: [item.id] };
    t.id = item.id;
    return t;
  }

  getChildren(element?: QueueItem): QueueItem[] {
    return element ? [] : this.session.pending();
  }
}

function firstLine(s: string): string {
  const line = s.split('\n')[0];
  return line.length > 80 ? line.slice(0, 79) + '…' : line;
}
