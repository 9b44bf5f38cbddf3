// Reviews docker-compose.yml and the Dockerfile the way a reader would, without a Docker engine: every
// service the production picture needs is there, starts in the right order, and points at the others by the
// right names, ports, databases and credentials. Each check returns the mistakes it finds; the last block
// feeds each check a deliberately broken copy to prove it can fail.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveTemporalCli } from '../../src/temporal/cli-path.js';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

type EnvValue = string | number | boolean | null;
type PortSpec = string | number | { target: number | string; published?: number | string; host_ip?: string };
type VolumeSpec = string | { type?: string; source?: string; target: string };

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, EnvValue> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: PortSpec[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  volumes?: VolumeSpec[];
  restart?: string;
  container_name?: string;
  deploy?: { replicas?: number };
}

interface Compose {
  services: Record<string, Service>;
}

interface Loaded {
  compose: Compose;
  /** variables referenced without a default: compose would substitute an empty string */
  unresolved: string[];
}

// ---------------------------------------------------------------------------------------------------------
// Loading: YAML with merge keys, then compose's ${VAR} interpolation with an empty environment, so the values
// checked are the ones a plain `docker compose up` gets.

const INTERPOLATION = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

function interpolate(value: unknown, unresolved: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(
      INTERPOLATION,
      (match, braced?: string, op?: string, arg?: string, bare?: string) => {
        if (match === '$$') return '$';
        const name = braced ?? bare ?? '';
        if (op === ':-' || op === '-') return arg ?? '';
        if (op === ':+' || op === '+') return '';
        unresolved.push(name);
        return '';
      },
    );
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, unresolved));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, unresolved)]));
  }
  return value;
}

function loadCompose(): Loaded {
  const raw: unknown = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
  const unresolved: string[] = [];
  // The JSON round trip unshares what YAML aliases share, so a test can break one service at a time.
  const compose = JSON.parse(JSON.stringify(interpolate(raw, unresolved))) as Compose;
  return { compose, unresolved };
}

const readDockerfile = (): string => readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const readDockerignore = (): string => readFileSync(join(ROOT, '.dockerignore'), 'utf8');

// ---------------------------------------------------------------------------------------------------------
// Normalisers for the several spellings compose accepts.

function envOf(service: Service | undefined): Record<string, string> {
  const env = service?.environment;
  if (!env) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const eq = entry.indexOf('=');
        return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** target service -> condition (the short list form means service_started) */
function dependsOn(service: Service | undefined): Record<string, string> {
  const deps = service?.depends_on;
  if (!deps) return {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, 'service_started']));
  return Object.fromEntries(
    Object.entries(deps).map(([name, d]) => [name, d?.condition ?? 'service_started']),
  );
}

function argv(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : value.trim().split(/\s+/);
}

interface Published {
  service: string;
  hostIp: string;
  hostPort: string;
  containerPort: string;
}

function publishedPorts(name: string, service: Service): Published[] {
  const out: Published[] = [];
  for (const spec of service.ports ?? []) {
    if (typeof spec === 'object') {
      if (spec.published !== undefined) {
        out.push({
          service: name,
          hostIp: spec.host_ip ?? '',
          hostPort: String(spec.published),
          containerPort: String(spec.target),
        });
      }
      continue;
    }
    const parts = String(spec)
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    const containerPort = parts.pop() ?? '';
    const hostPort = parts.pop();
    if (hostPort === undefined) continue; // container port only: the engine picks a free host port
    out.push({ service: name, hostIp: parts.join(':'), hostPort, containerPort });
  }
  return out;
}

/** Where a path inside a container comes from on the host, through the service's bind mounts. */
function hostPathOf(service: Service | undefined, containerPath: string): string | undefined {
  for (const volume of service?.volumes ?? []) {
    let source: string | undefined;
    let target: string;
    if (typeof volume === 'string') {
      const [src, tgt] = volume.split(':');
      if (!src || !tgt || !(src.startsWith('.') || src.startsWith('/'))) continue;
      source = src;
      target = tgt;
    } else {
      if (volume.type !== 'bind' || !volume.source) continue;
      source = volume.source;
      target = volume.target;
    }
    const rel = posix.relative(target, containerPath);
    if (rel.startsWith('..') || posix.isAbsolute(rel)) continue;
    return resolve(ROOT, source, rel);
  }
  return undefined;
}

function imageTag(image: string): string | undefined {
  if (image.includes('@sha256:')) return image.slice(image.indexOf('@') + 1);
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon < 0 ? undefined : image.slice(colon + 1);
}

/** Pinned: a digest, or a tag carrying at least major.minor (so `16` or `latest` never drift under us). */
function isPinned(image: string): boolean {
  const tag = imageTag(image);
  if (!tag) return false;
  return tag.startsWith('sha256:') || /^v?\d+\.\d+/.test(tag);
}

function fileExists(path: string | undefined): path is string {
  return path !== undefined && existsSync(path) && statSync(path).isFile();
}

// ---------------------------------------------------------------------------------------------------------
// What this deployment is expected to contain.

const REQUIRED_SERVICES = [
  'postgresql',
  'temporal-schema',
  'temporal',
  'temporal-setup',
  'temporal-ui',
  'api',
  'worker',
];
const APP_SERVICES = ['api', 'worker'] as const;
const SHARED_APP_KEYS = ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE'];
const READY_CONDITIONS = new Set(['service_healthy', 'service_completed_successfully']);
const LONG_RUNNING_RESTARTS = new Set(['always', 'unless-stopped']);
const TEMPORAL_DEFAULT_DATABASES = { DBNAME: 'temporal', VISIBILITY_DBNAME: 'temporal_visibility' };

/** Edges whose readiness matters: [dependent, dependency, condition]. */
const STARTUP_ORDER: [string, string, string][] = [
  ['temporal-schema', 'postgresql', 'service_healthy'],
  ['temporal', 'temporal-schema', 'service_completed_successfully'],
  ['temporal-setup', 'temporal', 'service_healthy'],
  ['temporal-ui', 'temporal', 'service_healthy'],
  ['api', 'postgresql', 'service_healthy'],
  ['api', 'temporal-setup', 'service_completed_successfully'],
  ['worker', 'postgresql', 'service_healthy'],
  ['worker', 'temporal-setup', 'service_completed_successfully'],
];

/** The environment variables the service reads, from the zod schema in src/config.ts. */
function configKeys(): Set<string> {
  const source = readFileSync(join(ROOT, 'src/config.ts'), 'utf8');
  return new Set([...source.matchAll(/^\s+([A-Z][A-Z0-9_]+):\s*z\./gm)].map((m) => m[1] ?? ''));
}

// ---------------------------------------------------------------------------------------------------------
// Checks. Each returns a list of mistakes, empty when the wiring is right.

function checkServicesPresent({ services }: Compose): string[] {
  return REQUIRED_SERVICES.filter((name) => !services[name]).map((name) => `service "${name}" is missing`);
}

function checkInterpolation(unresolved: string[]): string[] {
  return [...new Set(unresolved)].map(
    (name) => `\${${name}} has no default: a plain \`docker compose up\` substitutes an empty string`,
  );
}

function checkDependsOn({ services }: Compose): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(services)) {
    for (const [target, condition] of Object.entries(dependsOn(service))) {
      const dep = services[target];
      if (!dep) {
        problems.push(`${name} depends on undeclared service "${target}"`);
        continue;
      }
      if (!READY_CONDITIONS.has(condition)) {
        problems.push(`${name} -> ${target} uses ${condition}: it starts before ${target} is ready`);
      }
      if (condition === 'service_healthy' && (!dep.healthcheck?.test || dep.healthcheck.disable)) {
        problems.push(`${name} waits for ${target} to be healthy, but ${target} has no healthcheck`);
      }
      if (condition === 'service_completed_successfully' && LONG_RUNNING_RESTARTS.has(dep.restart ?? '')) {
        problems.push(`${name} waits for ${target} to complete, but ${target} restarts ${dep.restart}`);
      }
    }
  }
  // A cycle would leave every service in it waiting forever.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      problems.push(`depends_on cycle: ${[...path, name].join(' -> ')}`);
      return;
    }
    state.set(name, 'visiting');
    for (const target of Object.keys(dependsOn(services[name]))) {
      if (services[target]) visit(target, [...path, name]);
    }
    state.set(name, 'done');
  };
  for (const name of Object.keys(services)) visit(name, []);
  return problems;
}

function checkStartupOrder({ services }: Compose): string[] {
  return STARTUP_ORDER.flatMap(([dependent, dependency, condition]) => {
    const actual = dependsOn(services[dependent])[dependency];
    return actual === condition
      ? []
      : [`${dependent} must wait for ${dependency} (${condition}), has ${actual}`];
  });
}

function checkSharedAppConfig({ services }: Compose): string[] {
  const [api, worker] = APP_SERVICES.map((name) => envOf(services[name]));
  return SHARED_APP_KEYS.flatMap((key) => {
    const a = api?.[key];
    const w = worker?.[key];
    if (!a || !w) return [`${key} must be set on api and worker (api: ${a}, worker: ${w})`];
    return a === w ? [] : [`${key} differs: api "${a}", worker "${w}"`];
  });
}

function checkAppEnvKnown({ services }: Compose): string[] {
  const known = configKeys();
  if (known.size === 0) return ['found no environment variables in src/config.ts'];
  return APP_SERVICES.flatMap((name) =>
    Object.keys(envOf(services[name]))
      .filter((key) => !known.has(key))
      .map((key) => `${name} sets ${key}, which src/config.ts does not read`),
  );
}

function checkTemporalAddress({ services }: Compose): string[] {
  const problems: string[] = [];
  const address = envOf(services.api).TEMPORAL_ADDRESS ?? '';
  const [host, port] = address.split(':');
  const server = host ? services[host] : undefined;
  if (!server?.image?.startsWith('temporalio/server')) {
    problems.push(`TEMPORAL_ADDRESS host "${host}" is not the Temporal server service`);
  } else {
    const serverEnv = envOf(server);
    const grpcPort = serverEnv.FRONTEND_GRPC_PORT ?? '7233';
    if (port !== grpcPort)
      problems.push(`TEMPORAL_ADDRESS port ${port} is not the frontend gRPC port ${grpcPort}`);
    if (serverEnv.BIND_ON_IP !== '0.0.0.0') {
      problems.push(
        `${host} binds ${serverEnv.BIND_ON_IP ?? '127.0.0.1 (default)'}: other containers cannot reach it`,
      );
    }
    if (!argv(server.healthcheck?.test).join(' ').includes(grpcPort)) {
      problems.push(`${host}'s healthcheck does not probe the frontend port ${grpcPort}`);
    }
  }
  // Everything that talks to Temporal talks to the same frontend and namespace as the app.
  const namespace = envOf(services.api).TEMPORAL_NAMESPACE;
  for (const name of ['worker', 'temporal-setup', 'temporal-ui']) {
    const env = envOf(services[name]);
    if (env.TEMPORAL_ADDRESS !== address)
      problems.push(`${name} TEMPORAL_ADDRESS "${env.TEMPORAL_ADDRESS}" != "${address}"`);
  }
  const setupNamespace = envOf(services['temporal-setup']).TEMPORAL_NAMESPACE;
  if (setupNamespace !== namespace)
    problems.push(`temporal-setup prepares "${setupNamespace}", the app uses "${namespace}"`);
  const uiNamespace = envOf(services['temporal-ui']).TEMPORAL_DEFAULT_NAMESPACE;
  if (uiNamespace !== undefined && uiNamespace !== namespace) {
    problems.push(`temporal-ui opens "${uiNamespace}", the app uses "${namespace}"`);
  }
  return problems;
}

function checkDatabaseUrl({ services }: Compose): string[] {
  const problems: string[] = [];
  let url: URL;
  try {
    url = new URL(envOf(services.api).DATABASE_URL ?? '');
  } catch {
    return [`DATABASE_URL "${envOf(services.api).DATABASE_URL}" is not a URL`];
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    problems.push(`DATABASE_URL scheme ${url.protocol}`);
  const db = services[url.hostname];
  if (!db?.image?.startsWith('postgres:')) {
    return [...problems, `DATABASE_URL host "${url.hostname}" is not the PostgreSQL service`];
  }
  if ((url.port || '5432') !== '5432')
    problems.push(`DATABASE_URL port ${url.port}: PostgreSQL listens on 5432`);

  const dbEnv = envOf(db);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  if (name !== dbEnv.HINDSIGHT_DB_NAME)
    problems.push(`DATABASE_URL database "${name}" is not the one created for the app`);
  if (user !== dbEnv.HINDSIGHT_DB_USER) problems.push(`DATABASE_URL user "${user}" is not the app's role`);
  if (password !== dbEnv.HINDSIGHT_DB_PASSWORD)
    problems.push('DATABASE_URL password is not the app role password');

  // The app keeps out of Temporal's databases and does not run as Temporal's superuser.
  const temporalEnv = envOf(services.temporal);
  const temporalDbs = [
    temporalEnv.DBNAME ?? TEMPORAL_DEFAULT_DATABASES.DBNAME,
    temporalEnv.VISIBILITY_DBNAME ?? TEMPORAL_DEFAULT_DATABASES.VISIBILITY_DBNAME,
  ];
  if (temporalDbs.includes(name)) problems.push(`DATABASE_URL uses Temporal's database "${name}"`);
  if (user === dbEnv.POSTGRES_USER) problems.push(`DATABASE_URL connects as the superuser "${user}"`);

  // Something has to create that database and role: an init script mounted into the postgres image.
  const initDir = hostPathOf(db, '/docker-entrypoint-initdb.d');
  if (!initDir || !existsSync(initDir)) {
    problems.push('no init script directory is mounted at /docker-entrypoint-initdb.d');
  } else {
    const scripts = readdirSync(initDir).map((f) => readFileSync(join(initDir, f), 'utf8'));
    const creates = scripts.some(
      (s) =>
        /CREATE DATABASE/i.test(s) && ['HINDSIGHT_DB_NAME', 'HINDSIGHT_DB_USER'].every((v) => s.includes(v)),
    );
    if (!creates)
      problems.push('the postgres init scripts do not create the app database from HINDSIGHT_DB_*');
  }
  return problems;
}

function checkTemporalPersistence({ services }: Compose): string[] {
  const problems: string[] = [];
  const server = envOf(services.temporal);
  const schema = envOf(services['temporal-schema']);
  const pg = envOf(services.postgresql);
  if (server.DB !== 'postgres12' && server.DB !== 'postgres12_pgx') problems.push(`temporal DB=${server.DB}`);
  if (server.POSTGRES_SEEDS !== 'postgresql')
    problems.push(`temporal POSTGRES_SEEDS=${server.POSTGRES_SEEDS}`);
  if ((server.ENABLE_ES ?? 'false').toLowerCase() === 'true')
    problems.push('temporal uses Elasticsearch visibility');
  if (server.POSTGRES_USER !== pg.POSTGRES_USER || server.POSTGRES_PWD !== pg.POSTGRES_PASSWORD) {
    problems.push("temporal's PostgreSQL credentials are not the postgresql service's");
  }
  for (const key of ['DB', 'POSTGRES_SEEDS', 'POSTGRES_USER', 'DB_PORT']) {
    if (schema[key] !== server[key])
      problems.push(`temporal-schema ${key}=${schema[key]}, temporal has ${server[key]}`);
  }
  if (schema.SQL_PASSWORD !== server.POSTGRES_PWD)
    problems.push('temporal-schema SQL_PASSWORD is not the server password');
  for (const [key, fallback] of Object.entries(TEMPORAL_DEFAULT_DATABASES)) {
    if ((schema[key] ?? fallback) !== (server[key] ?? fallback)) {
      problems.push(
        `temporal-schema prepares ${key}=${schema[key] ?? fallback}, temporal uses ${server[key] ?? fallback}`,
      );
    }
  }

  // The dynamic config path is relative to the image's /etc/temporal and must come from a mounted file.
  const dynamicConfig = server.DYNAMIC_CONFIG_FILE_PATH;
  if (!dynamicConfig) {
    problems.push('temporal has no DYNAMIC_CONFIG_FILE_PATH');
  } else {
    const hostPath = hostPathOf(services.temporal, posix.resolve('/etc/temporal', dynamicConfig));
    if (!fileExists(hostPath))
      problems.push(`dynamic config ${dynamicConfig} is not a file mounted from the repo`);
    else parse(readFileSync(hostPath, 'utf8'));
  }
  return problems;
}

/** The script a one-shot job runs, as a host path through its mounts. */
function jobScript(service: Service | undefined): string | undefined {
  const script = [...argv(service?.entrypoint), ...argv(service?.command)].find((arg) => arg.endsWith('.sh'));
  return script ? hostPathOf(service, script) : undefined;
}

function checkJobScripts({ services }: Compose): string[] {
  return ['temporal-schema', 'temporal-setup'].flatMap((name) =>
    fileExists(jobScript(services[name])) ? [] : [`${name} runs a script that is not mounted from the repo`],
  );
}

function checkSearchAttributes({ services }: Compose): string[] {
  const problems: string[] = [];
  const setup = services['temporal-setup'];
  const pairs = (envOf(setup).SEARCH_ATTRIBUTES ?? '').split(/\s+/).filter(Boolean);
  const registered = new Map(pairs.map((pair) => pair.split('=') as [string, string]));
  const expected = new Map(SEARCH_ATTRIBUTES.map((sa) => [sa.name, sa.type as string]));
  const names = (m: Map<string, string>) => [...m.keys()].sort().join(', ');
  if (names(registered) !== names(expected) || registered.size !== pairs.length) {
    problems.push(`temporal-setup registers [${names(registered)}], the app sets [${names(expected)}]`);
  }
  for (const [name, type] of expected) {
    const actual = registered.get(name);
    if (actual && actual.toLowerCase() !== type.toLowerCase())
      problems.push(`${name} registered as ${actual}, not ${type}`);
  }
  const script = jobScript(setup);
  if (fileExists(script)) {
    const text = readFileSync(script, 'utf8');
    if (!text.includes('search-attribute create') || !text.includes('$SEARCH_ATTRIBUTES')) {
      problems.push("temporal-setup's script does not register $SEARCH_ATTRIBUTES");
    }
  }
  return problems;
}

function checkPorts({ services }: Compose): string[] {
  const problems: string[] = [];
  const all = Object.entries(services).flatMap(([name, s]) => publishedPorts(name, s));
  const wildcard = (ip: string) => ip === '' || ip === '0.0.0.0';
  all.forEach((a, i) => {
    for (const b of all.slice(i + 1)) {
      if (a.hostPort === b.hostPort && (a.hostIp === b.hostIp || wildcard(a.hostIp) || wildcard(b.hostIp))) {
        problems.push(`host port ${a.hostPort} is published by both ${a.service} and ${b.service}`);
      }
    }
  });
  // Replicas of one service cannot share a fixed host port or a container name.
  const worker = services.worker;
  if (worker) {
    if (publishedPorts('worker', worker).length > 0)
      problems.push('worker publishes a fixed host port: it cannot scale');
    if (worker.container_name) problems.push('worker sets container_name: it cannot scale');
  }
  return problems;
}

// API keys default to empty, and the API and the UI can cancel or terminate work: published on every interface
// they would hand that to anyone on the network.
function checkLoopbackOnly({ services }: Compose): string[] {
  return Object.entries(services)
    .flatMap(([name, s]) => publishedPorts(name, s))
    .filter((p) => p.hostIp !== '127.0.0.1')
    .map((p) => `${p.service} publishes host port ${p.hostPort} on ${p.hostIp || 'every interface'}`);
}

/** The UI version inside the pinned Temporal CLI (`temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)`). */
function devServerUiVersion(): string {
  const cli = resolveTemporalCli(process.env.TEMPORAL_CLI_PATH);
  if (!cli) throw new Error('no Temporal CLI to read the UI version from');
  const version = /\bUI (\d+\.\d+\.\d+)/.exec(execFileSync(cli.path, ['--version'], { encoding: 'utf8' }));
  if (!version) throw new Error('the Temporal CLI did not name its UI version');
  return version[1]!;
}

function checkUiVersion({ services }: Compose, expected: string): string[] {
  const tag = imageTag(services['temporal-ui']?.image ?? '');
  return tag === expected ? [] : [`temporal-ui runs UI ${tag}; the embedded dev server's UI is ${expected}`];
}

function checkApiHealth({ services }: Compose): string[] {
  const problems: string[] = [];
  const api = services.api;
  const env = envOf(api);
  const port = env.HINDSIGHT_PORT ?? '8888';
  if (env.HINDSIGHT_HOST !== '0.0.0.0')
    problems.push(`api listens on ${env.HINDSIGHT_HOST ?? '127.0.0.1'} inside its container`);
  const probe = argv(api?.healthcheck?.test).join(' ');
  if (!/\/health\b/.test(probe)) problems.push('api healthcheck does not request /health');
  if (!probe.includes(`:${port}/`)) problems.push(`api healthcheck does not target port ${port}`);
  if (!publishedPorts('api', api ?? {}).some((p) => p.containerPort === port)) {
    problems.push(`api does not publish its port ${port}`);
  }
  return problems;
}

/** A command runs `… <file.ts> <role>` and the file is in the repo. */
function checkRoleCommand(where: string, args: string[], role: string): string[] {
  const problems: string[] = [];
  const entry = args.find((arg) => arg.endsWith('.ts'));
  if (!entry) problems.push(`${where} runs no TypeScript entry point: ${args.join(' ')}`);
  else if (!fileExists(join(ROOT, entry))) problems.push(`${where} runs ${entry}, which is not in the repo`);
  if (!args.includes('tsx')) problems.push(`${where} does not run through tsx: ${args.join(' ')}`);
  if (args.at(-1) !== role) problems.push(`${where} starts role "${args.at(-1)}", expected "${role}"`);
  return problems;
}

function checkAppCommands({ services }: Compose): string[] {
  const problems = APP_SERVICES.flatMap((name) =>
    checkRoleCommand(
      `compose ${name}`,
      [...argv(services[name]?.entrypoint), ...argv(services[name]?.command)],
      name,
    ),
  );
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  if (!pkg.dependencies?.tsx)
    problems.push('tsx is not a runtime dependency: npm ci --omit=dev leaves it out');
  return problems;
}

function checkPinnedImages({ services }: Compose): string[] {
  return Object.entries(services).flatMap(([name, s]) => {
    if (!s.image)
      return s.build ? [`${name} builds an image without naming and tagging it`] : [`${name} has no image`];
    return isPinned(s.image) ? [] : [`${name} image ${s.image} is not pinned to a version`];
  });
}

interface Instruction {
  op: string;
  args: string;
}

function dockerStages(text: string): Instruction[][] {
  const stages: Instruction[][] = [];
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  for (const line of logical) {
    const [op = '', ...rest] = line.split(/\s+/);
    const instruction = { op: op.toUpperCase(), args: rest.join(' ') };
    if (instruction.op === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

function ignoredByDockerignore(path: string, ignore: string): boolean {
  const normalised = path.replace(/^\.\//, '').replace(/\/$/, '');
  return ignore
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#') && !line.startsWith('!'))
    .some((pattern) => {
      const p = pattern.replace(/^\//, '').replace(/\/$/, '');
      if (p.startsWith('**/')) return normalised.split('/').includes(p.slice(3));
      return normalised === p || normalised.startsWith(`${p}/`);
    });
}

function checkDockerfile(text: string, dockerignore: string): string[] {
  const problems: string[] = [];
  const stages = dockerStages(text);
  const final = stages.at(-1) ?? [];
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const postinstallFile = pkg.scripts?.postinstall?.match(/node\s+(\S+)/)?.[1];

  for (const stage of stages) {
    const image = stage[0]?.args.split(/\s+/).find((arg) => !arg.startsWith('--')) ?? '';
    if (!isPinned(image)) problems.push(`FROM ${image} is not pinned to a version`);
    if (!image.startsWith('node:20')) problems.push(`FROM ${image} is not Node 20`);
  }

  for (const [index, instruction] of stages.flat().entries()) {
    if (instruction.op !== 'COPY' || instruction.args.includes('--from=')) continue;
    const parts = instruction.args.split(/\s+/).filter((arg) => !arg.startsWith('--'));
    for (const source of parts.slice(0, -1)) {
      if (!existsSync(join(ROOT, source)))
        problems.push(`COPY ${source}: not in the repo (instruction ${index})`);
      else if (ignoredByDockerignore(source, dockerignore))
        problems.push(`COPY ${source}: excluded by .dockerignore`);
    }
  }

  const installStage = stages.find((stage) => stage.some((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args)));
  if (!installStage) {
    problems.push('no stage runs npm ci');
  } else {
    const at = installStage.findIndex((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
    const before = installStage.slice(0, at);
    const install = installStage[at]?.args ?? '';
    if (!install.includes('--omit=dev')) problems.push('npm ci does not omit dev dependencies');
    const skipsTemporal = (i: Instruction) =>
      (i.op === 'ENV' || i.op === 'RUN') && /HINDSIGHT_SKIP_TEMPORAL_INSTALL[= ]1/.test(i.args);
    if (!before.some(skipsTemporal) && !/HINDSIGHT_SKIP_TEMPORAL_INSTALL=1/.test(install)) {
      problems.push(
        'npm ci runs without HINDSIGHT_SKIP_TEMPORAL_INSTALL=1: postinstall would fetch a Temporal CLI',
      );
    }
    if (postinstallFile) {
      const copied = before
        .filter((i) => i.op === 'COPY')
        .flatMap((i) =>
          i.args
            .split(/\s+/)
            .filter((a) => !a.startsWith('--'))
            .slice(0, -1),
        )
        .some((src) => {
          const s = src.replace(/^\.\//, '').replace(/\/$/, '');
          return postinstallFile === s || postinstallFile.startsWith(`${s}/`) || s === '.';
        });
      if (!copied)
        problems.push(`npm ci runs postinstall (${postinstallFile}) before that file is copied in`);
    }
  }

  const user = final.filter((i) => i.op === 'USER').at(-1)?.args;
  if (!user || user === 'root' || user === '0') problems.push('the final stage runs as root');
  if (!final.some((i) => i.op === 'EXPOSE' && i.args.split(/\s+/).includes('8888')))
    problems.push('EXPOSE 8888 missing');

  const cmd = final.filter((i) => i.op === 'CMD').at(-1)?.args;
  const entrypoint = final.filter((i) => i.op === 'ENTRYPOINT').at(-1)?.args;
  let args: string[] = [];
  try {
    args = [
      ...(entrypoint ? (JSON.parse(entrypoint) as string[]) : []),
      ...(cmd ? (JSON.parse(cmd) as string[]) : []),
    ];
  } catch {
    problems.push('CMD/ENTRYPOINT are not in exec (JSON array) form: signals would go to a shell');
  }
  problems.push(...checkRoleCommand('Dockerfile CMD', args, 'api'));
  return problems;
}

// ---------------------------------------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  const { compose, unresolved } = loadCompose();

  it('declares every service of the production picture', () => {
    expect(checkServicesPresent(compose)).toEqual([]);
  });

  it('gives every variable it interpolates a default', () => {
    expect(checkInterpolation(unresolved)).toEqual([]);
  });

  it('depends only on declared services, waiting for health or completion, without cycles', () => {
    expect(checkDependsOn(compose)).toEqual([]);
  });

  it('starts schema, server, namespace setup, then api and worker, in that order', () => {
    expect(checkStartupOrder(compose)).toEqual([]);
  });

  it('gives api and worker the same database, Temporal address, namespace and task queue', () => {
    expect(checkSharedAppConfig(compose)).toEqual([]);
  });

  it('sets only environment variables the service reads', () => {
    expect(checkAppEnvKnown(compose)).toEqual([]);
  });

  it('points TEMPORAL_ADDRESS at the Temporal frontend, reachable from other containers', () => {
    expect(checkTemporalAddress(compose)).toEqual([]);
  });

  it("points DATABASE_URL at the app's own database on the PostgreSQL service", () => {
    expect(checkDatabaseUrl(compose)).toEqual([]);
  });

  it('runs Temporal on PostgreSQL with SQL visibility and a mounted dynamic config', () => {
    expect(checkTemporalPersistence(compose)).toEqual([]);
  });

  it('runs setup scripts that are mounted from the repo', () => {
    expect(checkJobScripts(compose)).toEqual([]);
  });

  it('registers exactly the search attributes the workflows set', () => {
    expect(SEARCH_ATTRIBUTES.length).toBeGreaterThan(0);
    expect(checkSearchAttributes(compose)).toEqual([]);
  });

  it('publishes no host port twice and keeps the worker scalable', () => {
    expect(checkPorts(compose)).toEqual([]);
  });

  it('publishes its ports on 127.0.0.1 only', () => {
    expect(checkLoopbackOnly(compose)).toEqual([]);
  });

  it("runs the UI version of the embedded dev server's UI", () => {
    expect(checkUiVersion(compose, devServerUiVersion())).toEqual([]);
  });

  it('health-checks the api on /health at the port it listens on', () => {
    expect(checkApiHealth(compose)).toEqual([]);
  });

  it('runs src/main.ts through tsx in the api and worker roles', () => {
    expect(checkAppCommands(compose)).toEqual([]);
  });

  it('pins every image to a version', () => {
    expect(checkPinnedImages(compose)).toEqual([]);
  });
});

describe('Dockerfile', () => {
  it('installs runtime dependencies only, copies files that exist, runs the api as a non-root user', () => {
    expect(checkDockerfile(readDockerfile(), readDockerignore())).toEqual([]);
  });
});

describe('the checks catch the wiring mistakes they exist for', () => {
  type Mutation = [string, (c: Compose) => void, (c: Compose) => string[]];
  const svc = (c: Compose, name: string): Service => {
    const s = c.services[name];
    if (!s) throw new Error(`no service ${name}`);
    return s;
  };
  const setEnv = (c: Compose, name: string, key: string, value: string | undefined) => {
    const env = envOf(svc(c, name));
    if (value === undefined) delete env[key];
    else env[key] = value;
    svc(c, name).environment = env;
  };
  const mutations: Mutation[] = [
    ['a missing service', (c) => delete c.services['temporal-ui'], checkServicesPresent],
    [
      'a dependency on a misspelt service',
      (c) => (svc(c, 'api').depends_on = ['temporal-setpu']),
      checkDependsOn,
    ],
    [
      'waiting only for the container to start',
      (c) => (svc(c, 'worker').depends_on = ['postgresql']),
      checkDependsOn,
    ],
    [
      'waiting for health of a service without a healthcheck',
      (c) => delete svc(c, 'temporal').healthcheck,
      checkDependsOn,
    ],
    [
      'waiting for a long-running service to complete',
      (c) => (svc(c, 'temporal-setup').restart = 'always'),
      checkDependsOn,
    ],
    [
      'a dependency cycle',
      (c) => (svc(c, 'postgresql').depends_on = { api: { condition: 'service_healthy' } }),
      checkDependsOn,
    ],
    ['the api not waiting for namespace setup', (c) => (svc(c, 'api').depends_on = {}), checkStartupOrder],
    [
      'a worker on another task queue',
      (c) => setEnv(c, 'worker', 'TEMPORAL_TASK_QUEUE', 'other'),
      checkSharedAppConfig,
    ],
    [
      'a worker without DATABASE_URL',
      (c) => setEnv(c, 'worker', 'DATABASE_URL', undefined),
      checkSharedAppConfig,
    ],
    ['a misspelt variable', (c) => setEnv(c, 'api', 'TEMPORAL_ADRESS', 'temporal:7233'), checkAppEnvKnown],
    [
      'TEMPORAL_ADDRESS on localhost',
      (c) => setEnv(c, 'api', 'TEMPORAL_ADDRESS', 'localhost:7233'),
      checkTemporalAddress,
    ],
    [
      'TEMPORAL_ADDRESS on the UI port',
      (c) => setEnv(c, 'api', 'TEMPORAL_ADDRESS', 'temporal:8233'),
      checkTemporalAddress,
    ],
    [
      'a server bound to loopback',
      (c) => setEnv(c, 'temporal', 'BIND_ON_IP', undefined),
      checkTemporalAddress,
    ],
    [
      'the UI on another namespace',
      (c) => setEnv(c, 'temporal-ui', 'TEMPORAL_DEFAULT_NAMESPACE', 'x'),
      checkTemporalAddress,
    ],
    [
      'DATABASE_URL on localhost',
      (c) => setEnv(c, 'api', 'DATABASE_URL', 'postgres://hindsight:hindsight@localhost:5432/hindsight'),
      checkDatabaseUrl,
    ],
    [
      "DATABASE_URL into Temporal's database",
      (c) => setEnv(c, 'api', 'DATABASE_URL', 'postgres://temporal:temporal@postgresql:5432/temporal'),
      checkDatabaseUrl,
    ],
    ['the app database never created', (c) => (svc(c, 'postgresql').volumes = []), checkDatabaseUrl],
    [
      'Temporal on Elasticsearch visibility',
      (c) => setEnv(c, 'temporal', 'ENABLE_ES', 'true'),
      checkTemporalPersistence,
    ],
    [
      'a schema job on another host',
      (c) => setEnv(c, 'temporal-schema', 'POSTGRES_SEEDS', 'db'),
      checkTemporalPersistence,
    ],
    ['an unmounted dynamic config', (c) => (svc(c, 'temporal').volumes = []), checkTemporalPersistence],
    ['an unmounted setup script', (c) => (svc(c, 'temporal-setup').volumes = []), checkJobScripts],
    [
      'a search attribute left out',
      (c) =>
        setEnv(
          c,
          'temporal-setup',
          'SEARCH_ATTRIBUTES',
          'HindsightBankId=Keyword HindsightOperationType=Keyword',
        ),
      checkSearchAttributes,
    ],
    [
      'a search attribute of the wrong type',
      (c) => {
        const all = SEARCH_ATTRIBUTES.map((sa, i) => `${sa.name}=${i === 0 ? 'Int' : sa.type}`).join(' ');
        setEnv(c, 'temporal-setup', 'SEARCH_ATTRIBUTES', all);
      },
      checkSearchAttributes,
    ],
    ['two services on one host port', (c) => (svc(c, 'temporal-ui').ports = ['8888:8080']), checkPorts],
    ['a worker with a fixed host port', (c) => (svc(c, 'worker').ports = ['9000:9000']), checkPorts],
    ['the API on every interface', (c) => (svc(c, 'api').ports = ['8888:8888']), checkLoopbackOnly],
    [
      'the UI on every interface',
      (c) => (svc(c, 'temporal-ui').ports = [{ target: 8080, published: 8080 }]),
      checkLoopbackOnly,
    ],
    [
      "a UI older than the dev server's",
      (c) => (svc(c, 'temporal-ui').image = 'temporalio/ui:2.34.0'),
      (c) => checkUiVersion(c, devServerUiVersion()),
    ],
    [
      'a healthcheck on the wrong path',
      (c) => (svc(c, 'api').healthcheck = { test: ['CMD', 'curl', '-f', 'http://127.0.0.1:8888/healthz'] }),
      checkApiHealth,
    ],
    ['an api bound to loopback', (c) => setEnv(c, 'api', 'HINDSIGHT_HOST', '127.0.0.1'), checkApiHealth],
    [
      'a command naming a missing file',
      (c) => (svc(c, 'worker').command = 'npx tsx src/mian.ts worker'),
      checkAppCommands,
    ],
    [
      'a worker started in the api role',
      (c) => (svc(c, 'worker').command = 'npx tsx src/main.ts api'),
      checkAppCommands,
    ],
    ['an unpinned image', (c) => (svc(c, 'postgresql').image = 'postgres:latest'), checkPinnedImages],
    ['a major-only tag', (c) => (svc(c, 'temporal-ui').image = 'temporalio/ui:2'), checkPinnedImages],
  ];

  it.each(mutations)('%s', (_name, mutate, check) => {
    const { compose } = loadCompose();
    expect(check(compose)).toEqual([]);
    mutate(compose);
    expect(check(compose).length).toBeGreaterThan(0);
  });

  it('a variable interpolated without a default', () => {
    expect(checkInterpolation(['HINDSIGHT_DB_PASSWORD'])).not.toEqual([]);
  });

  const dockerfileMutations: [string, (text: string) => string][] = [
    ['dev dependencies installed', (t) => t.replace('npm ci --omit=dev', 'npm ci')],
    ['the Temporal CLI download left on', (t) => t.replace(/^ENV HINDSIGHT_SKIP_TEMPORAL_INSTALL=1$/m, '')],
    ['postinstall script not copied before npm ci', (t) => t.replace(/^COPY scripts\/ \.\/scripts\/$/m, '')],
    ['running as root', (t) => t.replace(/^USER node$/m, '')],
    ['a CMD naming a missing file', (t) => t.replace('"src/main.ts", "api"', '"src/mian.ts", "api"')],
    ['a CMD in shell form', (t) => t.replace(/^CMD .*$/m, 'CMD node --import tsx src/main.ts api')],
    ['an unpinned base image', (t) => t.replace(/^FROM node:\S+$/m, 'FROM node:latest')],
    ['a COPY of a missing directory', (t) => t.replace('COPY src/ ./src/', 'COPY source/ ./src/')],
  ];

  it.each(dockerfileMutations)('Dockerfile: %s', (_name, mutate) => {
    const text = readDockerfile();
    const mutated = mutate(text);
    expect(mutated).not.toBe(text);
    expect(checkDockerfile(mutated, readDockerignore()).length).toBeGreaterThan(
      checkDockerfile(text, readDockerignore()).length,
    );
  });

  it('Dockerfile: a COPY source excluded by .dockerignore', () => {
    const text = readDockerfile();
    expect(checkDockerfile(text, `${readDockerignore()}\nsrc\n`).length).toBeGreaterThan(
      checkDockerfile(text, readDockerignore()).length,
    );
  });
});
