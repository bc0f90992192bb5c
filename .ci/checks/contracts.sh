#!/usr/bin/env bash
# Contracts against their committed baselines, so that a change that breaks a client fails the build:
#   - the v1 protobuf contracts (proto/src/main/proto) against proto/baseline/v1.binpb, a buf image, with
#     `buf breaking` and the rules of proto/buf.yaml (FILE);
#   - each service's OpenAPI document, as its Quarkus build writes it (SERVICE/target/openapi/openapi.json), against
#     the one committed as docs/openapi/SERVICE.json: each difference named and classed breaking, compatible or
#     documentation, then the unified diff.
# Any difference fails, a compatible one too (it says "Additive: refresh the baseline"): a baseline that lags behind
# the sources would let a later change remove what clients already use.
#
#   contracts.sh           the protobuf contracts only: what CI's pass over .ci/checks runs, before the build (a
#                          clean checkout has no OpenAPI documents yet)
#   contracts.sh openapi   the OpenAPI documents the last build wrote (no build, under a second; fails when one is
#                          missing): for a step after the services' build
#   contracts.sh check     builds the four services without tests, then compares both
#   contracts.sh refresh   builds them and writes both baselines from the sources as they are: a deliberate change
#                          of contract, committed with the change that makes it
#
# ./ballast contracts check|refresh runs this script; under BALLAST_BUILD=never, check and refresh use what is built.
# docs/development.md ("Contracts and their baselines") says what counts as breaking.
set -euo pipefail
cd "$(dirname "$0")/../.."

mode=${1:-ci}
case "$mode" in
  ci | openapi | check | refresh) ;;
  *)
    echo "contracts: usage: ./ballast contracts [check|refresh] (or .ci/checks/contracts.sh [openapi])" >&2
    exit 2
    ;;
esac
services=(inventory-service reservation-service guest-gateway resize-worker)
refresh="./ballast contracts refresh"

# buf at the version .ci/run pins, installed the way .ci/run installs it when missing.
buf=$PWD/.ci/tools/node_modules/.bin/buf
if [ ! -x "$buf" ]; then
  buf_version=$(sed -n 's/^BUF_VERSION=//p' .ci/run)
  npm install --prefix .ci/tools --no-save --no-package-lock --no-audit --no-fund "@bufbuild/buf@$buf_version" >/dev/null
fi

# The four services' packages, without tests or the formatting check: their Quarkus build writes each OpenAPI
# document (quarkus.smallrye-openapi.store-schema-directory in each service's application.properties).
build_services() {
  [ "${BALLAST_BUILD:-auto}" = never ] && return 0
  JAVA_HOME=$(./ballast java-home)
  export JAVA_HOME
  local modules
  modules=$(IFS=,; echo "${services[*]}")
  echo "contracts: building ${services[*]} (no tests)"
  ./mvnw -B -q package -Dmaven.test.skip=true -Dspotless.check.skip=true -pl "$modules" -am
}

if [ "$mode" = refresh ]; then
  build_services
  (cd proto && "$buf" build --exclude-source-info -o baseline/v1.binpb)
  mkdir -p docs/openapi
  for service in "${services[@]}"; do
    cp "$service/target/openapi/openapi.json" "docs/openapi/$service.json"
  done
  changed=$(git status --short --untracked-files=all -- proto/baseline docs/openapi | sed 's/^/  /')
  echo "contracts: baselines written from the sources as they are; changed since the last commit:"
  echo "${changed:-  nothing}"
  echo "contracts: commit them with the change of contract, saying why no client breaks or how the clients follow"
  exit 0
fi

status=0

check_protobuf() {
  local scratch since
  scratch=$(mktemp -d)
  if ! (cd proto && "$buf" breaking --against baseline/v1.binpb); then
    echo "contracts: the v1 protobuf contracts break clients built on proto/baseline/v1.binpb (each break above)."
    echo "  Keep what is there (add a new field beside the old one, mark the old one [deprecated = true]) or make a"
    echo "  v2 package; a break made on purpose, with every client changed with it: $refresh"
    status=1
  elif ! (cd proto && "$buf" build --exclude-source-info -o "$scratch/v1.binpb") ||
    ! cmp -s "$scratch/v1.binpb" proto/baseline/v1.binpb; then
    # Comments and layout are not in the image: only what a client can see makes it differ.
    echo "contracts: the v1 protobuf contracts changed compatibly since proto/baseline/v1.binpb (additions, no break)."
    since=$(git log -1 --format=%h -- proto/baseline/v1.binpb 2>/dev/null || true)
    if [ -n "$since" ]; then
      echo "  The contract files changed since the baseline was written ($since):"
      git diff --stat "$since" -- proto/src/main/proto | sed 's/^/  /' || true
    fi
    echo "  Additive: refresh the baseline and commit it with the change: $refresh"
    status=1
  fi
  rm -rf "$scratch"
}

# A JSON document laid out one way, so that the diff shows what changed, not how it was written.
layout() {
  node -e 'const fs = require("node:fs"); console.log(JSON.stringify(JSON.parse(fs.readFileSync(process.argv[1], "utf8")), null, 2))' "$1"
}

check_openapi() {
  local service committed built compared=0
  local -a documents=()
  for service in "${services[@]}"; do
    documents+=("$service" "docs/openapi/$service.json" "$service/target/openapi/openapi.json")
  done
  node - "${documents[@]}" <<'JS' || compared=$?
'use strict';
// For each (service, committed document, built document) in the arguments: every difference, classed breaking,
// compatible or documentation. Exit status: 0 all the same, 1 a breaking difference, 2 a document missing,
// 3 compatible or documentation differences only.
const fs = require('node:fs');

// Keywords whose value is a map from names (paths, properties, media types, status codes...) to objects.
const MAPS = new Set(['paths', 'properties', 'patternProperties', 'schemas', 'responses', 'content', 'headers',
  'securitySchemes', 'requestBodies', 'parameters', 'examples', 'links', 'callbacks', '$defs', 'encoding',
  'variables', 'mapping', 'pathItems', 'webhooks', 'dependentSchemas']);
// Keywords that only describe: a change to them changes no request or response.
const DOCS = new Set(['description', 'summary', 'title', 'example', 'examples', 'externalDocs', 'deprecated',
  '$comment', 'tags', 'info']);
// Schema keywords that limit the values: added or narrowed, fewer values pass.
const LIMITS = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength',
  'pattern', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'multipleOf', 'const',
  'format', 'additionalProperties', 'not']);
const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

// A segment of a location: a keyword of the format, or a name (a path, a property, a status code...).
const kw = key => ({ key, name: false });
const nm = key => ({ key, name: true });
const el = key => ({ key, name: true, element: true });

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// The key that identifies an element of an array of objects, where the order means nothing.
function elementKey(arrayKeyword, element) {
  if (!isObject(element)) return null;
  if (arrayKeyword === 'parameters') return element.$ref ?? `${element.in} ${element.name}`;
  if (arrayKeyword === 'security') return Object.keys(element).sort().join(' + ') || '(none)';
  if (arrayKeyword === 'servers') return element.url;
  if (arrayKeyword === 'tags') return element.name;
  return null;
}

// Every difference between a and b: {kind: added|removed|changed, at: [segments], before, after}.
function diff(a, b, at, out) {
  const last = at.at(-1);
  const keyword = last && !last.name ? last.key : null;
  if (keyword === 'type' && (typeof a === 'string' || Array.isArray(a)) && (typeof b === 'string' || Array.isArray(b))) {
    // A type and a list of one type say the same; a list of types is a set, and a type replaced by another is one
    // change.
    const before = [a].flat();
    const after = [b].flat();
    if (before.some(t => !after.includes(t)) && after.some(t => !before.includes(t))) {
      out.push({ kind: 'changed', at, before: a, after: b });
      return out;
    }
    return diffSet(before, after, at, out);
  }
  if (isObject(a) && isObject(b)) {
    const mapOfNames = keyword !== null && MAPS.has(keyword);
    for (const key of Object.keys(a)) {
      const segment = mapOfNames ? nm(key) : kw(key);
      if (!(key in b)) out.push({ kind: 'removed', at: [...at, segment], before: a[key] });
      else diff(a[key], b[key], [...at, segment], out);
    }
    for (const key of Object.keys(b)) {
      if (!(key in a)) out.push({ kind: 'added', at: [...at, mapOfNames ? nm(key) : kw(key)], after: b[key] });
    }
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if ([...a, ...b].every(v => !isObject(v) && !Array.isArray(v))) return diffSet(a, b, at, out);
    const keyed = [...a, ...b].every(v => elementKey(keyword, v) != null);
    if (keyed) {
      const byKey = list => new Map(list.map(v => [elementKey(keyword, v), v]));
      const left = byKey(a);
      const right = byKey(b);
      for (const [key, value] of left) {
        if (!right.has(key)) out.push({ kind: 'removed', at: [...at, el(key)], before: value });
        else diff(value, right.get(key), [...at, el(key)], out);
      }
      for (const [key, value] of right) {
        if (!left.has(key)) out.push({ kind: 'added', at: [...at, el(key)], after: value });
      }
      return out;
    }
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= b.length) out.push({ kind: 'removed', at: [...at, kw(i)], before: a[i] });
      else if (i >= a.length) out.push({ kind: 'added', at: [...at, kw(i)], after: b[i] });
      else diff(a[i], b[i], [...at, kw(i)], out);
    }
    return out;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ kind: 'changed', at, before: a, after: b });
  return out;
}

// Lists of plain values (required, enum, type, a security requirement's roles) compared as sets.
function diffSet(a, b, at, out) {
  const left = new Set(a.map(v => JSON.stringify(v)));
  const right = new Set(b.map(v => JSON.stringify(v)));
  for (const v of left) if (!right.has(v)) out.push({ kind: 'removed', at, item: JSON.parse(v) });
  for (const v of right) if (!left.has(v)) out.push({ kind: 'added', at, item: JSON.parse(v) });
  return out;
}

// Where each component is used: a map from '#/components/KIND/NAME' to a set of 'request' and 'response'.
function usages(doc) {
  const used = new Map();
  const mark = (node, direction) => {
    const visit = value => {
      if (Array.isArray(value)) return value.forEach(visit);
      if (!isObject(value)) return;
      if (typeof value.$ref === 'string' && value.$ref.startsWith('#/components/')) {
        const seen = used.get(value.$ref) ?? new Set();
        if (!seen.has(direction)) {
          seen.add(direction);
          used.set(value.$ref, seen);
          const [, , kind, name] = value.$ref.split('/');
          visit(doc.components?.[kind]?.[decodeURIComponent(name.replace(/~1/g, '/').replace(/~0/g, '~'))]);
        }
      }
      Object.values(value).forEach(visit);
    };
    visit(node);
  };
  for (const item of Object.values(doc.paths ?? {})) {
    mark(item.parameters, 'request');
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.has(method) || !isObject(operation)) continue;
      mark(operation.parameters, 'request');
      mark(operation.requestBody, 'request');
      mark(operation.responses, 'response');
    }
  }
  return used;
}

// Whether what changed at `at` is sent by clients (request), received by them (response), or both.
function directions(at, before, after) {
  const keys = at.map(s => s.key);
  if (keys[0] === 'paths') {
    if (keys.includes('responses')) return new Set(['response']);
    if (keys.includes('requestBody') || keys.includes('parameters')) return new Set(['request']);
    return new Set(['request', 'response']);
  }
  if (keys[0] === 'components' && keys.length >= 3) {
    const ref = `#/components/${keys[1]}/${String(keys[2]).replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const found = new Set([...(before.get(ref) ?? []), ...(after.get(ref) ?? [])]);
    if (found.size > 0) return found;
  }
  return new Set(['request', 'response']);
}

function show(value) {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function where(at) {
  let text = '';
  for (const { key, name, element } of at) {
    if (element) text += `[${key}]`;
    else if (!name) text += typeof key === 'number' ? `[${key}]` : (text ? '.' : '') + key;
    else text += /^[A-Za-z0-9_-]+$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  }
  return text;
}

// What the thing at the end of `at` is, for the message: a path, an operation, a property...
function nounOf(at) {
  const last = at.at(-1);
  const parent = at.at(-2);
  if (!parent) return null;
  if (!last.name && METHODS.has(last.key) && parent.name && at[0].key === 'paths' && at.length === 3) return 'operation';
  if (parent.name) return null;
  const nouns = { paths: 'path', properties: 'property', responses: 'response', content: 'media type',
    parameters: 'parameter', schemas: 'schema', security: 'security requirement', servers: 'server' };
  return nouns[parent.key] ?? null;
}

// The class of one difference and what it means, as [class, text].
function classify(change, usedBefore, usedAfter) {
  const { kind, at } = change;
  const keywords = at.filter(s => !s.name).map(s => s.key);
  const parent = at.at(-2);
  const last = at.at(-1);
  const place = where(at);
  if (keywords.some(k => DOCS.has(k) || String(k).startsWith('x-'))) {
    const short = [change.before, change.after].every(v => JSON.stringify(v ?? '').length <= 60);
    const values = kind === 'changed' && short ? ` from ${show(change.before)} to ${show(change.after)}` : '';
    return ['documentation', `${place}: ${kind}${values}`];
  }
  const sides = directions(at, usedBefore, usedAfter);
  const inRequests = sides.has('request');
  const inResponses = sides.has('response');
  const side = [inRequests && 'requests', inResponses && 'responses'].filter(Boolean).join(' and ');
  if ('item' in change) {
    const item = show(change.item);
    const list = last.key;
    if (list === 'required') {
      return kind === 'added'
        ? [inRequests ? 'breaking' : 'compatible', `${place}: ${item} now required (in ${side})`]
        : [inResponses ? 'breaking' : 'compatible', `${place}: ${item} no longer required (in ${side})`];
    }
    if (list === 'enum' || list === 'type') {
      const what = list === 'enum' ? 'value' : 'type';
      return kind === 'added'
        ? [inResponses ? 'breaking' : 'compatible', `${place}: ${what} ${item} added (in ${side})`]
        : [inRequests ? 'breaking' : 'compatible', `${place}: ${what} ${item} removed (in ${side})`];
    }
    if (parent && parent.name && at.some(s => s.key === 'security')) {
      return kind === 'added'
        ? ['compatible', `${place}: role ${item} allowed`]
        : ['breaking', `${place}: role ${item} no longer allowed`];
    }
    return [kind === 'added' ? 'compatible' : 'breaking', `${place}: ${item} ${kind}`];
  }
  const key = last.key;
  const noun = nounOf(at);
  if (!last.name && LIMITS.has(key)) {
    // Fewer values allowed hurts clients that send them; more values allowed hurts clients that receive them.
    const narrower = ['breaking', 'compatible'][inRequests ? 0 : 1];
    const wider = ['breaking', 'compatible'][inResponses ? 0 : 1];
    if (kind === 'added') return [narrower, `${place}: constraint ${show(change.after)} added (in ${side})`];
    if (kind === 'removed') return [wider, `${place}: constraint ${show(change.before)} removed (in ${side})`];
    const text = `${place}: constraint changed from ${show(change.before)} to ${show(change.after)} (in ${side})`;
    if (typeof change.before === 'number' && typeof change.after === 'number') {
      const larger = change.after > change.before;
      return [/^(max|exclusiveMax)/.test(key) === larger ? wider : narrower, text];
    }
    return ['breaking', text];
  }
  if (!last.name && key === 'required' && typeof (change.after ?? change.before) === 'boolean') {
    return kind !== 'removed' && change.after === true
      ? ['breaking', `${place}: now required`]
      : ['compatible', `${place}: no longer required`];
  }
  if (kind === 'added') {
    if (noun === 'parameter' && change.after?.required === true) return ['breaking', `${place}: required parameter added`];
    if (noun === 'security requirement') return ['compatible', `${place}: another way to authenticate added`];
    return ['compatible', `${place}: ${noun ? `${noun} added` : 'added'}`];
  }
  if (kind === 'removed') {
    if (noun === 'security requirement') return ['breaking', `${place}: way to authenticate removed`];
    return ['breaking', `${place}: ${noun ? `${noun} removed` : 'removed'}`];
  }
  return ['breaking', `${place}: changed from ${show(change.before)} to ${show(change.after)}`];
}

const ORDER = ['breaking', 'compatible', 'documentation'];
// Exit status: 0 every document the same, 1 a breaking difference, 2 a document missing, 3 other differences only.
const outcomes = new Set();
const args = process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === '-'));
for (let i = 0; i + 3 <= args.length; i += 3) {
  const [name, committedPath, builtPath] = args.slice(i, i + 3);
  const documents = [];
  for (const [path, missing] of [[committedPath, 'no committed document'], [builtPath, 'the build wrote no document']]) {
    try {
      documents.push(JSON.parse(fs.readFileSync(path, 'utf8')));
    } catch (e) {
      console.log(`${name}: ${missing} (${e.message})`);
    }
  }
  if (documents.length < 2) {
    outcomes.add('missing');
    continue;
  }
  const [committed, built] = documents;
  const usedBefore = usages(committed);
  const usedAfter = usages(built);
  const found = diff(committed, built, [], []).map(change => classify(change, usedBefore, usedAfter));
  if (found.length === 0) continue;
  found.sort((x, y) => ORDER.indexOf(x[0]) - ORDER.indexOf(y[0]));
  const counts = ORDER.map(c => [c, found.filter(f => f[0] === c).length]).filter(([, n]) => n > 0);
  outcomes.add(counts[0][0]);
  console.log(`${name}: differs from ${committedPath}: ${counts.map(([c, n]) => `${n} ${c}`).join(', ')}`);
  const shown = found.slice(0, 60);
  for (const [level, text] of shown) console.log(`  ${level.padEnd(13)} ${text}`);
  if (found.length > shown.length) console.log(`  ... and ${found.length - shown.length} more`);
}
process.exit(outcomes.has('breaking') ? 1 : outcomes.has('missing') ? 2 : outcomes.size > 0 ? 3 : 0);
JS
  case "$compared" in
    0) ;;
    1)
      echo "contracts: an OpenAPI document changed in a way that breaks its clients (each 'breaking' line above)."
      echo "  Keep the old shape (add an optional field or a new path instead of changing one), or, for a break made"
      echo "  on purpose with every client changed with it: $refresh"
      ;;
    3)
      echo "contracts: an OpenAPI document changed compatibly (additions, looser requests, descriptions; above)."
      echo "  Additive: refresh the baseline and commit it with the change: $refresh"
      ;;
    *)
      echo "contracts: an OpenAPI document is missing (above): $refresh writes the committed ones; the built ones"
      echo "  come from the services' build (./ballast contracts check runs it)"
      ;;
  esac
  [ "$compared" -eq 0 ] || status=1
  for service in "${services[@]}"; do
    committed=docs/openapi/$service.json
    built=$service/target/openapi/openapi.json
    if [ -f "$committed" ] && [ -f "$built" ] && ! cmp -s "$committed" "$built"; then
      echo "contracts: diff -u $committed $built (both laid out alike; at most 150 lines)"
      diff -u --label "$committed" --label "$built" <(layout "$committed") <(layout "$built") | head -n 150 || true
    fi
  done
}

case "$mode" in
  openapi) check_openapi ;;
  check)
    check_protobuf
    build_services
    check_openapi
    [ "$status" -ne 0 ] || echo "contracts: the protobuf contracts and the ${#services[@]} OpenAPI documents match their baselines"
    ;;
  ci)
    check_protobuf
    echo "contracts: OpenAPI documents not compared here: they need the services' build (contracts.sh openapi after it)"
    ;;
esac
exit "$status"
