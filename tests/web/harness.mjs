// The real `lightwell serve` and the test client for the browser tests: a private temporary
// directory (config, state, HOME), a free base port below the ephemeral range (as
// tests/support/lightwell_process.cpp picks it: every derived port free, TCP and UDP),
// readiness by polling GET /api/auth on the web port, `lightwell admin set-password` over
// stdin, and web_test_client runs whose stdout lines the tests wait for.
// Only processes started here are ever signalled (by pid).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, openSync, closeSync, rmSync, existsSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const kBin = process.env.LIGHTWELL_BIN || '';
export const kClient = process.env.LIGHTWELL_WEB_CLIENT || '';
export const kArtifacts = process.env.LIGHTWELL_WEB_ARTIFACTS || path.resolve('artifacts');

function tcpFree(port) {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '0.0.0.0', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

function udpFree(port) {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => { s.close(); resolve(false); });
    s.bind({ port, address: '0.0.0.0', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

// protocol README "Ports": P-5 .. P+21 (docs/configuration.md); web UI on P+1.
export async function pickBasePort() {
  let lo = 32768;
  let hi = 60999;
  try {
    [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  } catch { /* defaults */ }
  const below = lo - 21 > 10000;
  const from = below ? 10000 : hi + 6;
  const to = below ? lo - 22 : 65535 - 21;
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const p = from + Math.floor(Math.random() * (to - from + 1));
    const ok = (await tcpFree(p - 5)) && (await tcpFree(p)) && (await tcpFree(p + 1)) && (await tcpFree(p + 21)) &&
      (await udpFree(p + 9)) && (await udpFree(p + 10)) && (await udpFree(p + 11)) && (await udpFree(p + 21));
    if (ok) return p;
  }
  throw new Error('no free base port found');
}

// One HTTPS request to the server (self-signed certificate accepted): { status, headers, body }.
export function httpsRequest(port, pathname, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: pathname, method, headers, rejectUnauthorized: false, timeout: 10_000 },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function run(file, args, { input, env, timeoutMs = 20_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, output }); });
    child.stdin.end(input ?? '');
  });
}

export class Lightwell {
  constructor({ name = 'Browser Test Host', extraConfig = '' } = {}) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'lightwell-web-'));
    this.name = name;
    this.extraConfig = extraConfig;
    this.child = null;
    this.logFile = path.join(this.dir, 'serve.log');
    for (const d of ['home', 'config', 'xdg-state']) mkdirSync(path.join(this.dir, d));
  }

  get configFile() { return path.join(this.dir, 'lightwell.toml'); }
  get stateDir() { return path.join(this.dir, 'state'); }
  get webPort() { return this.base + 1; }
  get webUrl() { return `https://127.0.0.1:${this.webPort}`; }
  get env() {
    return { HOME: path.join(this.dir, 'home'), XDG_CONFIG_HOME: path.join(this.dir, 'config'),
      XDG_STATE_HOME: path.join(this.dir, 'xdg-state'), PATH: '/usr/bin:/bin' };
  }

  writeConfig() {
    writeFileSync(this.configFile, `[server]\nname = "${this.name}"\nbase_port = ${this.base}\nlog_level = "debug"\n` +
      '[network]\nbind_addresses = ["127.0.0.1"]\nweb_ui = true\n' +
      `[audio]\nsource = "test-tone"\n${this.extraConfig}`);
  }

  log() {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  // Starts serve and waits for GET /api/auth; a port taken meanwhile moves to new ports.
  async start() {
    for (let attempt = 1; ; attempt += 1) {
      this.base = await pickBasePort();
      this.writeConfig();
      const before = this.log().length;
      try {
        await this.startOnce();
        return;
      } catch (err) {
        const taken = this.log().slice(before).includes('Address already in use');
        await this.stop();
        if (!taken || attempt === 4) throw err;
      }
    }
  }

  async startOnce() {
    const fd = openSync(this.logFile, 'a');
    writeFileSync(fd, `=== lightwell serve, base port ${this.base} ===\n`);
    this.child = spawn(kBin, ['serve', '--config', this.configFile, '--state-dir', this.stateDir],
      { env: this.env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    let exited = false;
    this.child.once('exit', () => { exited = true; });
    const deadline = Date.now() + 30_000;
    let last = '';
    while (Date.now() < deadline) {
      if (exited) throw new Error(`lightwell serve exited during start-up:\n${this.log()}`);
      try {
        const r = await httpsRequest(this.webPort, '/api/auth');
        if (r.status === 200) return;
        last = `${r.status} ${r.body}`;
      } catch (err) {
        last = err.message;
      }
      await sleep(100);
    }
    throw new Error(`web UI did not answer /api/auth within 30 s (last: ${last})\n${this.log()}`);
  }

  async stop() {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await done;
    clearTimeout(timer);
  }

  async cleanup() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  // `lightwell <args> --config … --state-dir …`
  cli(args, input) {
    return run(kBin, [...args, '--config', this.configFile, '--state-dir', this.stateDir], { input, env: this.env });
  }

  // Password on stdin (not a terminal: read once, WEB-API.md "CLI").
  async setPassword(password) {
    const r = await this.cli(['admin', 'set-password'], `${password}\n`);
    if (r.code !== 0) throw new Error(`lightwell admin set-password failed (exit ${r.code}):\n${r.output}`);
    return r;
  }

  // A web_test_client run as the device with identity in <dir>/<device>.
  client(device, args) {
    return new TestClient(kClient, ['--host', '127.0.0.1', '--http-port', String(this.base), '--https-port', String(this.base - 5),
      '--rtsp-port', String(this.base + 21), '--identity', path.join(this.dir, `device-${device}`), ...args]);
  }
}

// A running web_test_client: stdout lines as they come, waitFor(regex), exit code.
export class TestClient {
  constructor(file, args) {
    this.lines = [];
    this.stderr = '';
    this.waiters = [];
    this.child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    this.child.stdout.on('data', (d) => {
      partial += d;
      const parts = partial.split('\n');
      partial = parts.pop();
      for (const line of parts) this.onLine(line);
    });
    this.child.stderr.on('data', (d) => { this.stderr += d; });
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  onLine(line) {
    this.lines.push(line);
    for (const w of [...this.waiters]) {
      if (w.regex.test(line)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  }

  describe() {
    return `client stdout:\n${this.lines.join('\n')}\nclient stderr:\n${this.stderr}`;
  }

  // The first line (past or future) matching regex; rejects after timeoutMs or at exit.
  waitFor(regex, timeoutMs = 30_000) {
    const seen = this.lines.find((l) => regex.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { regex, resolve: (line) => { clearTimeout(timer); resolve(line); } };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`no line matching ${regex} within ${timeoutMs} ms\n${this.describe()}`));
      }, timeoutMs);
      this.waiters.push(w);
      this.exited.then(() => setTimeout(() => {
        if (this.waiters.includes(w)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          clearTimeout(timer);
          reject(new Error(`client exited without a line matching ${regex}\n${this.describe()}`));
        }
      }, 50));
    });
  }

  async exitCode(timeoutMs = 60_000) {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  kill() {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
