/**
 * The bootstraps a finished window leaves pending (a large window's primary metric, its declared
 * business metrics without a closed form, the same on each large fairness group), each split into
 * resample ranges over the evaluation threads, all queued at once. Resample b draws the same rows in whichever range it falls, so the
 * intervals are the ones a single thread gives, bit for bit.
 */
import type { ShardTask } from './engine.js';
import { completeDeclared, completeGroupDeclared } from './declared-bootstrap.js';
import { confidenceSummary } from './primary-interval.js';
import { percentileInterval } from './significance/bootstrap.js';
import { resampleRanges } from './significance/interval.js';
import type { FinishedEvaluation, ShardReply } from './types.js';

export async function completePending(
  done: FinishedEvaluation,
  threads: number,
  run: (msg: ShardTask) => Promise<ShardReply & { ok: true }>,
  started: number,
): Promise<void> {
  const primary = done.pendingInterval;
  const declared = done.pendingDeclared ?? [];
  if (!primary && declared.length === 0) return;
  // Only the per-resample values come back from each range.
  const primaryChunks = primary
    ? Promise.all(
        resampleRanges(primary.settings.resamples ?? 200, threads).map((range) =>
          run({ op: 'bootstrap', input: primary.input, range }).then((r) => r.samples!),
        ),
      )
    : undefined;
  // Several (the window's and its fairness groups'): each whole to the next free thread, largest
  // first, so that no range skips a stream; fewer than the threads: each split into ranges.
  const whole = declared.length >= threads;
  const declaredChunks: Promise<number[][][]>[] = [];
  for (const i of [...declared.keys()].sort((a, b) => declared[b]!.rows - declared[a]!.rows)) {
    const pending = declared[i]!;
    const ranges = whole ? [{ from: 0, to: pending.resamples }] : resampleRanges(pending.resamples, threads);
    declaredChunks[i] = Promise.all(ranges.map((range) => run({ op: 'declared', pending, range }).then((r) => r.declared!)));
  }
  if (primary) {
    const chunks = (await primaryChunks)!;
    const p = percentileInterval({ ...chunks[0]!, samples: chunks.flatMap((c) => c.samples) }, primary.settings);
    done.summary.confidence = confidenceSummary({ ...p, method: 'bootstrap' }, primary.settings);
    delete done.pendingInterval;
  }
  const chunks = await Promise.all(declaredChunks);
  declared.forEach((pending, i) => {
    if (pending.at) completeGroupDeclared(done.summary.fairness, pending, chunks[i]!);
    else completeDeclared(done.summary.gated, pending, chunks[i]!);
  });
  delete done.pendingDeclared;
  done.summary.durationMs = Date.now() - started;
}
