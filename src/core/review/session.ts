// The review queue as a reviewer walks it: pending items, vote, skip, undo, back.
// Pure logic over PreferenceStore; the VS Code side only renders it.
import * as crypto from 'node:crypto';
import type { Judgment, PreferenceRecord, QueueItem } from '../records';
import { judgedItemIds, pendingItems, PreferenceStore, type StoreSnapshot } from '../store/store';

export interface QueueProgress {
  /** Items with a (non-retracted) judgment. */
  done: number;
  total: number;
}

export interface ReviewSessionOptions {
  /** Items shown when the workspace queue has none of its own (the bundled sample queue). */
  sampleItems?: QueueItem[];
}

export class ReviewSession {
  private snapshot: StoreSnapshot = { items: [], records: [], retractions: [], bad: [] };
  private order: QueueItem[] = [];
  private skipped: string[] = [];
  /** Records saved in this session, newest last: what undo walks back. */
  private history: PreferenceRecord[] = [];
  /** Item shown again by undo/back, ahead of the queue. */
  private revisit: QueueItem | undefined;

  constructor(
    readonly store: PreferenceStore,
    private readonly opts: ReviewSessionOptions = {},
  ) {}

  /** Re-reads the store (another window or a git pull may have added lines). */
  refresh(): StoreSnapshot {
    this.snapshot = this.store.load();
    const all = this.allItems();
    const pending = pendingItems(all, this.snapshot);
    // Skipped items go to the back, in the order they were skipped.
    const skip = new Set(this.skipped);
    const ahead = pending.filter((i) => !skip.has(i.id));
    this.order = [...(this.orderFn ? this.orderFn(ahead) : ahead), ...this.skipped.map((id) => pending.find((i) => i.id === id)).filter((i): i is QueueItem => !!i)];
    return this.snapshot;
  }

  private orderFn: ((items: QueueItem[]) => QueueItem[]) | undefined;
  /** Reorders the pending (not skipped) items on every refresh, e.g. by reward-model uncertainty; undefined restores queue order. */
  setOrder(fn: ((items: QueueItem[]) => QueueItem[]) | undefined): void {
    this.orderFn = fn;
    this.refresh();
  }

  get usingSamples(): boolean {
    return this.snapshot.items.length === 0 && (this.opts.sampleItems?.length ?? 0) > 0;
  }

  allItems(): QueueItem[] {
    return this.usingSamples ? (this.opts.sampleItems ?? []) : this.snapshot.items;
  }

  pending(): QueueItem[] {
    return this.order;
  }

  current(): QueueItem | undefined {
    return this.revisit ?? this.order[0];
  }

  /** The item current() will be once the current one is judged: lets the panel show it at once. */
  peekNext(): QueueItem | undefined {
    const cur = this.current();
    return this.order.find((i) => i.id !== cur?.id);
  }

  progress(): QueueProgress {
    const items = this.allItems();
    const judged = judgedItemIds(this.snapshot);
    const ids = new Set(items.map((i) => i.id));
    let done = 0;
    for (const id of ids) if (judged.has(id)) done++;
    return { done, total: ids.size };
  }

  /** Records in the store, retracted ones excluded. */
  activeRecords(): PreferenceRecord[] {
    const gone = new Set(this.snapshot.retractions.map((r) => r.recordId));
    return this.snapshot.records.filter((r) => !gone.has(r.id));
  }

  findItem(id: string): QueueItem | undefined {
    if (this.revisit?.id === id) return this.revisit;
    return this.allItems().find((i) => i.id === id);
  }

  /** Saves a judgment (durably) and advances. A re-judged item replaces its earlier record. */
  vote(itemId: string, judgment: Judgment): PreferenceRecord {
    const item = this.findItem(itemId);
    if (!item) throw new Error(`No review item with id ${itemId}`);
    const earlier = this.activeRecords().filter((r) => r.itemId === itemId);
    const rec = this.store.saveJudgment(item, judgment);
    for (const r of earlier) this.store.retract(r.id);
    this.history.push(rec);
    if (this.revisit?.id === itemId) this.revisit = undefined;
    this.skipped = this.skipped.filter((id) => id !== itemId);
    this.refresh();
    return rec;
  }

  skip(itemId: string): void {
    if (this.revisit?.id === itemId) {
      this.revisit = undefined;
      return;
    }
    this.skipped = [...this.skipped.filter((id) => id !== itemId), itemId];
    this.refresh();
  }

  /** Withdraws the last judgment of this session and shows its item again. */
  undo(): PreferenceRecord | undefined {
    const last = this.history.pop();
    if (!last) return undefined;
    this.store.retract(last.id);
    this.refresh();
    this.revisit = this.findItem(last.itemId);
    return last;
  }

  /**
   * Shows the previously judged item again (its record stays until it is judged anew); each
   * further call steps one more judged item back through this session's history.
   */
  back(): QueueItem | undefined {
    let from = this.history.length;
    if (this.revisit) {
      for (let i = this.history.length - 1; i >= 0; i--) {
        if (this.history[i].itemId === this.revisit.id) {
          from = i;
          break;
        }
      }
    }
    for (let i = from - 1; i >= 0; i--) {
      const id = this.history[i].itemId;
      if (id === this.revisit?.id) continue; // judged twice: one stop per item
      const item = this.findItem(id);
      if (item) {
        this.revisit = item;
        return item;
      }
    }
    return undefined;
  }

  /** Shows a given item next (picked from the queue view). */
  focus(itemId: string): QueueItem | undefined {
    const item = this.findItem(itemId);
    if (item) this.revisit = item;
    return item;
  }

  /** The record currently standing for an item, if judged. */
  recordFor(itemId: string): PreferenceRecord | undefined {
    return this.activeRecords().filter((r) => r.itemId === itemId).pop();
  }
}

/** Order to show candidates in: a per-item shuffle (position-bias control) or as stored. */
export function displayOrder(item: QueueItem, shuffle: boolean, salt = ''): string[] {
  const ids = item.candidates.map((c) => c.id);
  if (!shuffle) return ids;
  const key = (id: string) => crypto.createHash('sha256').update(`${salt}:${item.id}:${id}`).digest('hex');
  return [...ids].sort((a, b) => (key(a) < key(b) ? -1 : 1));
}
