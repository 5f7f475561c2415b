// The --watch loop and its renderers without a server: it draws until the run settles, shows query
// failures and goes on, always finishes the renderer (last frame kept, cursor shown), and stops
// watching on a signal. watchEvacuation is driven with a scripted evacuation and its children.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { ChildProgress } from '../../cli/watch/children';
import { watchEvacuation } from '../../cli/watch/evacuation';
import type { Frame } from '../../cli/watch/frame';
import { interruptOnSigint, watch } from '../../cli/watch/poll';
import { plainRenderer, terminalRenderer, type Renderer } from '../../cli/watch/render';
import type { Progress } from '../../workflows/definitions';
import type { EvacuationProgress, EvacuationResult } from '../../workflows/evacuation-definitions';

const frame = (line: string): Frame => ({ lines: [line], plain: [{ key: 'k', state: line, text: line }] });
const later = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

function recording(): Renderer & { drawn: string[]; doneCalls: number } {
  const r = {
    drawn: [] as string[],
    doneCalls: 0,
    draw: (f: Frame) => r.drawn.push(f.lines.join('|')),
    done: () => void r.doneCalls++,
  };
  return r;
}

describe('watch', () => {
  it('draws each sample until the run settles, then the final frame, and finishes the renderer once', async () => {
    let n = 0;
    const renderer = recording();
    const end = await watch(
      { sample: async () => frame(`tick ${++n}`), run: later(60, 'result'), final: async (r) => frame(`final ${r}`) },
      { renderer, intervalMs: 10 },
    );
    expect(end).toEqual({ kind: 'finished', result: 'result' });
    expect(renderer.drawn.length).toBeGreaterThanOrEqual(3);
    expect(renderer.drawn.at(0)).toBe('tick 1');
    expect(renderer.drawn.at(-1)).toBe('final result');
    expect(renderer.doneCalls).toBe(1);
  });

  it('shows a failed query under the last frame and keeps polling', async () => {
    let n = 0;
    const renderer = recording();
    const sample = async () => {
      n++;
      if (n === 2) throw new Error('deadline exceeded\nstack');
      return frame(`tick ${n}`);
    };
    await watch({ sample, run: later(60, 0), final: async () => frame('final') }, { renderer, intervalMs: 10 });
    expect(renderer.drawn.slice(0, 3)).toEqual([
      'tick 1',
      'tick 1|progress query failed: deadline exceeded (retrying)',
      'tick 3',
    ]);
  });

  it('rethrows the run failure after finishing the renderer, the last frame kept', async () => {
    const renderer = recording();
    const run = later(30, null).then(() => {
      throw new Error('workflow failed');
    });
    await expect(
      watch({ sample: async () => frame('tick'), run, final: async () => frame('final') }, { renderer, intervalMs: 5 }),
    ).rejects.toThrow('workflow failed');
    expect(renderer.drawn.at(-1)).toBe('tick');
    expect(renderer.doneCalls).toBe(1);
  });

  it('stops watching on the signal, even with a query hanging, and leaves the run alone', async () => {
    const renderer = recording();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const hanging = new Promise<Frame>(() => undefined);
    const end = await watch(
      { sample: () => hanging, run: new Promise(() => undefined), final: async () => frame('final') },
      { renderer, intervalMs: 5, signal: controller.signal },
    );
    expect(end).toEqual({ kind: 'interrupted' });
    expect(renderer.doneCalls).toBe(1);
  });
});

describe('interruptOnSigint', () => {
  it('stays a listener while SIGINT is delivered, so an exit hook finding itself alone does not kill the process', () => {
    // signal-exit (log-update's cursor restore) re-raises SIGINT when it is the only listener left.
    let listenersSeen = 0;
    const exitHook = () => (listenersSeen = process.listeners('SIGINT').length);
    const { signal, dispose } = interruptOnSigint();
    process.on('SIGINT', exitHook);
    try {
      process.emit('SIGINT', 'SIGINT');
      expect(signal.aborted).toBe(true);
      expect(listenersSeen).toBeGreaterThanOrEqual(2);
    } finally {
      dispose();
      process.off('SIGINT', exitHook);
    }
    expect(process.listeners('SIGINT')).not.toContain(exitHook);
  });
});

describe('terminalRenderer', () => {
  // log-update hides and shows the cursor on stderr (cli-cursor's default), whatever stream it draws on.
  function capturingStderr(): { text: () => string; restore: () => void } {
    let written = '';
    const wasTTY = process.stderr.isTTY;
    process.stderr.isTTY = true;
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += chunk.toString();
      return true;
    });
    return {
      text: () => written,
      restore: () => {
        spy.mockRestore();
        process.stderr.isTTY = wasTTY;
      },
    };
  }

  it('draws through log-update, in place, and shows the cursor again when done', () => {
    let out = '';
    const stream = Object.assign(
      new Writable({
        write: (chunk: Buffer, _enc, next) => {
          out += chunk.toString();
          next();
        },
      }),
      { isTTY: true, columns: 100, rows: 30 },
    ) as unknown as NodeJS.WriteStream;
    const stderr = capturingStderr();
    try {
      const r = terminalRenderer(stream);
      r.draw(frame('phase     precopy'));
      r.draw(frame('phase     downtime'));
      r.done();
      r.done();
      r.draw(frame('after done: not drawn'));
    } finally {
      stderr.restore();
    }
    expect(out).toContain('phase     downtime');
    expect(out).toContain('\u001B['); // redrawn in place, not appended
    expect(out).not.toContain('after done');
    expect(stderr.text().indexOf('\u001B[?25l')).toBeGreaterThanOrEqual(0);
    expect(stderr.text().lastIndexOf('\u001B[?25h')).toBeGreaterThan(stderr.text().lastIndexOf('\u001B[?25l'));
  });
});

const T0 = 1_700_000_000_000;
const caps = { perSource: 2, perDestination: 2, pool: 5 };
const child: Progress = {
  phase: 'precopy',
  plan: 'early-attach',
  atomsDone: 4,
  atomsTotal: 12,
  abortRequested: null,
  outcome: null,
  vbds: [],
  timeline: [],
  memory: { totalMiB: 300, copiedMiB: 0 },
  downtimeMs: null,
};
const running: EvacuationProgress = {
  host: 'host-a',
  phase: 'migrating',
  caps,
  abortRequested: null,
  total: 1,
  pending: [],
  running: [{ vm: 'vm-1', to: 'host-b', workflowId: 'migrate-1', startedAt: T0 }],
  finished: [],
  runs: 1,
};
const result: EvacuationResult = {
  workflowId: 'evacuate-host-a',
  host: 'host-a',
  outcome: 'evacuated',
  caps,
  runs: 1,
  startedAt: T0,
  endedAt: T0 + 4_000,
  vms: [
    {
      vm: 'vm-1',
      to: 'host-b',
      plan: 'early-attach',
      outcome: 'migrated',
      workflowId: 'migrate-1',
      earlyAttached: [],
      disks: 1,
      downtimeMs: 80,
      startedAt: T0,
      endedAt: T0 + 3_000,
    },
  ],
};

describe('watchEvacuation', () => {
  it('queries the evacuation and each running child, then draws the result', async () => {
    const run = later(80, result);
    let closed = false;
    void run.then(() => (closed = true));
    const handle = {
      workflowId: 'evacuate-host-a',
      describe: async () => ({ startTime: new Date(T0) }),
      // Closed, the evacuation answers nothing: the last frame comes from the result.
      query: async () => {
        if (closed) throw new Error('workflow closed');
        return running;
      },
      result: () => run,
    } as unknown as WorkflowHandle;
    const queried: string[] = [];
    const client = {
      workflow: {
        getHandle: (id: string) => ({ query: async () => (queried.push(id), child) }),
      },
    } as unknown as Client;
    const out: string[] = [];
    const end = await watchEvacuation(client, handle, { renderer: plainRenderer((l) => out.push(l)), intervalMs: 10 });
    expect(end).toEqual({ kind: 'finished', result });
    expect(queried).toContain('migrate-1');
    expect(out[0]).toMatch(/evacuate host-a {2}migrating {2}done 0\/1 {2}running 1 {2}pending 0$/);
    expect(out[1]).toMatch(/vm-1 → host-b {2}precopy {4}atoms 4\/12 {2}memory 0\/300 MiB$/);
    expect(out.slice(-2)).toEqual([
      '   4.0 s  evacuate host-a  done       done 1/1  running 0  pending 0',
      '   4.0 s  vm-1 → host-b  migrated  downtime 80 ms',
    ]);
  });
});

describe('ChildProgress', () => {
  it('does not wait for a migration that answers late: its row keeps its last answer, the others are fresh', async () => {
    let release: (p: Progress) => void = () => undefined;
    const asked: string[] = [];
    const client = {
      workflow: {
        getHandle: (id: string) => ({
          query: () => {
            asked.push(id);
            // migrate-2 waits for its slot: it answers only when released.
            return id === 'migrate-2' ? new Promise<Progress>((r) => (release = r)) : Promise.resolve(child);
          },
        }),
      },
    } as unknown as Client;
    const children = new ChildProgress(client, 20);
    const first = await children.sample(['migrate-1', 'migrate-2']);
    expect(first).toEqual(
      new Map([
        ['migrate-1', child],
        ['migrate-2', null],
      ]),
    );
    const second = await children.sample(['migrate-1', 'migrate-2']);
    expect(second.get('migrate-2')).toBeNull();
    // One query in flight per migration: the late one was not asked again meanwhile.
    expect(asked.filter((id) => id === 'migrate-2')).toHaveLength(1);
    release({ ...child, phase: 'prepare', waitingForSlot: true });
    const third = await children.sample(['migrate-1', 'migrate-2']);
    expect(third.get('migrate-2')).toMatchObject({ waitingForSlot: true });
    expect(asked.filter((id) => id === 'migrate-1')).toHaveLength(3);
  });
});
