// `liveshift report` against a running stack: two real migrations of one VM (early attach out,
// legacy back; one workflow id, two runs) drawn on one page, bad ids refused in one line, and the
// page as Chromium shows it (.liveshift/screenshots/report.png).
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORCHESTRATOR_TASK_QUEUE } from '../../domain/ids';
import type { MigrationResult } from '../../domain/request';
import { sharedScale } from '../../report/layout';
import type { Stack } from '../../workers/stack';
import { LIVE_MIGRATE_WORKFLOW } from '../../workflows/definitions';
import { launchBrowser } from '../helpers/browser';
import { liveshift } from '../helpers/cli';
import { e2ePool } from '../helpers/pools';
import { cliEnv, stackFor } from '../helpers/server';

interface Run {
  id: string;
  result: MigrationResult;
}

describe('liveshift report', () => {
  let stack: Stack;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let early: Run;
  let legacy: Run;

  const migrate = async (to: string, plan: 'early-attach' | 'legacy'): Promise<Run> => {
    const handle = await stack.start({ vm: 'vm-1', to, plan });
    // Described while it runs: one migration per VM at a time, so the latest run is this one.
    const { runId } = await handle.describe();
    return { id: `${handle.workflowId}@${runId}`, result: await handle.result() };
  };
  const report = () => join(dir, 'report.html');

  beforeAll(async () => {
    // A slow SMAPIv3 attach (250 ms at this time scale) keeps legacy's window clearly the wider one.
    stack = await stackFor(e2ePool('report', { timeScale: 0.1, latencyMs: { 'zfs-vol': { attach: 2500 } } }));
    env = cliEnv(stack);
    dir = mkdtempSync(join(tmpdir(), 'liveshift-report-'));
    early = await migrate('host-b', 'early-attach');
    legacy = await migrate('host-a', 'legacy');
  });
  afterAll(() => stack.stop());

  it('draws both runs of the one workflow id on one page', async () => {
    expect([early.result.outcome, legacy.result.outcome]).toEqual(['migrated', 'migrated']);
    expect(early.result.workflowId).toBe(legacy.result.workflowId);
    const run = await liveshift(['report', early.id, legacy.id, '--out', report()], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(`report: ${report()}`);
    const html = readFileSync(report(), 'utf8');
    expect([...html.matchAll(/<g class="migration"[^>]* data-plan="([\w-]+)"/g)].map((m) => m[1])).toEqual([
      'early-attach',
      'legacy',
    ]);
    expect(html.match(/<g class="bar[ "]/g)).toHaveLength(early.result.atoms.length + legacy.result.atoms.length);
    expect([...html.matchAll(/<g class="bar early"[^>]* data-device="(\w+)"/g)].map((m) => m[1]).sort()).toEqual(
      early.result.earlyAttached.slice().sort(),
    );
    expect(html).toContain(`vm-1: host-a → host-b · early-attach · migrated · downtime `);
  });

  it('reads the latest run for a bare workflow id', async () => {
    const out = join(dir, 'latest.html');
    const run = await liveshift(['report', early.result.workflowId, '--out', out], env);
    expect(run.code).toBe(0);
    expect(readFileSync(out, 'utf8').match(/data-plan="([\w-]+)"/g)).toEqual(['data-plan="legacy"']);
  });

  it('refuses an unknown id, an unknown run and a workflow that is not a completed migration: one line, exit 2, no file', async () => {
    const failed = await stack.client.workflow.start(LIVE_MIGRATE_WORKFLOW, {
      taskQueue: ORCHESTRATOR_TASK_QUEUE,
      workflowId: 'report-not-a-migration-request',
      args: [{}],
    });
    await expect(failed.result()).rejects.toThrow();
    const unknownRun = `${early.result.workflowId}@00000000-0000-4000-8000-000000000000`;
    for (const [id, message] of [
      ['migrate-no-such-vm', /^liveshift: no migration migrate-no-such-vm$/],
      [unknownRun, new RegExp(`^liveshift: no migration ${unknownRun}$`)],
      [failed.workflowId, /^liveshift: migration report-not-a-migration-request is FAILED, not COMPLETED: /],
    ] as const) {
      const out = join(dir, 'refused.html');
      const run = await liveshift(['report', early.id, id, '--out', out], env);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr.trim()).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('shows the timeline in Chromium: bars visible, both downtime windows drawn, a screenshot saved', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(pathToFileURL(report()).href);
      const windows = page.locator('rect.downtime');
      expect(await windows.count()).toBe(2);
      const [earlyBox, legacyBox] = [await windows.nth(0).boundingBox(), await windows.nth(1).boundingBox()];
      // Each window as wide as its measured downtime on the one shared scale (the SVG is drawn 1:1;
      // Chromium's box includes the 1 px outline).
      const scale = sharedScale([early.result, legacy.result]);
      for (const [box, r] of [
        [earlyBox, early.result],
        [legacyBox, legacy.result],
      ] as const) {
        expect(box!.width).toBeGreaterThan(0);
        expect(Math.abs(box!.width - (scale.x(r.downtimeMs) - scale.x(0)))).toBeLessThanOrEqual(1.5);
      }
      expect(legacyBox!.width).toBeGreaterThan(earlyBox!.width); // legacy attaches inside its window
      const bars = page.locator('g.bar rect');
      expect(await bars.count()).toBe(early.result.atoms.length + legacy.result.atoms.length);
      for (const i of [0, 5, 10]) expect(await bars.nth(i).isVisible()).toBe(true);
      const shot = await browser.screenshot(page, 'report');
      expect(shot).toMatch(/\.liveshift\/screenshots\/report\.png$/);
      expect(statSync(shot).size).toBeGreaterThan(0);
    } finally {
      await browser.close();
    }
  });
});
