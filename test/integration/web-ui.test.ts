// The Temporal Web UI as an operator reads it, in headless Chromium: a migration found by its VmName
// search attribute, its result, its activities named by their summaries (`VBD_attach xvda @host-b`),
// its search attributes, and the evacuation schedule with its next runs. The shared test server is
// headless, so this file starts its own dev server with the UI (pages in .liveshift/screenshots/web-ui-*.png).
import { statSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDevServer, type DevServer } from '../../cli/temporal-server';
import { scheduleEvacuation } from '../../client/schedules';
import { migrationWorkflowId, vmUuid } from '../../domain/ids';
import type { PoolInput } from '../../domain/pool';
import type { MigrationResult } from '../../domain/request';
import { scratchState, startStack, type Stack } from '../../workers/stack';
import { launchBrowser, type TestBrowser } from '../helpers/browser';
import { e2ePool } from '../helpers/pools';

const UI_TIMEOUT = 30_000; // the UI's first page loads its whole app; later ones are quick
const QUERY = "VmName = 'vm-1'";

/** vm-1 as in every e2e pool, and vm-2 (one disk) whose migration the VmName filter must leave out. */
function pool(): PoolInput {
  const base = e2ePool('webui', { timeScale: 0.1 });
  const vm1 = base.vms![0]!;
  return { ...base, vms: [vm1, { ...vm1, name: 'vm-2', vbds: [vm1.vbds![0]!] }] };
}

/** Until the server's visibility store answers `query` with `count` workflows, as the UI's list asks it. */
async function untilListed(client: Client, query: string, count: number): Promise<void> {
  const end = Date.now() + 10_000;
  while ((await client.workflow.count(query)).count < count) {
    if (Date.now() > end) throw new Error(`visibility never listed ${count} for ${query}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Text shown on the page, once the UI has loaded it. */
async function shown(page: Page, text: string | RegExp, exact = true): Promise<void> {
  await page.getByText(text, { exact }).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
}

describe('the Temporal Web UI', () => {
  let server: DevServer;
  let stack: Stack;
  let browser: TestBrowser;
  let page: Page;
  let result: MigrationResult;
  let other: MigrationResult;
  let runId: string;
  const shots: string[] = [];
  const workflowId = migrationWorkflowId(vmUuid('webui', 'vm-1'));
  const ui = (path: string) => `${server.uiUrl}/namespaces/default${path}`;
  const screenshot = async (name: string, fullPage = true) =>
    void shots.push(await browser.screenshot(page, name, fullPage));

  beforeAll(async () => {
    server = await startDevServer({ ui: true, log: (l) => console.error(l) });
    stack = await startStack({
      address: server.address,
      stateFile: scratchState(pool()),
      workflowBundlePath: inject('workflowBundlePath'),
    });
    [result, other] = await Promise.all([
      stack.migrate({ vm: 'vm-1', to: 'host-b' }),
      stack.migrate({ vm: 'vm-2', to: 'host-b' }),
    ]);
    // Weekly, so it never fires while the test runs.
    await scheduleEvacuation(stack.client, stack.sim.snapshot(), { host: 'host-a' }, { cron: '0 3 * * 0' });
    runId = (await stack.client.workflow.getHandle(workflowId).describe()).runId;
    await untilListed(stack.client, `${QUERY} AND ExecutionStatus = 'Completed'`, 1);
    await untilListed(stack.client, "VmName = 'vm-2' AND ExecutionStatus = 'Completed'", 1);
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await server?.stop();
  });

  it('lists the migration, and only it, filtered by VmName in the URL; its row opens it', async () => {
    expect([result.outcome, other.outcome]).toEqual(['migrated', 'migrated']);
    await page.goto(ui(`/workflows?query=${encodeURIComponent(QUERY)}`));
    const row = page.getByRole('link', { name: workflowId, exact: true });
    await row.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    expect(await page.getByTestId('workflows-summary-configurable-table-row').count()).toBe(1);
    expect(await page.getByText(other.workflowId).count()).toBe(0);
    await shown(page, 'liveMigrateVm');
    await screenshot('web-ui-list');
    await row.click();
    await page.waitForURL(`**/workflows/${workflowId}/${runId}/history`, { timeout: UI_TIMEOUT });
  });

  it('shows the result and every activity by its summary', async () => {
    await page.goto(ui(`/workflows/${workflowId}/${runId}/history`));
    // Event History rows show each activity's summary on its own (the timeline prefixes its type).
    await shown(page, 'VBD_attach xvda @host-b');
    // The pool's early-attach plan: xvda and xvdb (SMAPIv3) attach before the downtime,
    // xvdc (SMAPIv1) inside the direct-dispatched switchover, named in its summary.
    expect(result.earlyAttached.slice().sort()).toEqual(['xvda', 'xvdb']);
    for (const summary of ['VBD_attach xvdb @host-b', 'VM_create @host-b', 'VM_precopy @host-a', 'VM_destroy @host-a'])
      await shown(page, summary);
    await shown(
      page,
      /^downtime: \d+ atoms direct to host-a \+ host-b — VM_suspend @host-a, .*VBD_attach xvdc @host-b/,
    );
    // CodeMirror draws only the lines in view; the result's first lines are.
    const io = await page.getByTestId('input-and-result').innerText();
    expect(io).toContain('"outcome": "migrated"');
    expect(io).toContain(`"downtimeMs": ${result.downtimeMs}`);
    expect(io).toContain('"plan": "early-attach"');
    await screenshot('web-ui-migration');
    // The page scrolls inside the app, so a full-page shot stops at the timeline: the rows, in view.
    await page.getByText('VBD_attach xvda @host-b', { exact: true }).first().scrollIntoViewIfNeeded();
    await screenshot('web-ui-activities', false);
  });

  it('shows its search attributes, a tab of the migration', async () => {
    await page.goto(ui(`/workflows/${workflowId}/${runId}/history`));
    await page.getByTestId('search-attributes-tab').click();
    await page.waitForURL(`**/${runId}/search-attributes`, { timeout: UI_TIMEOUT });
    // The History tab's editors stay in the page, hidden, after the tab changes: pick this one by its content.
    const json = page.locator('.cm-content[data-language="json"]', { hasText: '"indexedFields"' });
    await json.getByText('"VmName"').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    const { indexedFields } = JSON.parse(await json.innerText()) as { indexedFields: Record<string, unknown> };
    expect(indexedFields).toMatchObject({
      VmName: 'vm-1',
      VmUuid: vmUuid('webui', 'vm-1'),
      SourceHost: 'host-a',
      DestinationHost: 'host-b',
      MigrationPlan: 'early-attach',
      MigrationPhase: 'done',
      DowntimeMs: Math.round(result.downtimeMs),
    });
    await screenshot('web-ui-search-attributes');
  });

  it('lists the evacuation schedule, and shows its input and its next runs: Sundays 03:00 UTC', async () => {
    await page.goto(ui('/schedules'));
    const link = page.getByRole('link', { name: 'evacuate-host-a', exact: true });
    await link.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await shown(page, 'evacuateHost');
    await screenshot('web-ui-schedules');
    await link.click();
    await page.waitForURL('**/schedules/evacuate-host-a', { timeout: UI_TIMEOUT });
    await shown(page, 'Upcoming Runs');
    await shown(page, /^\d{4}-\d\d-\d\d UTC 03:00:00\.00$/);
    const upcoming = await page.getByText(/^\d{4}-\d\d-\d\d UTC 03:00:00\.00$/).allInnerTexts();
    expect(upcoming.length).toBeGreaterThanOrEqual(2);
    for (const run of upcoming) expect(new Date(`${run.slice(0, 10)}T03:00:00Z`).getUTCDay()).toBe(0);
    await shown(page, '"host": "host-a"', false); // the schedule's input: the evacuation request
    await shown(page, 'evacuateHost');
    await screenshot('web-ui-schedule');
  });

  it('saved every screenshot', () => {
    const names = ['list', 'migration', 'activities', 'search-attributes', 'schedules', 'schedule'];
    expect(shots.map((f) => f.replace(/^.*\//, ''))).toEqual(names.map((n) => `web-ui-${n}.png`));
    for (const file of shots) expect(statSync(file).size).toBeGreaterThan(0);
  });
});
