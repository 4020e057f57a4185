/**
 * Server Mechanics settings: the process, its environment, and how requests from proxies are trusted.
 *
 * Gunicorn's HTTP-parser knobs are here too; in Node, llhttp parses requests and cannot be
 * tuned rule by rule, so they are documented as not applicable.
 *
 * @example
 * serverMechanics.rawEnv.codec.decode({ A: '1' }) // right(['A=1'])
 */
import {
  Bool, CommaList, FileMode, FilePath, IpList, KeyValueList, NonEmptyString, OneOf, OneOfAliased, OrNull, StringDict,
  Text, UserOrGroup,
} from '../../streams/codecs';
import { constant, fromEnv, notApplicable, planned, setting, supported } from './setting';
import { octal } from './show';

const proxies = planned('proxy handling');
const privileges = planned('privileges');
const uwsgi = planned('uWSGI');
const llhttp = notApplicable('Node\'s llhttp parses requests and cannot be tuned rule by rule '
  + '(only all-or-nothing, with --node-arg=--insecure-http-parser)');
const paste = notApplicable('PasteDeploy .ini apps are Python-only');

/** The peers trusted by default for forwarded headers, PROXY protocol and uWSGI. */
const LOCALHOST = '127.0.0.1,::1';

export const serverMechanics = {
  preloadApp: setting({
    name: 'preloadApp', gunicorn: 'preload_app', flags: ['--preload'], arity: 'switch', codec: Bool,
    default: constant(false), section: 'Server Mechanics', support: supported,
    doc: 'Load the app in the arbiter before starting workers, so a broken app fails at once.\n\n'
      + 'Unlike Gunicorn, this saves no memory: Node cannot fork a running process, so every worker still loads '
      + 'the app itself.',
  }),
  sendfile: setting({
    name: 'sendfile', gunicorn: 'sendfile', flags: ['--no-sendfile'], arity: 'switch', switchValue: false,
    codec: OrNull(Bool), default: constant(null), section: 'Server Mechanics',
    support: notApplicable('Node\'s http module has no sendfile path to turn off; responses go through the socket'),
    doc: 'Use sendfile() for file responses; --no-sendfile turns it off.',
  }),
  reusePort: setting({
    name: 'reusePort', gunicorn: 'reuse_port', flags: ['--reuse-port'], arity: 'switch', codec: Bool,
    default: constant(false), section: 'Server Mechanics', support: planned('SO_REUSEPORT'),
    doc: 'Set SO_REUSEPORT, so every worker binds its own listeners and the kernel spreads connections.',
  }),
  chdir: setting({
    name: 'chdir', gunicorn: 'chdir', flags: ['--chdir'], metavar: 'DIR', arity: 'value', codec: FilePath,
    default: constant('.'), section: 'Server Mechanics', support: supported,
    doc: 'Change to this directory before loading the app; given on the command line, also before the config file '
      + 'is looked for.\n\nThe default, ".", stays in the directory runicorn was started in.',
  }),
  daemon: setting({
    name: 'daemon', gunicorn: 'daemon', flags: ['-D', '--daemon'], arity: 'switch', codec: Bool,
    default: constant(false), section: 'Server Mechanics', support: planned('daemon'),
    doc: 'Detach from the terminal and run in the background.',
  }),
  rawEnv: setting({
    name: 'rawEnv', gunicorn: 'raw_env', flags: ['-e', '--env'], metavar: 'ENV', arity: 'list', codec: KeyValueList,
    default: constant([]), section: 'Server Mechanics', support: supported,
    doc: 'Set an environment variable for the app: KEY=VALUE, repeatable.\n\n'
      + 'Applied in the arbiter and in every worker. A config file may give a list of KEY=VALUE strings or an '
      + 'object { KEY: \'value\' }.',
  }),
  pidfile: setting({
    name: 'pidfile', gunicorn: 'pidfile', flags: ['-p', '--pid'], metavar: 'FILE', arity: 'value',
    codec: OrNull(FilePath), default: constant(null), section: 'Server Mechanics', support: supported,
    doc: 'Write the arbiter\'s process id to this file; it is removed on exit.',
  }),
  workerTmpDir: setting({
    name: 'workerTmpDir', gunicorn: 'worker_tmp_dir', flags: ['--worker-tmp-dir'], metavar: 'DIR', arity: 'value',
    codec: OrNull(FilePath), default: constant(null), section: 'Server Mechanics',
    support: notApplicable('it holds Gunicorn\'s heartbeat files; runicorn\'s workers send heartbeats over IPC'),
    doc: 'The directory for worker heartbeat files.',
  }),
  user: setting({
    name: 'user', gunicorn: 'user', flags: ['-u', '--user'], metavar: 'USER', arity: 'value',
    codec: OrNull(UserOrGroup), default: constant(null), section: 'Server Mechanics', support: privileges,
    doc: 'Run workers as this user, a name or a uid; null (the default) keeps runicorn\'s own.',
  }),
  group: setting({
    name: 'group', gunicorn: 'group', flags: ['-g', '--group'], metavar: 'GROUP', arity: 'value',
    codec: OrNull(UserOrGroup), default: constant(null), section: 'Server Mechanics', support: privileges,
    doc: 'Run workers as this group, a name or a gid; null (the default) keeps runicorn\'s own.',
  }),
  umask: setting({
    name: 'umask', gunicorn: 'umask', flags: ['-m', '--umask'], metavar: 'INT', arity: 'value', codec: FileMode,
    show: octal, default: constant(0), section: 'Server Mechanics', support: privileges,
    doc: 'The umask for files runicorn creates, such as Unix sockets: 0o22, 022 (octal) or 18.',
  }),
  initgroups: setting({
    name: 'initgroups', gunicorn: 'initgroups', flags: ['--initgroups'], arity: 'switch', codec: Bool,
    default: constant(false), section: 'Server Mechanics', support: privileges,
    doc: 'Give workers all the groups of --user, not only --group.',
  }),
  tmpUploadDir: setting({
    name: 'tmpUploadDir', gunicorn: 'tmp_upload_dir', flags: [], arity: 'value', codec: OrNull(FilePath),
    default: constant(null), section: 'Server Mechanics',
    support: notApplicable('Gunicorn\'s own code never uses it; request bodies are the app\'s to store'),
    doc: 'A directory for temporary request data (config file only).',
  }),
  secureSchemeHeaders: setting({
    name: 'secureSchemeHeaders', gunicorn: 'secure_scheme_headers', flags: [], arity: 'value', codec: StringDict,
    default: constant({ 'X-FORWARDED-PROTOCOL': 'ssl', 'X-FORWARDED-PROTO': 'https', 'X-FORWARDED-SSL': 'on' }),
    section: 'Server Mechanics', support: proxies,
    doc: 'Headers, and the values of them, that mean the request came over HTTPS, from trusted proxies only '
      + '(config file only).',
  }),
  forwardedAllowIps: setting({
    name: 'forwardedAllowIps', gunicorn: 'forwarded_allow_ips', flags: ['--forwarded-allow-ips'], metavar: 'STRING',
    arity: 'value', codec: IpList, default: fromEnv('FORWARDED_ALLOW_IPS', LOCALHOST), section: 'Server Mechanics',
    support: proxies,
    doc: 'The front-end proxies trusted to set secure scheme headers: IP addresses and CIDR networks, comma-separated, '
      + 'or * for all.\n\nPeers on Unix sockets are always trusted.',
  }),
  pythonpath: setting({
    name: 'pythonpath', gunicorn: 'pythonpath', flags: ['--pythonpath'], metavar: 'STRING', arity: 'value',
    codec: OrNull(CommaList), default: constant(null), section: 'Server Mechanics',
    support: notApplicable('it extends Python\'s import path; Node resolves modules from node_modules'),
    doc: 'Directories to add to the module search path, comma-separated.',
  }),
  paste: setting({
    name: 'paste', gunicorn: 'paste', flags: ['--paste', '--paster'], metavar: 'STRING', arity: 'value',
    codec: OrNull(NonEmptyString), default: constant(null), section: 'Server Mechanics', support: paste,
    doc: 'Load a PasteDeploy app from FILE.ini#section.',
  }),
  proxyProtocol: setting({
    name: 'proxyProtocol', gunicorn: 'proxy_protocol', flags: ['--proxy-protocol'], metavar: 'MODE', arity: 'optional',
    switchValue: 'auto',
    codec: OneOfAliased(['off', 'v1', 'v2', 'auto'] as const, { true: 'auto', 1: 'auto', false: 'off', 0: 'off', none: 'off' }),
    default: constant('off'), section: 'Server Mechanics', support: proxies,
    doc: 'Accept the PROXY protocol header from --proxy-allow-from peers: off, v1, v2 or auto (both); the bare flag '
      + 'means auto.',
  }),
  proxyAllowIps: setting({
    name: 'proxyAllowIps', gunicorn: 'proxy_allow_ips', flags: ['--proxy-allow-from'], metavar: 'STRING',
    arity: 'value', codec: IpList, default: constant(LOCALHOST), section: 'Server Mechanics', support: proxies,
    doc: 'The peers allowed to send a PROXY protocol header: IP addresses and CIDR networks, comma-separated, or *.',
  }),
  protocol: setting({
    name: 'protocol', gunicorn: 'protocol', flags: ['--protocol'], metavar: 'STRING', arity: 'value',
    codec: OneOf(['http', 'uwsgi'] as const), default: constant('http'), section: 'Server Mechanics', support: uwsgi,
    doc: 'The protocol the listeners speak: http, or uwsgi (the binary protocol of nginx\'s uwsgi_pass).',
  }),
  uwsgiAllowIps: setting({
    name: 'uwsgiAllowIps', gunicorn: 'uwsgi_allow_ips', flags: ['--uwsgi-allow-from'], metavar: 'STRING',
    arity: 'value', codec: IpList, default: constant(LOCALHOST), section: 'Server Mechanics', support: uwsgi,
    doc: 'The peers allowed to speak uWSGI: IP addresses and CIDR networks, comma-separated, or *.',
  }),
  rawPasteGlobalConf: setting({
    name: 'rawPasteGlobalConf', gunicorn: 'raw_paste_global_conf', flags: ['--paste-global'], metavar: 'CONF',
    arity: 'list', codec: KeyValueList, default: constant([]), section: 'Server Mechanics',
    support: paste, doc: 'A PasteDeploy global_conf entry, KEY=VALUE; repeatable.',
  }),
  permitObsoleteFolding: setting({
    name: 'permitObsoleteFolding', gunicorn: 'permit_obsolete_folding', flags: ['--permit-obsolete-folding'],
    arity: 'switch', codec: Bool, default: constant(false), section: 'Server Mechanics', support: llhttp,
    doc: 'Accept header values continued on the next line (obsolete line folding) instead of answering 400.',
  }),
  stripHeaderSpaces: setting({
    name: 'stripHeaderSpaces', gunicorn: 'strip_header_spaces', flags: ['--strip-header-spaces'], arity: 'switch',
    codec: Bool, default: constant(false), section: 'Server Mechanics', support: llhttp,
    doc: 'Strip spaces between a header name and its colon (a request-smuggling risk).',
  }),
  permitUnconventionalHttpMethod: setting({
    name: 'permitUnconventionalHttpMethod', gunicorn: 'permit_unconventional_http_method',
    flags: ['--permit-unconventional-http-method'], arity: 'switch', codec: Bool, default: constant(false),
    section: 'Server Mechanics', support: llhttp,
    doc: 'Accept methods outside the usual rules (3 to 20 upper-case characters, no #).',
  }),
  permitUnconventionalHttpVersion: setting({
    name: 'permitUnconventionalHttpVersion', gunicorn: 'permit_unconventional_http_version',
    flags: ['--permit-unconventional-http-version'], arity: 'switch', codec: Bool, default: constant(false),
    section: 'Server Mechanics', support: llhttp, doc: 'Accept HTTP versions other than 1.0 and 1.1.',
  }),
  casefoldHttpMethod: setting({
    name: 'casefoldHttpMethod', gunicorn: 'casefold_http_method', flags: ['--casefold-http-method'], arity: 'switch',
    codec: Bool, default: constant(false), section: 'Server Mechanics', support: llhttp,
    doc: 'Upper-case request methods after checking them.',
  }),
  forwarderHeaders: setting({
    name: 'forwarderHeaders', gunicorn: 'forwarder_headers', flags: ['--forwarder-headers'], metavar: 'STRING',
    arity: 'value', codec: CommaList, default: constant('SCRIPT_NAME,PATH_INFO'), section: 'Server Mechanics',
    support: notApplicable('it lets proxies set WSGI environ keys such as SCRIPT_NAME; Node apps read headers directly'),
    doc: 'Headers with underscores that trusted proxies may set (comma-separated, * for any).',
  }),
  headerMap: setting({
    name: 'headerMap', gunicorn: 'header_map', flags: ['--header-map'], metavar: 'STRING', arity: 'value',
    codec: OneOf(['drop', 'refuse', 'dangerous'] as const), default: constant('drop'), section: 'Server Mechanics',
    support: notApplicable('it resolves X_Foo and X-Foo colliding in a WSGI environ; Node keeps header names as sent'),
    doc: 'What to do with header names containing underscores: drop, refuse (400) or dangerous (keep).',
  }),
  rootPath: setting({
    name: 'rootPath', gunicorn: 'root_path', flags: ['--root-path'], metavar: 'STRING', arity: 'value', codec: Text,
    default: constant(''), section: 'Server Mechanics',
    support: notApplicable('it sets the ASGI scope\'s root_path; Node apps mount under a prefix with their router'),
    doc: 'The path prefix the app is mounted under.',
  }),
};
