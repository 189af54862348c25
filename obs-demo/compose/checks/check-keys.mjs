// Copyright The obs4j Authors
// SPDX-License-Identifier: Apache-2.0
//
// Parses the configuration files of the obs-demo compose stack that no server here can load
// (Grafana, Jaeger, Logstash, Elasticsearch, Kibana, compose) and asserts the keys the stack
// depends on, plus the references between files (data source uids, dashboard links, mounts).
// Prints one "PASS name" or "FAIL name: reason" line per check; exits 1 when any check failed.
// Usage: node checks/check-keys.mjs [compose-dir]   (default: the parent of this file's folder)

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';

const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
let failures = 0;

/** Runs fn; PASS when it returns without throwing, FAIL with the error message otherwise. */
function check(name, fn) {
  try {
    fn();
    console.log(`PASS ${name}`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}: ${e instanceof Error ? e.message : e}`);
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

const file = (rel) => path.join(root, rel);
const exists = (rel) => fs.existsSync(file(rel));
function read(rel) {
  assert(exists(rel), `${rel} is missing`);
  return fs.readFileSync(file(rel), 'utf8');
}
function readYaml(rel) {
  try {
    return yaml.load(read(rel), { filename: rel });
  } catch (e) {
    throw new Error(`${rel}: ${e.message.split('\n')[0]}`);
  }
}
function readJson(rel) {
  try {
    return JSON.parse(read(rel));
  } catch (e) {
    throw new Error(`${rel}: ${e.message}`);
  }
}
/** Files of a folder (relative to root) whose names end with one of exts, sorted. */
function list(dir, ...exts) {
  if (!exists(dir)) return [];
  return fs.readdirSync(file(dir))
    .filter((n) => exts.some((x) => n.endsWith(x)))
    .sort()
    .map((n) => `${dir}/${n}`);
}
const asArray = (v) => (v == null ? [] : Array.isArray(v) ? v : [v]);
const fmt = (v) => JSON.stringify(v);

// ---------------------------------------------------------------- compose files
const composeFile = 'docker-compose.yml';
const hostFile = 'docker-compose.host.yml';
let compose = null;
let composeError = null;
try {
  compose = readYaml(composeFile);
} catch (e) {
  composeError = e;
}
const services = () => {
  if (composeError) throw composeError;
  assert(compose && typeof compose.services === 'object', `${composeFile}: no services`);
  return compose.services;
};
const service = (name) => {
  const s = services()[name];
  assert(s, `${composeFile}: no service ${name}`);
  return s;
};
/** The command of a service as a list of words. */
const words = (cmd) => (Array.isArray(cmd) ? cmd.map(String) : typeof cmd === 'string' ? cmd.split(/\s+/) : []);
/** A flag's value in a command: --flag=value or --flag value. */
function flagValue(cmd, flag) {
  const w = words(cmd);
  for (let i = 0; i < w.length; i++) {
    if (w[i].startsWith(`${flag}=`)) return w[i].slice(flag.length + 1);
    if (w[i] === flag && i + 1 < w.length) return w[i + 1];
  }
  return undefined;
}
/** Bind mounts, configs and secrets of a service as [{source (relative to root), target}]. */
function mounts(svc) {
  const out = [];
  for (const v of asArray(svc.volumes)) {
    if (typeof v === 'string') {
      const [source, target] = v.split(':');
      if (target && /^[.~/]/.test(source)) out.push({ source, target });
    } else if (v && v.type === 'bind') {
      out.push({ source: v.source, target: v.target });
    }
  }
  for (const [kind, defaultDir] of [['configs', '/'], ['secrets', '/run/secrets/']]) {
    const top = (compose && compose[kind]) || {};
    for (const c of asArray(svc[kind])) {
      const name = typeof c === 'string' ? c : c.source;
      const target = typeof c === 'string' || !c.target ? `${defaultDir}${name}` : c.target;
      const def = top[name];
      if (def && def.file) out.push({ source: def.file, target: target.startsWith('/') ? target : `/run/secrets/${target}` });
    }
  }
  return out.map((m) => ({ source: path.normalize(m.source.replace(/^\.\//, '')), target: path.posix.normalize(m.target) }));
}
/** The local path (relative to root) that a container path of a service comes from, or undefined. */
function localPath(svc, containerPath) {
  const p = path.posix.normalize(containerPath);
  let best;
  for (const m of mounts(svc)) {
    if (p === m.target || p.startsWith(`${m.target.replace(/\/$/, '')}/`)) {
      if (!best || m.target.length > best.target.length) best = m;
    }
  }
  return best && path.normalize(path.join(best.source, path.posix.relative(best.target, p)));
}
/** Checks that the container path of service svcName is mounted from a local file that exists. */
function assertMountedFile(svcName, containerPath, { mayBeMissing = false } = {}) {
  const local = localPath(service(svcName), containerPath);
  assert(local, `${composeFile}: ${svcName} mounts nothing at ${containerPath}`);
  assert(mayBeMissing || exists(local), `${composeFile}: ${svcName}'s ${containerPath} comes from ${local}, which is missing`);
  return local;
}

check(`${composeFile}: the fixed service names exist`, () => {
  const names = ['demo', 'jaeger', 'prometheus', 'alertmanager', 'grafana', 'elasticsearch', 'logstash', 'kibana', 'kibana-setup'];
  const missing = names.filter((n) => !services()[n]);
  assert(missing.length === 0, `missing services: ${missing.join(', ')}`);
});

check(`${composeFile}: every image tag is pinned (no latest)`, () => {
  const bad = Object.entries(services())
    .filter(([, s]) => s.image)
    .filter(([, s]) => {
      const image = String(s.image);
      const tag = image.includes('@') ? 'digest' : image.split('/').pop().split(':')[1];
      return !tag || tag === 'latest';
    })
    .map(([n, s]) => `${n}: ${s.image}`);
  assert(bad.length === 0, bad.join('; '));
});

function publishes(svc, port, protocol) {
  return asArray(svc.ports).some((p) => {
    if (typeof p === 'object' && p) {
      return String(p.published) === String(port) && String(p.target) === String(port) && (p.protocol ?? 'tcp') === protocol;
    }
    const m = String(p).match(/^(?:[\d.]+:)?(\d+):(\d+)(?:\/(tcp|udp))?$/);
    return m && m[1] === String(port) && m[2] === String(port) && (m[3] ?? 'tcp') === protocol;
  });
}

check(`${composeFile}: jaeger publishes 6831:6831/udp`, () => {
  assert(publishes(service('jaeger'), 6831, 'udp'), `jaeger ports: ${fmt(service('jaeger').ports)}`);
});

check(`${composeFile}: the documented ports are published`, () => {
  const want = { jaeger: [16686, 4317, 4318], prometheus: [9090], alertmanager: [9093], grafana: [3000], elasticsearch: [9200], kibana: [5601] };
  const missing = [];
  for (const [s, ports] of Object.entries(want)) {
    for (const p of ports) if (!publishes(service(s), p, 'tcp')) missing.push(`${s} ${p}`);
  }
  assert(missing.length === 0, `not published as PORT:PORT: ${missing.join(', ')}`);
});

check(`${composeFile}: prometheus runs with --enable-feature=exemplar-storage`, () => {
  const features = words(service('prometheus').command)
    .filter((w) => w.startsWith('--enable-feature='))
    .flatMap((w) => w.slice('--enable-feature='.length).split(','));
  assert(features.includes('exemplar-storage'), `prometheus command: ${fmt(service('prometheus').command)}`);
});

check(`${composeFile}: the servers load the shipped configuration files`, () => {
  const problems = [];
  const tryIt = (fn) => {
    try {
      fn();
    } catch (e) {
      problems.push(e.message);
    }
  };
  tryIt(() => {
    const cfg = flagValue(service('prometheus').command, '--config.file') ?? '/etc/prometheus/prometheus.yml';
    const local = assertMountedFile('prometheus', cfg);
    assert(local === path.normalize('prometheus/prometheus.yml'), `prometheus loads ${cfg} = ${local}, not prometheus/prometheus.yml`);
    // prometheus.yml names rules/*.yml and targets/*.json relative to itself: they must be mounted beside it.
    assertMountedFile('prometheus', path.posix.join(path.posix.dirname(cfg), 'rules/obs-demo-alerts.yml'));
    assertMountedFile('prometheus', path.posix.join(path.posix.dirname(cfg), 'targets/demo.json'));
  });
  tryIt(() => {
    const cfg = flagValue(service('alertmanager').command, '--config.file') ?? '/etc/alertmanager/alertmanager.yml';
    const local = assertMountedFile('alertmanager', cfg);
    assert(local === path.normalize('alertmanager/alertmanager.yml'), `alertmanager loads ${cfg} = ${local}`);
    // the Slack webhook URL file (gitignored, so it may be missing here)
    const am = readYaml('alertmanager/alertmanager.yml');
    for (const r of asArray(am.receivers)) {
      for (const s of asArray(r.slack_configs)) {
        if (s.api_url_file) {
          const secret = assertMountedFile('alertmanager', s.api_url_file, { mayBeMissing: true });
          assert(secret === path.normalize('secrets/slack_webhook_url'),
            `alertmanager's ${s.api_url_file} comes from ${secret}, not secrets/slack_webhook_url`);
        }
      }
    }
  });
  tryIt(() => {
    const cfg = flagValue(service('jaeger').command, '--config');
    assert(cfg, `jaeger command has no --config: ${fmt(service('jaeger').command)}`);
    const local = assertMountedFile('jaeger', cfg.replace(/^file:/, ''));
    assert(local === path.normalize('jaeger/config.yaml'), `jaeger loads ${cfg} = ${local}`);
  });
  assert(problems.length === 0, problems.join('; '));
});

check(`${hostFile}: prometheus scrapes the host (host.docker.internal, targets/demo-host.json)`, () => {
  const host = readYaml(hostFile);
  const p = host?.services?.prometheus;
  assert(p, `${hostFile} does not change the prometheus service`);
  assert(asArray(p.extra_hosts).some((h) => /^host\.docker\.internal[:=]host-gateway$/.test(String(h)))
    || (p.extra_hosts && p.extra_hosts['host.docker.internal'] === 'host-gateway'),
    `prometheus extra_hosts lacks host.docker.internal:host-gateway: ${fmt(p.extra_hosts)}`);
  assert(read(hostFile).includes('demo-host.json'), `${hostFile} never names prometheus/targets/demo-host.json`);
});

// ---------------------------------------------------------------- Grafana
const dsFiles = list('grafana/provisioning/datasources', '.yml', '.yaml');
let datasources = [];
check('grafana datasources: uids prometheus, jaeger, elasticsearch with the right types', () => {
  assert(dsFiles.length > 0, 'no grafana/provisioning/datasources/*.yml');
  for (const f of dsFiles) {
    const doc = readYaml(f);
    assert(doc && doc.apiVersion === 1, `${f}: apiVersion is not 1`);
    datasources.push(...asArray(doc.datasources));
  }
  const uids = datasources.map((d) => d.uid);
  assert(new Set(uids).size === uids.length, `duplicate uids: ${uids.join(', ')}`);
  for (const [uid, type] of [['prometheus', 'prometheus'], ['jaeger', 'jaeger'], ['elasticsearch', 'elasticsearch']]) {
    const d = datasources.find((x) => x.uid === uid);
    assert(d, `no data source with uid ${uid}`);
    assert(d.type === type, `data source ${uid} has type ${d.type}, not ${type}`);
  }
});
const ds = (uid) => {
  const d = datasources.find((x) => x.uid === uid);
  assert(d, `no data source with uid ${uid}`);
  return d;
};

check('grafana datasources: urls name compose services', () => {
  const bad = [];
  for (const d of datasources) {
    if (!d.url) continue;
    const host = new URL(d.url).hostname;
    if (!services()[host]) bad.push(`${d.uid}: ${d.url}`);
  }
  assert(bad.length === 0, `url host is not a compose service: ${bad.join('; ')}`);
});

check('grafana datasources: prometheus exemplarTraceIdDestinations trace_id -> jaeger', () => {
  const dest = asArray(ds('prometheus').jsonData?.exemplarTraceIdDestinations);
  assert(dest.some((x) => x.name === 'trace_id' && x.datasourceUid === 'jaeger'), `exemplarTraceIdDestinations: ${fmt(dest)}`);
});

check('grafana datasources: jaeger tracesToLogsV2 -> elasticsearch', () => {
  const t = ds('jaeger').jsonData?.tracesToLogsV2;
  assert(t && t.datasourceUid === 'elasticsearch', `tracesToLogsV2: ${fmt(t)}`);
});

check('grafana datasources: elasticsearch index obs-demo-*, @timestamp, dataLinks on trace.id -> jaeger', () => {
  const j = ds('elasticsearch').jsonData ?? {};
  const index = j.index ?? ds('elasticsearch').database;
  assert(typeof index === 'string' && index.includes('obs-demo'), `index: ${fmt(index)}`);
  assert(j.timeField === '@timestamp', `timeField: ${fmt(j.timeField)}`);
  const links = asArray(j.dataLinks);
  assert(links.some((l) => l.field === 'trace.id' && (l.datasourceUid === 'jaeger' || /16686/.test(l.url ?? ''))),
    `dataLinks: ${fmt(links)}`);
});

check('grafana dashboards provider: apiVersion 1, providers with options.path', () => {
  const files = list('grafana/provisioning/dashboards', '.yml', '.yaml');
  assert(files.length > 0, 'no grafana/provisioning/dashboards/*.yml');
  for (const f of files) {
    const doc = readYaml(f);
    assert(doc?.apiVersion === 1, `${f}: apiVersion is not 1`);
    const providers = asArray(doc.providers);
    assert(providers.length > 0 && providers.every((p) => p.options?.path), `${f}: providers without options.path`);
  }
});

// Every data source reference of a dashboard: panels (rows and nested panels), targets, variables, annotations.
const SPECIAL_UIDS = new Set(['-- Grafana --', 'grafana', '-- Mixed --', '-- Dashboard --', '__expr__']);
function dsRefs(dash) {
  const refs = [];
  const add = (where, ref) => {
    if (ref == null) return;
    refs.push({ where, uid: typeof ref === 'string' ? ref : ref.uid, type: typeof ref === 'string' ? undefined : ref.type });
  };
  const walk = (panels, where) => {
    for (const p of asArray(panels)) {
      const name = `${where}/panel ${fmt(p.title ?? p.id)}`;
      add(name, p.datasource);
      asArray(p.targets).forEach((t, i) => add(`${name} target ${t.refId ?? i}`, t.datasource));
      walk(p.panels, name);
    }
  };
  walk(dash.panels, '');
  for (const r of asArray(dash.rows)) walk(r.panels, `/row ${fmt(r.title)}`);
  for (const v of asArray(dash.templating?.list)) add(`variable ${v.name}`, v.datasource);
  for (const a of asArray(dash.annotations?.list)) add(`annotation ${fmt(a.name)}`, a.datasource);
  return refs;
}

const dashFiles = list('grafana/dashboards', '.json');
const dashUids = new Map();
for (const f of dashFiles) {
  check(`${f}: every data source uid exists in the provisioning`, () => {
    const dash = readJson(f);
    assert(dash.uid, 'no uid');
    assert(!dashUids.has(dash.uid), `uid ${dash.uid} also used by ${dashUids.get(dash.uid)}`);
    dashUids.set(dash.uid, f);
    assert(asArray(dash.panels).length + asArray(dash.rows).length > 0, 'no panels');
    const vars = new Map(asArray(dash.templating?.list).map((v) => [v.name, v]));
    const known = new Set(datasources.map((d) => d.uid));
    const bad = [];
    for (const r of dsRefs(dash)) {
      if (r.uid == null || SPECIAL_UIDS.has(r.uid)) continue;
      const variable = String(r.uid).match(/^\$\{?([A-Za-z0-9_]+)/);
      if (variable) {
        const v = vars.get(variable[1]);
        if (!v || v.type !== 'datasource') bad.push(`${r.where}: ${r.uid} is not a datasource variable`);
        continue;
      }
      if (!known.has(r.uid)) bad.push(`${r.where}: unknown uid ${fmt(r.uid)}`);
      else if (r.type && ds(r.uid).type !== r.type) bad.push(`${r.where}: uid ${r.uid} has type ${ds(r.uid).type}, not ${r.type}`);
    }
    assert(bad.length === 0, bad.join('; '));
  });
}
check('grafana dashboards: at least one dashboard', () => assert(dashFiles.length > 0, 'no grafana/dashboards/*.json'));

check('links to Grafana dashboards (Prometheus rules, Alertmanager, Grafana alerting) name existing uids', () => {
  const sources = [...list('prometheus/rules', '.yml', '.yaml'), 'alertmanager/alertmanager.yml',
    ...list('grafana/provisioning/alerting', '.yml', '.yaml')];
  const bad = [];
  for (const f of sources) {
    if (!exists(f)) continue;
    for (const m of read(f).matchAll(/\/d\/([A-Za-z0-9_-]+)(\?[^\s"'|>]*)?/g)) {
      if (!dashUids.has(m[1])) {
        bad.push(`${f}: /d/${m[1]} is no dashboard uid`);
        continue;
      }
      // var-NAME=... must name a variable of that dashboard
      const vars = new Set(asArray(readJson(dashUids.get(m[1])).templating?.list).map((v) => v.name));
      for (const v of (m[2] ?? '').matchAll(/[?&]var-([A-Za-z0-9_]+)=/g)) {
        if (!vars.has(v[1])) bad.push(`${f}: /d/${m[1]} has no variable ${v[1]}`);
      }
    }
  }
  assert(bad.length === 0, `${bad.join('; ')} (dashboards: ${[...dashUids.keys()].join(', ')})`);
});

check('grafana alerting: apiVersion 1, slack contact point, policies, rules with a __expr__ step', () => {
  const files = list('grafana/provisioning/alerting', '.yml', '.yaml');
  assert(files.length > 0, 'no grafana/provisioning/alerting/*.yml');
  const docs = files.map((f) => [f, readYaml(f)]);
  for (const [f, d] of docs) assert(d?.apiVersion === 1, `${f}: apiVersion is not 1`);
  const contactPoints = docs.flatMap(([, d]) => asArray(d.contactPoints));
  const receivers = contactPoints.flatMap((c) => asArray(c.receivers));
  assert(receivers.some((r) => r.type === 'slack'), `no slack receiver in contactPoints: ${fmt(contactPoints)}`);
  for (const r of receivers.filter((x) => x.type === 'slack')) {
    assert(r.settings && (r.settings.url || r.settings.token), `slack receiver ${r.uid} has no settings.url`);
  }
  const policies = docs.flatMap(([, d]) => asArray(d.policies));
  assert(policies.length > 0, 'no policies');
  const cpNames = new Set(contactPoints.map((c) => c.name));
  for (const p of policies) assert(cpNames.has(p.receiver), `policy receiver ${fmt(p.receiver)} is not a contact point`);
  const rules = docs.flatMap(([, d]) => asArray(d.groups)).flatMap((g) => asArray(g.rules));
  assert(rules.length > 0, 'no groups[].rules[]');
  const known = new Set(datasources.map((d) => d.uid));
  for (const r of rules) {
    const data = asArray(r.data);
    assert(data.some((q) => q.datasourceUid === '__expr__'), `rule ${fmt(r.title ?? r.uid)} has no __expr__ data item`);
    for (const q of data) {
      assert(q.datasourceUid === '__expr__' || known.has(q.datasourceUid),
        `rule ${fmt(r.title ?? r.uid)} queries unknown data source ${fmt(q.datasourceUid)}`);
    }
    assert(data.some((q) => q.refId === r.condition), `rule ${fmt(r.title ?? r.uid)}: condition ${fmt(r.condition)} is no refId`);
  }
});

// ---------------------------------------------------------------- Jaeger
check('jaeger/config.yaml: extensions, pipeline receivers otlp + jaeger, thrift_compact, UI config file', () => {
  const c = readYaml('jaeger/config.yaml');
  const ext = asArray(c?.service?.extensions);
  assert(ext.includes('jaeger_storage') && ext.includes('jaeger_query'), `service.extensions: ${fmt(ext)}`);
  const traces = c.service?.pipelines?.traces;
  const recv = asArray(traces?.receivers);
  assert(recv.includes('otlp') && recv.includes('jaeger'), `service.pipelines.traces.receivers: ${fmt(recv)}`);
  for (const r of recv) assert(c.receivers && r in c.receivers, `receiver ${r} is not defined under receivers`);
  for (const e of asArray(traces.exporters)) assert(c.exporters && e in c.exporters, `exporter ${e} is not defined under exporters`);
  for (const p of asArray(traces.processors)) assert(c.processors && p in c.processors, `processor ${p} is not defined under processors`);
  const protocols = c.receivers?.jaeger?.protocols;
  assert(protocols && 'thrift_compact' in protocols, `receivers.jaeger.protocols: ${fmt(protocols)}`);
  const backends = c.extensions?.jaeger_storage?.backends ?? {};
  const storage = c.extensions?.jaeger_query?.storage?.traces;
  assert(storage in backends, `extensions.jaeger_query.storage.traces ${fmt(storage)} is not a jaeger_storage backend`);
  const ui = c.extensions?.jaeger_query?.ui?.config_file;
  assert(typeof ui === 'string' && ui.length > 0, 'extensions.jaeger_query.ui.config_file is not set');
  const local = assertMountedFile('jaeger', ui);
  assert(local === path.normalize('jaeger/ui-config.json'), `the UI config ${ui} comes from ${local}, not jaeger/ui-config.json`);
});

check('jaeger/ui-config.json: a traces link pattern with #{traceID}', () => {
  const ui = readJson('jaeger/ui-config.json');
  const links = asArray(ui.linkPatterns);
  const t = links.find((l) => l.type === 'traces' && /#\{traceID(\s*\|[^}]*)?\}/.test(String(l.url)));
  assert(t, `linkPatterns: ${fmt(links)}`);
  assert(/5601|kibana/i.test(t.url), `the traces link does not open Kibana: ${t.url}`);
});

// ---------------------------------------------------------------- Logstash
/** Splits Logstash config text into top-level `name { body }` blocks (quotes and comments respected). */
function blocks(text) {
  const out = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i];
    if (ch === '#') {
      while (i < n && text[i] !== '\n') i++;
    } else if (/[A-Za-z_]/.test(ch)) {
      let j = i;
      while (j < n && /[A-Za-z0-9_-]/.test(text[j])) j++;
      const name = text.slice(i, j);
      let k = j;
      while (k < n && /\s/.test(text[k])) k++;
      if (text[k] === '{') {
        let depth = 0;
        let m = k;
        for (; m < n; m++) {
          const c = text[m];
          if (c === '"' || c === "'") {
            const q = c;
            for (m++; m < n && text[m] !== q; m++) if (text[m] === '\\') m++;
          } else if (c === '#') {
            while (m < n && text[m] !== '\n') m++;
          } else if (c === '{') depth++;
          else if (c === '}' && --depth === 0) break;
        }
        assert(m < n, `unbalanced braces after ${name}`);
        out.push({ name, body: text.slice(k + 1, m) });
        i = m + 1;
      } else {
        i = j;
      }
    } else if (ch === '"' || ch === "'") {
      for (i++; i < n && text[i] !== ch; i++) if (text[i] === '\\') i++;
      i++;
    } else {
      i++;
    }
  }
  return out;
}
const stripComments = (body) => body.split('\n').map((l) => l.replace(/(^|\s)#.*$/, '')).join('\n');

check('logstash pipeline: file input with codec => json, elasticsearch output into obs-demo-%{+yyyy.MM.dd}', () => {
  const files = list('logstash/pipeline', '.conf');
  assert(files.length > 0, 'no logstash/pipeline/*.conf');
  const sections = files.flatMap((f) => blocks(read(f)));
  const plugins = (section) => sections.filter((s) => s.name === section).flatMap((s) => blocks(s.body));
  const inputs = plugins('input').filter((p) => p.name === 'file');
  assert(inputs.length > 0, 'no file input');
  for (const p of inputs) {
    const body = stripComments(p.body);
    assert(/\bpath\s*=>/.test(body), 'file input without path');
    assert(/\bcodec\s*=>\s*"?json"?(\s|$)/.test(body), `file input without codec => json: ${body.trim().replace(/\s+/g, ' ')}`);
  }
  const outputs = plugins('output').filter((p) => p.name === 'elasticsearch');
  assert(outputs.length > 0, 'no elasticsearch output');
  assert(outputs.some((p) => /\bindex\s*=>\s*"obs-demo-%\{\+yyyy\.MM\.dd\}"/.test(stripComments(p.body))),
    'no elasticsearch output with index => "obs-demo-%{+yyyy.MM.dd}"');
});

// ---------------------------------------------------------------- Elasticsearch
check('elasticsearch/index-template.json: index_patterns obs-demo-*, trace.id keyword', () => {
  const t = readJson('elasticsearch/index-template.json');
  assert(asArray(t.index_patterns).includes('obs-demo-*'), `index_patterns: ${fmt(t.index_patterns)}`);
  const props = t.template?.mappings?.properties ?? {};
  const traceId = props['trace.id'] ?? props.trace?.properties?.id;
  assert(traceId?.type === 'keyword', `trace.id mapping: ${fmt(traceId)}`);
});

// ---------------------------------------------------------------- Kibana
check('kibana/saved-objects.ndjson: lines parse, data view obs-demo-*, references resolve', () => {
  const lines = read('kibana/saved-objects.ndjson').split('\n').filter((l) => l.trim() !== '');
  const objects = lines.map((l, i) => {
    try {
      return JSON.parse(l);
    } catch (e) {
      throw new Error(`line ${i + 1}: ${e.message}`);
    }
  }).filter((o) => o.type); // the export summary line ({"exportedCount":..}) has no type
  const views = objects.filter((o) => o.type === 'index-pattern' && o.attributes?.title === 'obs-demo-*');
  assert(views.length === 1, `${views.length} index-pattern objects with title obs-demo-*`);
  assert(views[0].id === 'obs-demo-logs', `the data view id is ${fmt(views[0].id)}, not obs-demo-logs`);
  assert(objects.some((o) => o.type === 'search'), 'no saved search');
  const ids = new Set(objects.map((o) => `${o.type}:${o.id}`));
  const patternIds = new Set(objects.filter((o) => o.type === 'index-pattern').map((o) => o.id));
  const bad = [];
  for (const o of objects) {
    for (const r of asArray(o.references)) {
      if (!ids.has(`${r.type}:${r.id}`) && !patternIds.has(r.id)) bad.push(`${o.type} ${o.id} -> ${r.type} ${r.id}`);
    }
  }
  assert(bad.length === 0, `unresolved references: ${bad.join('; ')}`);
});

// ---------------------------------------------------------------- secrets
check('no Slack webhook URL is committed', () => {
  const bad = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(file(dir), { withFileTypes: true })) {
      const rel = dir === '.' ? e.name : `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== '.git') walk(rel);
      } else if (rel !== 'secrets/slack_webhook_url') {
        const text = fs.readFileSync(file(rel), 'utf8');
        // what a real incoming-webhook URL looks like; Slack's own placeholder (T00000000/B00000000/XXXX...) is fine
        const re = /hooks\.slack\.com\/services\/(T[A-Z0-9]{8,})\/(B[A-Z0-9]{8,})\/([A-Za-z0-9]{24})(?![A-Za-z0-9])/g;
        for (const m of text.matchAll(re)) {
          if (!/^T0+$/.test(m[1]) || !/^B0+$/.test(m[2]) || !/^X+$/.test(m[3])) bad.push(`${rel}: ${m[0]}`);
        }
      }
    }
  };
  walk('.');
  assert(bad.length === 0, bad.join('; '));
});

process.exit(failures === 0 ? 0 : 1);
