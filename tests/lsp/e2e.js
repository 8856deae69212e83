// End-to-end test of `gilcheck lsp` with a real LSP client (vscode-languageserver-protocol over
// vscode-jsonrpc): open a racy counter, diagnostics at the right range, hover, code actions applied
// as an editor applies them, a syntax error mid-edit, close, shutdown and exit.
// usage: node e2e.js GILCHECK utf-8|utf-16    (exit 77 when node_modules is missing)
'use strict';

let proto, TextDocument;
try {
  proto = require('vscode-languageserver-protocol/node');
  ({ TextDocument } = require('vscode-languageserver-textdocument'));
} catch (e) {
  console.log('skipped: run `npm ci` in tests/lsp (tools/deps.sh does)');
  process.exit(77);
}
const { spawn } = require('child_process');
const path = require('path');

const [gilcheck, encoding] = process.argv.slice(2);
if (!gilcheck || !['utf-8', 'utf-16'].includes(encoding)) {
  console.error('usage: node e2e.js GILCHECK utf-8|utf-16');
  process.exit(2);
}
const TIMEOUT = 20000;
let passed = 0, failed = 0;
function check(cond, what, detail) {
  if (cond) { passed++; console.log(`ok - ${what}`); }
  else { failed++; console.log(`not ok - ${what}${detail !== undefined ? ': ' + JSON.stringify(detail) : ''}`); }
}

// The racy line has non-ASCII text before the finding: é (2 UTF-8 bytes, 1 UTF-16 unit) and
// U+1F600 (4 bytes, 2 units), so byte and UTF-16 columns differ.
const RACY = [
  'import threading',
  '',
  'counter = 0',
  'lock = threading.Lock()',
  '',
  '',
  'def work():',
  '    global counter',
  '    s = "é\u{1F600}"; counter += 1',
  '',
  '',
  'for _ in range(2): threading.Thread(target=work).start()',
  '',
].join('\n');
const LINE = 8;
// "    s = \"" is 9 bytes/units, then é, U+1F600, "\"; " -> `counter` starts at byte 18 = unit 15
const COL = encoding === 'utf-8' ? 18 : 15;
const uri = 'file://' + path.join(__dirname, 'e2e_counter.py');

// Text edits applied as a client does: UTF-16 via the vscode text document, UTF-8 via bytes.
function offsetOf(text, pos) {
  const lines = text.split('\n');
  let off = 0;
  for (let i = 0; i < pos.line; i++) off += lines[i].length + 1;
  const line = lines[pos.line] || '';
  if (encoding === 'utf-16') return off + Math.min(pos.character, line.length);
  const bytes = Buffer.from(line, 'utf8').subarray(0, pos.character);
  return off + bytes.toString('utf8').length;
}
function applyEdits(text, edits) {
  if (encoding === 'utf-16') return TextDocument.applyEdits(TextDocument.create(uri, 'python', 0, text), edits);
  const sorted = [...edits].sort((a, b) => offsetOf(text, b.range.start) - offsetOf(text, a.range.start));
  for (const e of sorted)
    text = text.slice(0, offsetOf(text, e.range.start)) + e.newText + text.slice(offsetOf(text, e.range.end));
  return text;
}

async function main() {
  const child = spawn(gilcheck, ['lsp'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const conn = proto.createProtocolConnection(new proto.StreamMessageReader(child.stdout),
                                              new proto.StreamMessageWriter(child.stdin));
  const published = [];
  let waiters = [];
  conn.onNotification(proto.PublishDiagnosticsNotification.type, (p) => {
    published.push(p);
    waiters = waiters.filter((w) => !w(p));
  });
  conn.listen();
  // The next publishDiagnostics for uri whose version is at least `version`.
  const diagnostics = (version) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no diagnostics for version ${version}`)), TIMEOUT);
    waiters.push((p) => {
      if (p.uri !== uri || (version !== undefined && p.version !== undefined && p.version < version)) return false;
      clearTimeout(t); resolve(p); return true;
    });
  });

  const init = await conn.sendRequest(proto.InitializeRequest.type, {
    processId: process.pid, rootUri: null, workspaceFolders: null,
    capabilities: { general: { positionEncodings: encoding === 'utf-8' ? ['utf-8', 'utf-16'] : ['utf-16'] } },
  });
  check(init.capabilities.positionEncoding === encoding, `negotiated ${encoding}`, init.capabilities);
  check(init.capabilities.hoverProvider && init.capabilities.diagnosticProvider, 'hover and pull diagnostics offered');
  conn.sendNotification(proto.InitializedNotification.type, {});

  // 1. open: GIL101 at the range of `counter` on the racy line
  let text = RACY, version = 1;
  let pending = diagnostics(1);
  conn.sendNotification(proto.DidOpenTextDocumentNotification.type,
                        { textDocument: { uri, languageId: 'python', version, text } });
  let pub = await pending;
  const d = pub.diagnostics;
  check(d.length === 1 && d[0].code === 'GIL101', 'GIL101 on open', d);
  check(d[0] && d[0].range.start.line === LINE && d[0].range.start.character === COL &&
        d[0].range.end.line === LINE && d[0].range.end.character === COL + 7,
        `range in ${encoding} columns`, d[0] && d[0].range);
  check(d[0] && d[0].source === 'gilcheck' && /GIL101\.md$/.test(d[0].codeDescription.href) &&
        d[0].severity >= 1 && d[0].relatedInformation && d[0].relatedInformation[0].location.range.start.line === LINE,
        'source, codeDescription, relatedInformation', d[0]);

  // pull diagnostics agree
  const pulled = await conn.sendRequest(proto.DocumentDiagnosticRequest.type, { textDocument: { uri } });
  check(pulled.kind === 'full' && pulled.items.length === 1 && pulled.items[0].code === 'GIL101', 'pull diagnostics', pulled);

  // 2. hover: bytecode, shared-state instructions, verdict
  let hover = await conn.sendRequest(proto.HoverRequest.type, { textDocument: { uri }, position: { line: LINE, character: COL } });
  const hv = hover && hover.contents.value;
  check(hover && hover.contents.kind === 'markdown' && /STORE_GLOBAL/.test(hv) && /LOAD_GLOBAL/.test(hv) &&
        /Not atomic/.test(hv) && /GIL101/.test(hv) && /free-threaded/.test(hv), 'hover explains the line', hv);

  // 3. code actions: noqa and `with lock:`; apply the lock one as an editor does
  let actions = await conn.sendRequest(proto.CodeActionRequest.type, {
    textDocument: { uri }, range: d[0].range, context: { diagnostics: d } });
  const noqa = actions.find((a) => /noqa/.test(a.title));
  const wrap = actions.find((a) => /with lock:/.test(a.title));
  check(noqa && wrap, 'noqa and with-lock actions offered', actions.map((a) => a.title));
  const edits = wrap.edit.changes[uri];
  text = applyEdits(text, edits);
  check(text.includes('    with lock:\n        s = "é\u{1F600}"; counter += 1\n'), 'with-lock edit re-indents the statement', text);
  pending = diagnostics(++version);
  conn.sendNotification(proto.DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version }, contentChanges: edits.map((e) => ({ range: e.range, text: e.newText })) });
  pub = await pending;
  check(pub.version === version && pub.diagnostics.length === 0, 'empty list once the lock is added', pub);

  hover = await conn.sendRequest(proto.HoverRequest.type, { textDocument: { uri }, position: { line: LINE + 1, character: 9 } });
  check(hover && /Atomic/.test(hover.contents.value) && !/Not atomic/.test(hover.contents.value), 'hover: atomic under the lock', hover);

  // 4. back to the racy text (full sync), then the noqa action
  text = RACY;
  pending = diagnostics(++version);
  conn.sendNotification(proto.DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
  pub = await pending;
  check(pub.diagnostics.length === 1, 'full-sync change: GIL101 again', pub);
  actions = await conn.sendRequest(proto.CodeActionRequest.type, {
    textDocument: { uri }, range: pub.diagnostics[0].range, context: { diagnostics: pub.diagnostics } });
  const nq = actions.find((a) => /noqa/.test(a.title)).edit.changes[uri];
  text = applyEdits(text, nq);
  check(text.split('\n')[LINE] === '    s = "é\u{1F600}"; counter += 1  # noqa: GIL101', 'noqa edit at the end of the line', text.split('\n')[LINE]);
  pending = diagnostics(++version);
  conn.sendNotification(proto.DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version }, contentChanges: nq.map((e) => ({ range: e.range, text: e.newText })) });
  pub = await pending;
  check(pub.diagnostics.length === 0, '# noqa honoured', pub);

  // 5. mid-edit: an open parenthesis after the non-ASCII text gives one GIL000, typing on fixes it
  const paren = { line: LINE, character: COL + 'counter += 1'.length };
  pending = diagnostics(++version);
  conn.sendNotification(proto.DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version }, contentChanges: [{ range: { start: paren, end: paren }, text: ' + (' }] });
  pub = await pending;
  check(pub.diagnostics.length === 1 && pub.diagnostics[0].code === 'GIL000' && pub.diagnostics[0].severity === 1,
        'syntax error mid-edit is one GIL000 diagnostic', pub);
  const at = pub.diagnostics[0] && pub.diagnostics[0].range.start;
  check(at && at.line === LINE && at.character === paren.character + 3, `GIL000 at the '(' in ${encoding} columns`, at);

  // 6. rapid edits are debounced: the last version wins
  const first = published.length;
  const after = { line: LINE, character: paren.character + 4 };
  for (let i = 0; i < 5; i++) {
    version++;
    conn.sendNotification(proto.DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version }, contentChanges: [{ range: { start: after, end: after }, text: i === 4 ? '0)' : '' }] });
  }
  pending = diagnostics(version);
  pub = await pending;
  check(pub.version === version && pub.diagnostics.length === 0, 'rapid edits: diagnostics of the newest version', pub);
  console.log(`# ${published.length - first} publish(es) for 5 rapid edits`);

  // 7. errors, close, shutdown, exit
  try {
    await conn.sendRequest('gilcheck/noSuchMethod', {});
    check(false, 'unknown method is an error');
  } catch (e) {
    check(e.code === proto.ErrorCodes.MethodNotFound, 'unknown method: MethodNotFound', e.code);
  }
  pending = diagnostics();
  conn.sendNotification(proto.DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  pub = await pending;
  check(pub.diagnostics.length === 0, 'close clears diagnostics', pub);
  await conn.sendRequest(proto.ShutdownRequest.type);
  await conn.sendNotification(proto.ExitNotification.type);
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), TIMEOUT))]);
  check(code === 0, 'exit code 0 after shutdown and exit', code);
  conn.dispose();
}

main().catch((e) => { failed++; console.log(`not ok - ${e.message}`); })
  .finally(() => {
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
  });
