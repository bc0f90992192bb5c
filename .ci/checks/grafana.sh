#!/usr/bin/env bash
# deploy/grafana: the dashboard is checked against Grafana's own schema, the TypeScript types Grafana generates from
# its dashboard and panel kinds (npm @grafana/schema), by the TypeScript compiler: the dashboard as a whole against
# Dashboard, each panel's options and custom field config against its panel type's Options and FieldConfig, and each
# query against the Prometheus data source's query (the Prometheus type of npm @grafana/prometheus's dataquery). A
# misspelled field, a value of the wrong type or outside an enum, or a required field left out fails the build; so
# does a panel type this check has no schema for. (Every query's metrics are checked against the running stack by
# contract-tests' LocalStackTest.) Run from the repository root (.ci/run does); Node.js and npm are needed.
set -euo pipefail

GRAFANA_SCHEMA_VERSION=13.2.3
TYPESCRIPT_VERSION=5.9.3
tools=$PWD/.ci/tools/grafana
dashboard=deploy/grafana/ballast-dashboard.json

if [ ! -x "$tools/node_modules/.bin/tsc" ] ||
  ! grep -q "\"version\": \"$GRAFANA_SCHEMA_VERSION\"" "$tools/node_modules/@grafana/schema/package.json" 2>/dev/null; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-save --no-package-lock --no-audit --no-fund \
    "typescript@$TYPESCRIPT_VERSION" "@grafana/schema@$GRAFANA_SCHEMA_VERSION" >/dev/null
fi
# Only the query's type is wanted from @grafana/prometheus (the package itself brings a query editor): its tarball,
# unpacked without its dependencies.
prometheus_types=$tools/prometheus-$GRAFANA_SCHEMA_VERSION
if [ ! -f "$prometheus_types/package/dist/types/dataquery.d.ts" ]; then
  mkdir -p "$prometheus_types"
  tarball=$(cd "$prometheus_types" && npm pack --silent "@grafana/prometheus@$GRAFANA_SCHEMA_VERSION")
  tar -xzf "$prometheus_types/$tarball" -C "$prometheus_types" package/dist/types/dataquery.d.ts
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ln -s "$tools/node_modules" "$work/node_modules"
cp "$prometheus_types/package/dist/types/dataquery.d.ts" "$work/prometheus-dataquery.d.ts"

# The dashboard as a TypeScript module: object literals checked with `satisfies`, so excess properties are errors.
# Grafana's types use TypeScript enums where the JSON holds their string values: Wire<T> is T with each string enum
# replaced by the union of its values, which is what a dashboard's JSON holds.
DASHBOARD="$dashboard" node --input-type=module - >"$work/dashboard.ts" <<'EOF'
import { readFileSync } from 'node:fs';
const path = process.env.DASHBOARD;
const dashboard = JSON.parse(readFileSync(path, 'utf8'));
// panel type: its name in @grafana/schema, and whether it has a custom field config of its own
const schemas = { timeseries: ['TimeSeries', true], stat: ['Stat', false], table: ['Table', true] };
const out = [];
for (const [type, [name]] of Object.entries(schemas)) {
  out.push(`import type * as ${type} from '@grafana/schema/dist/esm/raw/composable/${type}/panelcfg/x/${name}PanelCfg_types.gen';`);
}
out.push(`import type { Dashboard } from '@grafana/schema';`);
out.push(`import type { Prometheus } from './prometheus-dataquery';`);
out.push(`type Wire<T> = T extends string ? (string extends T ? string : \`\${T}\`)
  : T extends number | boolean | null | undefined ? T
  : T extends ReadonlyArray<infer U> ? Array<Wire<U>>
  : T extends object ? { [K in keyof T]: Wire<T[K]> }
  : T;`);
out.push(`export const dashboard = ${JSON.stringify(dashboard, null, 2)} satisfies Wire<Dashboard>;`);
const panels = (dashboard.panels ?? []).flatMap((p) => (p.type === 'row' ? p.panels ?? [] : [p]));
const problems = [];
for (const panel of panels) {
  if (!(panel.type in schemas)) {
    problems.push(`panel ${panel.id} "${panel.title}": type ${panel.type} has no schema in this check`);
    continue;
  }
  out.push(`export const panel${panel.id} = ${JSON.stringify({
    options: panel.options ?? {},
    custom: panel.fieldConfig?.defaults?.custom ?? {},
    targets: panel.targets ?? [],
  })} satisfies { options: Wire<${panel.type}.Options>;`
    + ` custom: ${schemas[panel.type][1] ? `Wire<${panel.type}.FieldConfig>` : 'Record<string, never>'};`
    + ' targets: Array<Wire<Prometheus>> };');
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(out.join('\n'));
EOF
cat >"$work/tsconfig.json" <<'EOF'
{
  "compilerOptions": {
    "strict": true,
    "noEmit": true,
    "target": "es2022",
    "module": "esnext",
    "moduleResolution": "bundler",
    "skipLibCheck": true,
    "types": []
  },
  "files": ["dashboard.ts"]
}
EOF
if ! (cd "$work" && "$tools/node_modules/.bin/tsc" -p tsconfig.json); then
  cp "$work/dashboard.ts" "$tools/dashboard.ts"
  echo "ci: $dashboard does not load as Grafana's schema (@grafana/schema $GRAFANA_SCHEMA_VERSION) expects;" \
    "the lines above are those of $tools/dashboard.ts, the dashboard as the check wrote it" >&2
  exit 1
fi
echo "ci: $dashboard: the dashboard and each panel's options as @grafana/schema $GRAFANA_SCHEMA_VERSION expects"
