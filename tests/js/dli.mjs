// The live django-large-image 0.10.5 (tests/oracle/dli_server.py, in the virtualenv scripts/setup makes)
// on 127.0.0.1 over a folder of fixtures, for the JS tests (tests/common/dli.rs is the Rust twin); GDAL's
// fixtures by name; and the key-by-key JSON comparison used against it.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { REPO, run } from './helpers.mjs';

/** The oracle's Python (null when scripts/setup has not made its virtualenv). */
export function dliPython() {
  const py = execFileSync('bash', ['-c', `source ${REPO}/scripts/env.sh && echo $LIW_DLI_PYTHON`], { encoding: 'utf8' }).trim();
  return fs.existsSync(py) ? py : null;
}

/** A free port on 127.0.0.1. */
async function freePort() {
  const net = await import('node:net');
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/**
 * Starts django-large-image over `root` and waits (at most 90 s) until it answers. It exits when its
 * stdin closes: `stop()`, or this process ending.
 * @returns {Promise<{ base: string, get: (path: string) => Promise<Answer>, stop: () => Promise<void> }>}
 */
export async function startDli(root) {
  const python = dliPython();
  if (!python) throw new Error("django-large-image's virtualenv is missing: run `bash scripts/setup` (tests/oracle/requirements-dli.txt)");
  const port = await freePort();
  const child = spawn(python, [path.join(REPO, 'tests', 'oracle', 'dli_server.py'), 'runserver', `127.0.0.1:${port}`, '--noreload'], {
    env: { ...process.env, DLI_ROOT: root },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const base = `http://127.0.0.1:${port}`;
  const get = async (p) => answerOf(await fetch(`${base}${p}`, { signal: AbortSignal.timeout(60_000) }));
  const stop = async () => {
    child.stdin.end();
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode != null) throw new Error(`django-large-image exited (${child.exitCode}): ${stderr}`);
    try {
      const a = await get('/api/large-image/sources');
      if (a.status !== 200) throw new Error(`django-large-image answered ${a.status}: ${a.text()}`);
      return { base, get, stop };
    } catch (e) {
      if (Date.now() - t0 > 90_000) {
        await stop();
        throw new Error(`django-large-image did not start in 90 s (${e.message}): ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * @typedef {{ status: number, type: string, headers: Headers, body: Uint8Array, text: () => string, json: () => any }} Answer
 */

/** A `Response` read whole. */
export async function answerOf(res) {
  const body = new Uint8Array(await res.arrayBuffer());
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    headers: res.headers,
    body,
    text: () => new TextDecoder().decode(body),
    json: () => JSON.parse(new TextDecoder().decode(body)),
  };
}

/** GDAL's fixtures of tests/gdal_oracle.py's matrix, only those named, made in `dir`: their manifest. */
export async function makeFixtures(dir, names) {
  return JSON.parse(await run('/usr/bin/python3', [path.join(REPO, 'tests', 'gdal_oracle.py'), 'fixtures', dir, ...names], { timeout: 300_000 }));
}

/**
 * Every key django-large-image's answer has must be in ours with an equal value (numbers to `rel`
 * relative error); keys only we give are allowed. Returns the paths that differ.
 */
export function diffJson(ours, theirs, rel = 1e-9, at = '', out = []) {
  if (theirs !== null && typeof theirs === 'object' && !Array.isArray(theirs)) {
    if (ours === null || typeof ours !== 'object' || Array.isArray(ours)) {
      out.push(`${at}: ${JSON.stringify(ours)} vs theirs ${JSON.stringify(theirs)}`);
      return out;
    }
    for (const [k, v] of Object.entries(theirs)) {
      if (!(k in ours)) out.push(`${at}.${k}: missing (theirs ${JSON.stringify(v)})`);
      else diffJson(ours[k], v, rel, `${at}.${k}`, out);
    }
  } else if (Array.isArray(theirs) && Array.isArray(ours) && theirs.length === ours.length) {
    theirs.forEach((v, i) => diffJson(ours[i], v, rel, `${at}[${i}]`, out));
  } else if (typeof theirs === 'number' && typeof ours === 'number') {
    if (ours !== theirs && Math.abs(ours - theirs) > rel * Math.max(Math.abs(theirs), 1e-300)) out.push(`${at}: ${ours} vs theirs ${theirs}`);
  } else if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
    out.push(`${at}: ${JSON.stringify(ours)} vs theirs ${JSON.stringify(theirs)}`);
  }
  return out;
}
