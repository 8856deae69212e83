// The language server composes a document with its workspace, as `gilcheck check` composes a
// run: a package whose main.py starts a thread on jobs.work, which mutates state.counter.  The
// race shows in jobs.py only once the workspace is summarized, with relatedInformation in
// main.py, and equals what `gilcheck check` prints for jobs.py on the same tree (with the
// folder's [tool.gilcheck], whose thread-entry-points is a setting of the whole composition);
// its hover shows the other side and the interleaving (made when hovered);
// an edit of main.py that removes the thread start republishes jobs.py empty; files created and
// deleted on disk (workspace/didChangeWatchedFiles) and closing a document update it; a document
// outside the folder joins the folder nearest to it; work-done progress (create, begin, end)
// only for a client that advertises window.workDoneProgress; no identical list sent twice.
// usage: node workspace.js GILCHECK    (exit 77 when node_modules is missing)
'use strict';

let proto;
try {
  proto = require('vscode-languageserver-protocol/node');
} catch (e) {
  console.log('skipped: run `npm ci` in tests/lsp (tools/deps.sh does)');
  process.exit(77);
}
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const gilcheck = process.argv[2] && path.resolve(process.argv[2]);
if (!gilcheck) {
  console.error('usage: node workspace.js GILCHECK');
  process.exit(2);
}
const TIMEOUT = 30000;
let passed = 0, failed = 0;
function check(cond, what, detail) {
  if (cond) { passed++; console.log(`ok - ${what}`); }
  else { failed++; console.log(`not ok - ${what}${detail !== undefined ? ': ' + JSON.stringify(detail) : ''}`); }
}

const MAIN = [
  'import threading',
  '',
  'from pkg import jobs, state',
  '',
  '',
  'def main():',
  '    threading.Thread(target=jobs.work).start()',
  '    state.counter = 0',
  '',
  '',
  'if __name__ == "__main__":',
  '    main()',
  '',
].join('\n');
const START = 6;   // the line of MAIN that starts the thread
const JOBS = 'from pkg import state\n\n\ndef work():\n    state.counter += 1\n\n\ndef tick():\n    state.total += 1\n';
const EXTRA = 'import threading\n\nfrom pkg import jobs\n\nfor _ in range(2):\n    threading.Thread(target=jobs.work).start()\n';

function write(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

// A fresh tree: ws/pyproject.toml, ws/pkg/{__init__,state,jobs,main}.py.
function tree() {
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gilcheck-ws-')));
  const ws = path.join(tmp, 'ws');
  write(path.join(ws, 'pyproject.toml'), '[tool.gilcheck]\nthread-entry-points = ["pkg.jobs.tick"]\n');
  write(path.join(ws, 'pkg', '__init__.py'), '');
  write(path.join(ws, 'pkg', 'state.py'), 'counter = 0\ntotal = 0\n');
  write(path.join(ws, 'pkg', 'jobs.py'), JOBS);
  write(path.join(ws, 'pkg', 'main.py'), MAIN);
  return { tmp, ws };
}

const uriOf = (p) => 'file://' + p;

// `gilcheck check --format json` of the paths, as records of `file`, in the LSP's terms.
function checkSays(paths, file, cwd) {
  const r = spawnSync(gilcheck, ['check', '--no-cache', '--format', 'json', ...paths], { cwd, encoding: 'utf8' });
  const recs = JSON.parse(r.stdout || '[]');
  return recs.filter((x) => x.kind === 'finding' && x.path === file).map((x) => ({
    code: x.rule, line: x.line - 1, character: x.column - 1, message: x.message,
    // the LSP's relatedInformation shows the first three of the other side (the hover all)
    related: (x.conflicts || []).slice(0, 3).map((c) => `${uriOf(c.path)}:${c.line - 1}`).sort(),
  }));
}

function lspSays(diags) {
  return diags.map((d) => ({
    code: d.code, line: d.range.start.line, character: d.range.start.character, message: d.message,
    related: (d.relatedInformation || []).filter((r) => /^races with|^breaks/.test(r.message))
      .map((r) => `${r.location.uri}:${r.location.range.start.line}`).sort(),
  }));
}

const key = (list) => JSON.stringify(list.map((x) => [x.code, x.line, x.character, x.message, x.related]).sort());

// A server and a client; `progress`: the client advertises window.workDoneProgress.
async function server(folders, progress) {
  const child = spawn(gilcheck, ['lsp'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const conn = proto.createProtocolConnection(new proto.StreamMessageReader(child.stdout),
                                              new proto.StreamMessageWriter(child.stdin));
  const s = { conn, exited, published: [], waiters: [], creates: [], progress: [], stray: [] };
  conn.onNotification(proto.PublishDiagnosticsNotification.type, (p) => {
    s.published.push(p);
    s.waiters = s.waiters.filter((w) => !w(p));
  });
  conn.onRequest(proto.WorkDoneProgressCreateRequest.type, (params) => {
    s.creates.push(params.token);
    conn.onProgress(proto.WorkDoneProgress.type, params.token, (v) => s.progress.push(v));
    return null;
  });
  conn.onUnhandledProgress((p) => s.stray.push(p));
  conn.onRequest(proto.RegistrationRequest.type, () => null);
  conn.listen();
  const caps = { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } };
  if (progress) caps.window = { workDoneProgress: true };
  const init = await conn.sendRequest(proto.InitializeRequest.type, {
    processId: process.pid, rootUri: null, capabilities: caps,
    workspaceFolders: folders.map((f) => ({ uri: uriOf(f), name: path.basename(f) })),
  });
  conn.sendNotification(proto.InitializedNotification.type, {});
  s.init = init;
  // the next publication for uri satisfying pred (resolved with it)
  s.next = (uri, pred, what) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), TIMEOUT);
    s.waiters.push((p) => {
      if (p.uri !== uri || !pred(p)) return false;
      clearTimeout(t); resolve(p); return true;
    });
  });
  s.open = (file, text) => conn.sendNotification(proto.DidOpenTextDocumentNotification.type,
    { textDocument: { uri: uriOf(file), languageId: 'python', version: 1, text } });
  s.stop = async () => {
    await conn.sendRequest(proto.ShutdownRequest.type);
    await conn.sendNotification(proto.ExitNotification.type);
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), TIMEOUT))]);
    conn.dispose();
    return code;
  };
  return s;
}

// The lists published for uri, in order.
const lists = (s, uri) => s.published.filter((p) => p.uri === uri).map((p) => p.diagnostics);
const codes = (diags) => diags.map((d) => d.code).sort().join(',');
const noRepeats = (ls) => ls.every((l, i) => i === 0 || JSON.stringify(l) !== JSON.stringify(ls[i - 1]));

async function withProgress() {
  const { tmp, ws } = tree();
  const jobs = path.join(ws, 'pkg', 'jobs.py'), main = path.join(ws, 'pkg', 'main.py');
  const extra = path.join(ws, 'pkg', 'extra.py');
  const s = await server([ws], true);
  check(s.init.capabilities.workspace.workspaceFolders.supported &&
        s.init.capabilities.diagnosticProvider.interFileDependencies, 'workspace folders and inter-file dependencies offered',
        s.init.capabilities);

  // jobs.py alone has no thread: the race shows once main.py is summarized with it
  const composed = s.next(uriOf(jobs), (p) => p.diagnostics.some((d) => d.code === 'GIL103' && d.range.start.line === 4), 'the race in jobs.py');
  s.open(jobs, JOBS);
  let pub = await composed;
  const race = pub.diagnostics.find((d) => d.range.start.line === 4);
  const rel = (race.relatedInformation || []).find((r) => r.location.uri === uriOf(main));
  check(rel && rel.location.range.start.line === START + 1 && /main thread/.test(rel.message),
        'relatedInformation: the write in main.py', race.relatedInformation);
  check(key(lspSays(pub.diagnostics)) === key(checkSays([ws], jobs, tmp)),
        'jobs.py: the diagnostics are what `gilcheck check` prints for it (settings of the folder)',
        { lsp: lspSays(pub.diagnostics), check: checkSays([ws], jobs, tmp) });
  check(checkSays([jobs], jobs, tmp).every((x) => x.line !== 4), '(check of jobs.py alone: no race on state.counter)');
  // the hover of the race's line: the interleaving, made when hovered (the server's own
  // summaries of buffers carry none)
  const hover = await s.conn.sendRequest(proto.HoverRequest.type, { textDocument: { uri: uriOf(jobs) }, position: { line: 4, character: 4 } });
  const hv = hover && hover.contents.value;
  check(/\*\*Not atomic\*\*/.test(hv) && /\*\*Interleaving\*\* \(lost-update/.test(hv) &&
        /\| Thread A \| Thread B \| sees \|/.test(hv) && /\| reads state\.counter = 0 \|/.test(hv),
        'hover on the race: the interleaving as a table', hv);
  check(hv && hv.includes(`**Races with**:\n\n- stores 'state.counter' without a lock in \`main\` at [main.py:8](${uriOf(main)}#L8)`) &&
        hv.includes('This side runs in: thread started at '),
        'hover on the race: every access of the other side, linked, and this side\'s context', hv);

  // progress: created by request, then begin ... end
  check(s.creates.length === 1, 'window/workDoneProgress/create sent once', s.creates);
  const kinds = s.progress.map((v) => v.kind);
  check(kinds[0] === 'begin' && kinds[kinds.length - 1] === 'end' && typeof s.progress[0].percentage === 'number' &&
        /summarized/.test(s.progress[kinds.length - 1].message), '$/progress begin (with a percentage) ... end', s.progress);
  check(s.stray.length === 0, 'no progress on tokens the client did not create', s.stray);

  // an edit of main.py that removes the thread start: jobs.py republished without the race
  s.open(main, MAIN);
  await s.next(uriOf(main), () => true, 'main.py on open');
  const lines = MAIN.split('\n');
  const emptied = s.next(uriOf(jobs), (p) => !p.diagnostics.some((d) => d.range.start.line === 4), 'jobs.py without the race');
  const v2 = s.next(uriOf(main), (p) => p.version === 2, 'main.py version 2');
  s.conn.sendNotification(proto.DidChangeTextDocumentNotification.type, {
    textDocument: { uri: uriOf(main), version: 2 },
    contentChanges: [{ range: { start: { line: START, character: 0 }, end: { line: START + 1, character: 0 } }, text: '' }] });
  pub = await emptied;
  await v2;
  check(pub.version === 1 && codes(pub.diagnostics) === 'GIL103' && pub.diagnostics[0].range.start.line === 8,
        'jobs.py republished with the configured entry point\'s race only', pub);
  lines.splice(START, 1);
  write(main, lines.join('\n'));   // saved: check sees the same tree
  check(key(lspSays(pub.diagnostics)) === key(checkSays([ws], jobs, tmp)), 'jobs.py equals check after the edit (saved)');

  // a file created on disk that starts threads on jobs.work: the race is back; deleted: gone
  const back = s.next(uriOf(jobs), (p) => p.diagnostics.some((d) => d.range.start.line === 4), 'the race from extra.py');
  write(extra, EXTRA);
  s.conn.sendNotification(proto.DidChangeWatchedFilesNotification.type, { changes: [{ uri: uriOf(extra), type: 1 }] });
  pub = await back;
  check(key(lspSays(pub.diagnostics)) === key(checkSays([ws], jobs, tmp)), 'created file: jobs.py equals check',
        { lsp: lspSays(pub.diagnostics), check: checkSays([ws], jobs, tmp) });
  const gone = s.next(uriOf(jobs), (p) => !p.diagnostics.some((d) => d.range.start.line === 4), 'the race gone with extra.py');
  fs.unlinkSync(extra);
  s.conn.sendNotification(proto.DidChangeWatchedFilesNotification.type, { changes: [{ uri: uriOf(extra), type: 3 }] });
  await gone;
  check(true, 'deleted file: jobs.py republished without its race');

  // main.py on disk starts the thread again (changed), but the open buffer does not: no change;
  // closing the buffer lets the file on disk stand for it
  write(main, MAIN);
  s.conn.sendNotification(proto.DidChangeWatchedFilesNotification.type, { changes: [{ uri: uriOf(main), type: 2 }] });
  const reopened = s.next(uriOf(jobs), (p) => p.diagnostics.some((d) => d.range.start.line === 4), 'the race after closing main.py');
  await new Promise((r) => setTimeout(r, 800));
  check(!lists(s, uriOf(jobs)).slice(-1)[0].some((d) => d.range.start.line === 4), 'the open buffer of main.py wins over the file on disk');
  s.conn.sendNotification(proto.DidCloseTextDocumentNotification.type, { textDocument: { uri: uriOf(main) } });
  pub = await reopened;
  check(key(lspSays(pub.diagnostics)) === key(checkSays([ws], jobs, tmp)), 'after closing main.py: jobs.py equals check');

  const jl = lists(s, uriOf(jobs));
  check(noRepeats(jl), `jobs.py: ${jl.length} lists published, never the same one twice in a row`, jl.map(codes));
  check(await s.stop() === 0, 'exit code 0');
  fs.rmSync(tmp, { recursive: true, force: true });
}

async function withoutProgress() {
  const { tmp, ws } = tree();
  const jobs = path.join(ws, 'pkg', 'jobs.py');
  const s = await server([ws], false);
  const composed = s.next(uriOf(jobs), (p) => p.diagnostics.some((d) => d.range.start.line === 4), 'the race in jobs.py');
  s.open(jobs, JOBS);
  await composed;
  check(s.creates.length === 0 && s.progress.length === 0 && s.stray.length === 0,
        'no window/workDoneProgress/create nor $/progress for a client without window.workDoneProgress',
        { creates: s.creates, stray: s.stray });
  check(await s.stop() === 0, 'exit code 0');

  // no workspace folder: the document alone, as before
  const alone = await server([], false);
  const first = alone.next(uriOf(jobs), () => true, 'jobs.py alone');
  alone.open(jobs, JOBS);
  const pub = await first;
  check(!pub.diagnostics.some((d) => d.range.start.line === 4), 'without a workspace folder: no race on state.counter', pub);
  check(await alone.stop() === 0, 'exit code 0');

  // a document outside every folder joins the folder nearest to it (ws/pkg for ws/run.py)
  const run = path.join(ws, 'run.py');
  const text = 'import threading\n\nfrom pkg import jobs\n\nfor _ in range(2):\n    threading.Thread(target=jobs.work).start()\n';
  write(run, text);
  fs.unlinkSync(path.join(ws, 'pkg', 'main.py'));
  const near = await server([path.join(ws, 'pkg')], false);
  const jobsFirst = near.next(uriOf(jobs), () => true, 'jobs.py first');
  near.open(jobs, JOBS);
  await jobsFirst;
  const raced = near.next(uriOf(jobs), (p) => p.diagnostics.some((d) => d.range.start.line === 4), 'the race from run.py');
  near.open(run, text);
  const p2 = await raced;
  check(key(lspSays(p2.diagnostics)) === key(checkSays([path.join(ws, 'pkg'), run], jobs, tmp)),
        'a document outside the folder is composed with it (as check of both)',
        { lsp: lspSays(p2.diagnostics), check: checkSays([path.join(ws, 'pkg'), run], jobs, tmp) });
  check(await near.stop() === 0, 'exit code 0');
  fs.rmSync(tmp, { recursive: true, force: true });
}

withProgress().then(withoutProgress).catch((e) => { failed++; console.log(`not ok - ${e.message}`); })
  .finally(() => {
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
  });
