// --enable-backlog-metric reads the accept queue of LISTEN sockets from /proc/net/tcp{,6}.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { backlogOf, tcpPorts } from '../../src/effects/backlog';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
// Port 8000 = 0x1F40, 9000 = 0x2328. 0A = LISTEN, 01 = ESTABLISHED.
const TCP4 = `${HEADER}   0: 0100007F:1F40 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0100007F:1F40 0100007F:D431 01 00000000:00000007 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1
   2: 00000000:2328 00000000:0000 0A 00000000:00000010 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0
`;
const TCP6 = `${HEADER}   0: 00000000000000000000000001000000:1F40 00000000000000000000000000000000:0000 0A 00000000:00000002 00:00000000 00000000     0        0 4 1 0 100 0 0 10 0
`;

test('sums the rx_queue of LISTEN sockets on our ports, IPv4 and IPv6; other states and ports are left out', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-backlog-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'tcp'), TCP4);
  writeFileSync(join(dir, 'tcp6'), TCP6);
  const tables = [join(dir, 'tcp'), join(dir, 'tcp6')];
  assert.equal(backlogOf([8000], tables), 5);
  assert.equal(backlogOf([9000], tables), 16);
  assert.equal(backlogOf([8000, 9000], tables), 21);
  assert.equal(backlogOf([7000], tables), 0);
  assert.equal(backlogOf([8000], [join(dir, 'missing')]), undefined, 'no table: not Linux');
});

test('tcpPorts takes the ports of TCP listeners from their labels; unix sockets have none', () => {
  assert.deepEqual(tcpPorts(['http://127.0.0.1:8000', 'http://[::1]:9000', 'unix:/run/app.sock']), [8000, 9000]);
});

test('on this machine: connections nobody accepts show up as the backlog of a real listener', async (t) => {
  // A listener that never accepts (Python: bind, listen, sleep), stopped by its pid.
  const listener = spawn('python3', [
    '-c',
    "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(16)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)",
  ]);
  t.after(() => listener.kill('SIGKILL'));
  const port = await new Promise<number>((resolve) =>
    listener.stdout.once('data', (b: Buffer) => resolve(Number(String(b).trim()))),
  );
  assert.equal(backlogOf([port]), 0);
  const clients = await Promise.all(
    [1, 2, 3].map(
      () =>
        new Promise<net.Socket>((resolve) => {
          const c = net.connect(port, '127.0.0.1', () => resolve(c));
        }),
    ),
  );
  t.after(() => {
    for (const c of clients) c.destroy();
  });
  assert.equal(backlogOf([port]), 3);
});
