// Registry invariants: every Gunicorn setting is registered once, flags are unique and spelled
// like Gunicorn's, every default decodes, and the support states are the ones promised.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from 'fp-ts/Either';
import { HookFn, firstReason } from '../../src/streams/codecs';
import { allSettings, settings, type Setting } from '../../src/cli/settings/index';

/** All 119 of Gunicorn 26.1's settings (gunicorn/config.py KNOWN_SETTINGS), by section. */
const GUNICORN_SETTINGS = [
  // Config File
  'config',
  'wsgi_app',
  // Control
  'control_socket',
  'control_socket_mode',
  'control_socket_disable',
  // Debugging
  'reload',
  'reload_engine',
  'reload_extra_files',
  'spew',
  'check_config',
  'print_config',
  // Dirty Arbiter Hooks
  'on_dirty_starting',
  'dirty_post_fork',
  'dirty_worker_init',
  'dirty_worker_exit',
  // Dirty Arbiters
  'dirty_apps',
  'dirty_workers',
  'dirty_timeout',
  'dirty_threads',
  'dirty_graceful_timeout',
  // HTTP/2
  'http_protocols',
  'http2_cleartext',
  'http2_max_concurrent_streams',
  'http2_initial_window_size',
  'http2_max_frame_size',
  'http2_max_header_list_size',
  // Logging
  'accesslog',
  'disable_redirect_access_to_syslog',
  'access_log_format',
  'errorlog',
  'loglevel',
  'capture_output',
  'logger_class',
  'logconfig',
  'logconfig_dict',
  'logconfig_json',
  'syslog_addr',
  'syslog',
  'syslog_prefix',
  'syslog_facility',
  'enable_stdio_inheritance',
  'statsd_host',
  'dogstatsd_tags',
  'statsd_prefix',
  'enable_backlog_metric',
  // Process Naming
  'proc_name',
  'default_proc_name',
  // SSL
  'keyfile',
  'certfile',
  'ssl_version',
  'cert_reqs',
  'ca_certs',
  'suppress_ragged_eofs',
  'do_handshake_on_connect',
  'ciphers',
  // Security
  'limit_request_line',
  'limit_request_fields',
  'limit_request_field_size',
  // Server Hooks
  'on_starting',
  'on_reload',
  'when_ready',
  'pre_fork',
  'post_fork',
  'post_worker_init',
  'worker_int',
  'worker_abort',
  'pre_exec',
  'pre_request',
  'post_request',
  'child_exit',
  'worker_exit',
  'nworkers_changed',
  'on_exit',
  'ssl_context',
  // Server Mechanics
  'preload_app',
  'sendfile',
  'reuse_port',
  'chdir',
  'daemon',
  'raw_env',
  'pidfile',
  'worker_tmp_dir',
  'user',
  'group',
  'umask',
  'initgroups',
  'tmp_upload_dir',
  'secure_scheme_headers',
  'forwarded_allow_ips',
  'pythonpath',
  'paste',
  'proxy_protocol',
  'proxy_allow_ips',
  'protocol',
  'uwsgi_allow_ips',
  'raw_paste_global_conf',
  'permit_obsolete_folding',
  'strip_header_spaces',
  'permit_unconventional_http_method',
  'permit_unconventional_http_version',
  'casefold_http_method',
  'forwarder_headers',
  'header_map',
  'root_path',
  // Server Socket
  'bind',
  'backlog',
  // Worker Processes
  'workers',
  'worker_class',
  'threads',
  'worker_connections',
  'max_requests',
  'max_requests_jitter',
  'timeout',
  'graceful_timeout',
  'keepalive',
  'asgi_loop',
  'asgi_lifespan',
  'asgi_disconnect_grace_period',
  'http_parser',
] as const;

/** Gunicorn's 25 settings without a command-line flag. */
const CONFIG_FILE_ONLY = [
  'wsgi_app',
  'on_dirty_starting',
  'dirty_post_fork',
  'dirty_worker_init',
  'dirty_worker_exit',
  'logconfig_dict',
  'default_proc_name',
  'on_starting',
  'on_reload',
  'when_ready',
  'pre_fork',
  'post_fork',
  'post_worker_init',
  'worker_int',
  'worker_abort',
  'pre_exec',
  'pre_request',
  'post_request',
  'child_exit',
  'worker_exit',
  'nworkers_changed',
  'on_exit',
  'ssl_context',
  'tmp_upload_dir',
  'secure_scheme_headers',
];

const SUPPORTED = [
  'bind',
  'statsdHost',
  'statsdPrefix',
  'dogstatsdTags',
  'metricsBind',
  'backlog',
  'workers',
  'workerClass',
  'workerConnections',
  'timeout',
  'gracefulTimeout',
  'keepalive',
  'logLevel',
  'appKind',
  'config',
  'app',
  'printConfig',
  'checkConfig',
  'chdir',
  'rawEnv',
  'procName',
  'defaultProcName',
  'preloadApp',
  'pidfile',
  'threads',
  'maxRequests',
  'maxRequestsJitter',
  'umask',
  'user',
  'group',
  'initgroups',
  'daemon',
  'enableStdioInheritance',
  'nodeArg',
  'onStarting',
  'onReload',
  'whenReady',
  'preFork',
  'postFork',
  'postWorkerInit',
  'workerInt',
  'workerAbort',
  'preExec',
  'preRequest',
  'postRequest',
  'childExit',
  'workerExit',
  'nworkersChanged',
  'onExit',
  'stages',
  'accesslog',
  'accessLogFormat',
  'errorlog',
  'captureOutput',
  'loggerClass',
  'logFormat',
  'syslog',
  'syslogAddr',
  'syslogPrefix',
  'syslogFacility',
  'disableRedirectAccessToSyslog',
  'enableBacklogMetric',
  'limitRequestLine',
  'limitRequestFields',
  'limitRequestFieldSize',
  'headerTimeout',
  'requestTimeout',
  'forwardedAllowIps',
  'secureSchemeHeaders',
  'proxyProtocol',
  'proxyAllowIps',
  'keyfile',
  'certfile',
  'caCerts',
  'certReqs',
  'ciphers',
  'tlsMinVersion',
  'sslContext',
  'httpProtocols',
  'http2Cleartext',
  'http2MaxConcurrentStreams',
  'http2InitialWindowSize',
  'http2MaxFrameSize',
  'http2MaxHeaderListSize',
];

const PLANNED_AREAS = [
  'control socket',
  'dirty arbiters',
  'reload',
  'proxy handling',
  'uWSGI',
  'privileges',
  'daemon',
  'SO_REUSEPORT',
];

const all = allSettings();
const camel = (snake: string) => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const decodes = (raw: unknown, s: (typeof all)[number][1]) => {
  const r = s.codec.decode(raw);
  return E.isRight(r) ? undefined : `${s.name}: ${JSON.stringify(raw)} does not decode (${firstReason(r.left)})`;
};

test("the list above has Gunicorn's 119 settings, each once", () => {
  assert.equal(GUNICORN_SETTINGS.length, 119);
  assert.equal(new Set(GUNICORN_SETTINGS).size, 119);
});

test("every key is the setting's name, and names and Gunicorn names are unique", () => {
  for (const [key, s] of all) assert.equal(key, s.name);
  const gunicorn = all.flatMap(([, s]) => (s.gunicorn ? [s.gunicorn] : []));
  assert.equal(new Set(gunicorn).size, gunicorn.length, 'a Gunicorn name is registered twice');
  const keys = [...all.map(([k]) => k as string), ...gunicorn];
  const collisions = keys.filter(
    (k, i) => keys.indexOf(k) !== i && !all.some(([name, s]) => name === k && s.gunicorn === k),
  );
  assert.deepEqual(collisions, [], 'a config-file key would name two settings');
});

test('every Gunicorn setting is registered under its Gunicorn name, and nothing else claims one', () => {
  const registered = new Set(all.flatMap(([, s]) => (s.gunicorn ? [s.gunicorn] : [])));
  assert.deepEqual(
    GUNICORN_SETTINGS.filter((g) => !registered.has(g)),
    [],
    'missing',
  );
  assert.deepEqual(
    [...registered].filter((g) => !(GUNICORN_SETTINGS as readonly string[]).includes(g)),
    [],
    "not Gunicorn's",
  );
  const own = all
    .filter(([, s]) => !s.gunicorn)
    .map(([k]) => k)
    .sort();
  assert.deepEqual(own, [
    'appKind',
    'headerTimeout',
    'logFormat',
    'metricsBind',
    'nodeArg',
    'requestTimeout',
    'stages',
    'tlsMinVersion',
  ]);
});

test("keys are camelCase of Gunicorn's names, except the agreed ones", () => {
  const exceptions: Record<string, string> = {
    wsgi_app: 'app',
    loglevel: 'logLevel',
  };
  for (const [key, s] of all) {
    if (!s.gunicorn) continue;
    assert.equal(key, exceptions[s.gunicorn] ?? camel(s.gunicorn), s.gunicorn);
  }
});

test('flags are unique across all settings and spelled like flags', () => {
  const flags = all.flatMap(([, s]) => s.flags);
  assert.deepEqual(
    flags.filter((f, i) => flags.indexOf(f) !== i),
    [],
    'flags used twice',
  );
  for (const f of flags) assert.match(f, /^(-[A-Za-z]|--[a-z0-9][a-z0-9_-]*)$/, f);
  assert.ok(
    !flags.includes('-v') && !flags.includes('--version') && !flags.includes('-h') && !flags.includes('--help'),
    "version and help are the CLI's own",
  );
});

test("config-file-only settings are Gunicorn's 25 and `stages`; every other setting has a long flag", () => {
  const none = all
    .filter(([, s]) => s.flags.length === 0)
    .map(([, s]) => s.gunicorn ?? s.name)
    .sort();
  assert.deepEqual(none, [...CONFIG_FILE_ONLY, 'stages'].sort());
  for (const [, s] of all)
    if (s.flags.length)
      assert.ok(
        s.flags.some((f) => f.startsWith('--')),
        `${s.name} has a long flag`,
      );
});

test('hooks are functions, config file only, and default to none', () => {
  const hooks = all.filter(([, s]) => s.codec === HookFn);
  assert.equal(hooks.length, 20, '16 server hooks and 4 dirty arbiter hooks');
  for (const [, s] of hooks) {
    assert.deepEqual(s.flags, [], s.name);
    assert.ok(s.section === 'Server Hooks' || s.section === 'Dirty Arbiter Hooks', s.name);
    assert.equal(s.default({}).value, null, s.name);
  }
});

test("Gunicorn's odd spellings are kept, with a kebab-case alias", () => {
  assert.deepEqual(settings.limitRequestFieldSize.flags, ['--limit-request-field_size', '--limit-request-field-size']);
  assert.deepEqual(settings.accessLogFormat.flags, ['--access-logformat', '--access-log-format']);
  assert.deepEqual(settings.errorlog.flags, ['--error-logfile', '--log-file']);
  assert.deepEqual(settings.paste.flags, ['--paste', '--paster']);
  assert.deepEqual(settings.keepalive.flags, ['--keep-alive']);
  assert.deepEqual(settings.preloadApp.flags, ['--preload']);
  assert.deepEqual(settings.pidfile.flags, ['-p', '--pid']);
  assert.equal(settings.logLevel.gunicorn, 'loglevel');
  assert.equal(settings.app.gunicorn, 'wsgi_app');
});

test('switches and optional values say what the bare flag means, and it decodes', () => {
  for (const [, s] of all) {
    if (s.arity === 'switch') {
      const bare = s.switchValue ?? true;
      assert.equal(decodes(bare, s), undefined);
      // commander turns --no-x into false; a switch spelled --no-x must say what that means.
      if (s.flags.some((f) => f.startsWith('--no-'))) assert.notEqual(s.switchValue, undefined, s.name);
    } else if (s.arity === 'optional') {
      assert.notEqual(s.switchValue, undefined, `${s.name} says what the bare flag means`);
      assert.equal(decodes(s.switchValue, s), undefined);
    } else {
      assert.equal(s.switchValue, undefined, `${s.name} takes a value, so it has no switchValue`);
    }
  }
  assert.equal(settings.sendfile.arity, 'switch');
  assert.equal(settings.sendfile.switchValue, false);
  assert.equal(settings.controlSocketDisable.switchValue, true);
  assert.equal(settings.proxyProtocol.arity, 'optional');
  assert.equal(settings.proxyProtocol.switchValue, 'auto');
});

test('repeatable flags are lists, and a list of one flag value decodes', () => {
  const lists = all
    .filter(([, s]) => s.arity === 'list')
    .map(([, s]) => s.flags.at(-1))
    .sort();
  assert.deepEqual(lists, ['--bind', '--dirty-app', '--env', '--node-arg', '--paste-global', '--reload-extra-file']);
  const sample: Record<string, string> = {
    bind: '127.0.0.1:9000',
    rawEnv: 'A=1',
    rawPasteGlobalConf: 'a=1',
    dirtyApps: 'tasks.mjs:Job',
    nodeArg: '--import=tsx',
    reloadExtraFiles: 'views/*.html',
  };
  for (const [key, s] of all.filter(([, x]) => x.arity === 'list')) {
    assert.equal(decodes([sample[key]], s), undefined);
    assert.equal(decodes([sample[key], sample[key]], s), undefined);
  }
});

test('every default decodes with its own codec, with an empty environment', () => {
  assert.deepEqual(all.map(([, s]) => decodes(s.default({}).value, s)).filter(Boolean), []);
});

test('every default decodes with PORT, WEB_CONCURRENCY and FORWARDED_ALLOW_IPS set, and names the variable', () => {
  const env = { PORT: '9000', WEB_CONCURRENCY: '3', FORWARDED_ALLOW_IPS: '10.0.0.0/8, 192.168.0.1' };
  assert.deepEqual(all.map(([, s]) => decodes(s.default(env).value, s)).filter(Boolean), []);
  const read = all.flatMap(([k, s]) => (s.default(env).env ? [`${k}<-${s.default(env).env}`] : []));
  assert.deepEqual(read.sort(), ['bind<-PORT', 'forwardedAllowIps<-FORWARDED_ALLOW_IPS', 'workers<-WEB_CONCURRENCY']);
  const value = (k: keyof typeof settings) => {
    const s = settings[k] as Setting<unknown>;
    const r = s.codec.decode(s.default(env).value);
    return E.isRight(r) ? r.right : undefined;
  };
  assert.deepEqual(value('bind'), [{ kind: 'tcp', host: '0.0.0.0', port: 9000 }]);
  assert.equal(value('workers'), 3);
  assert.deepEqual(value('forwardedAllowIps'), ['10.0.0.0/8', '192.168.0.1']);
});

test("defaults are Gunicorn's, except the worker class", () => {
  const d = (k: keyof typeof settings) => settings[k].default({}).value;
  assert.deepEqual(d('bind'), ['127.0.0.1:8000']);
  assert.equal(d('workers'), 1);
  assert.equal(d('workerClass'), 'async');
  assert.equal(d('timeout'), 30);
  assert.equal(d('gracefulTimeout'), 30);
  assert.equal(d('keepalive'), 2);
  assert.equal(d('backlog'), 2048);
  assert.equal(d('workerConnections'), 1000);
  assert.equal(d('limitRequestLine'), 4094);
  assert.equal(d('limitRequestFields'), 100);
  assert.equal(d('limitRequestFieldSize'), 8190);
  assert.equal(d('controlSocketMode'), 0o600);
  assert.equal(d('errorlog'), '-');
  assert.equal(d('proxyProtocol'), 'off');
  assert.equal(d('forwardedAllowIps'), '127.0.0.1,::1');
  assert.deepEqual(d('secureSchemeHeaders'), {
    'X-FORWARDED-PROTOCOL': 'ssl',
    'X-FORWARDED-PROTO': 'https',
    'X-FORWARDED-SSL': 'on',
  });
  assert.deepEqual(settings.workerClass.codec.decode('gevent')._tag, 'Left');
  for (const k of ['sync', 'gthread', 'async']) assert.equal(settings.workerClass.codec.decode(k)._tag, 'Right', k);
});

test('support states: exactly the promised settings are supported; the rest say why not', () => {
  const supported = all
    .filter(([, s]) => s.support.state === 'supported')
    .map(([k]) => k)
    .sort();
  assert.deepEqual(supported, [...SUPPORTED].sort());
  for (const [k, s] of all) {
    if (s.support.state === 'planned')
      assert.ok(PLANNED_AREAS.includes(s.support.area), `${k}: unknown area ${s.support.area}`);
    if (s.support.state === 'not-applicable')
      assert.ok(s.support.why.length > 15 && !s.support.why.endsWith('.'), `${k}: a short reason`);
  }
  const state = (k: keyof typeof settings) => settings[k].support.state;
  for (const k of [
    'pythonpath',
    'paste',
    'spew',
    'workerTmpDir',
    'tmpUploadDir',
    'asgiLoop',
    'httpParser',
    'sendfile',
  ] as const) {
    assert.equal(state(k), 'not-applicable', k);
  }
  for (const k of ['controlSocket', 'dirtyWorkers', 'reload'] as const) {
    assert.equal(state(k), 'planned', k);
  }
});

test('every setting has a one-line doc and a metavar when it takes a value', () => {
  for (const [k, s] of all) {
    const [first = '', second] = s.doc.split('\n');
    assert.ok(first.length > 10 && first.length <= 160, `${k}: first doc line is ${first.length} characters`);
    assert.ok(second === undefined || second === '', `${k}: more lines come after a blank line`);
    if (s.flags.length && (s.arity === 'value' || s.arity === 'list' || s.arity === 'optional'))
      assert.ok(s.metavar, `${k} has a metavar`);
  }
});
