// QmpClient against a scripted monitor: the framing and ordering cases real QEMU rarely shows on
// demand (a line split across chunks, an event written before the reply that caused it).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QmpClient, QmpClosedError, QmpTimeoutError } from '../../qemu/qmp';

let dir: string;
let server: Server;
const path = () => join(dir, 'qmp.sock');

/** Answers like QEMU, but splits every message in two writes; `stop` emits STOP before its reply. */
function fakeMonitor(): Server {
  return createServer((conn) => {
    conn.on('error', () => undefined); // the client may hang up with halves still queued
    // Messages are queued so the halves of one never interleave with another's.
    let queue = Promise.resolve();
    const send = (msg: object) => {
      const text = JSON.stringify(msg) + '\r\n';
      queue = queue.then(async () => {
        conn.write(text.slice(0, 7));
        await new Promise((r) => setTimeout(r, 5));
        if (!conn.destroyed) conn.write(text.slice(7));
      });
    };
    send({ QMP: { version: {}, capabilities: ['oob'] } });
    conn.on('data', (buf: Buffer) => {
      for (const line of buf.toString().split('\n').filter(Boolean)) {
        const { execute, id } = JSON.parse(line) as { execute: string; id: string };
        if (execute === 'hang') continue;
        if (execute === 'stop') send({ event: 'STOP', data: {}, timestamp: { seconds: 2, microseconds: 500 } });
        if (execute === 'bad') send({ error: { class: 'CommandNotFound', desc: 'nope' }, id });
        else send({ return: { echo: execute }, id });
      }
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync('/tmp/lsq-');
  server = fakeMonitor();
  await new Promise<void>((r) => server.listen(path(), r));
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('QmpClient', () => {
  it('reassembles split lines, matches replies by id, and delivers an event sent before the reply', async () => {
    const qmp = await QmpClient.connect(path(), 2_000);
    const stopped = qmp.waitEvent('STOP');
    const [a, b] = await Promise.all([qmp.execute('stop'), qmp.execute('other')]);
    expect([a, b]).toEqual([{ echo: 'stop' }, { echo: 'other' }]);
    expect((await stopped).timestampMs).toBe(2000.5);
    expect(qmp.events.map((e) => e.event)).toEqual(['STOP']);
    await expect(qmp.execute('bad')).rejects.toMatchObject({ name: 'QmpError', qmpClass: 'CommandNotFound' });
    await qmp.close();
  });

  it('times out a call with no reply, and rejects pending work when the socket closes', async () => {
    const qmp = await QmpClient.connect(path(), 2_000);
    await expect(qmp.execute('hang', undefined, 50)).rejects.toBeInstanceOf(QmpTimeoutError);
    const pending = qmp.execute('hang');
    const never = qmp.waitEvent('RESUME');
    await qmp.close();
    await expect(pending).rejects.toBeInstanceOf(QmpClosedError);
    await expect(never).rejects.toBeInstanceOf(QmpClosedError);
    await expect(qmp.execute('stop')).rejects.toBeInstanceOf(QmpClosedError);
  });

  it('retries until the socket appears, within its bound', async () => {
    await expect(QmpClient.connect(join(dir, 'absent.sock'), 200)).rejects.toBeInstanceOf(QmpTimeoutError);
  });
});
