#!/usr/bin/env bash
# Opens the reports of a run, a compare, a sweep, a two-parameter sweep and a
# calibration in headless Chromium and fails on
# any console error, page error or network request (a report must be self-contained).
# Installs what it needs: Debian's chromium (with sudo or as root) and playwright-core
# from the npm registry into a temporary folder. Not part of .ci/run: it needs a
# browser, which the CI machine does not have; run it after changing the report.
#
#   scripts/check-report-in-chromium.sh [SCREENSHOT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null; then
    sudo_if_needed=""
    [ "$(id -u)" -ne 0 ] && sudo_if_needed="sudo"
    $sudo_if_needed apt-get install -y chromium >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
shots=${1:-$work/screenshots}
mkdir -p "$shots"

(cd "$work" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund playwright-core@1 >/dev/null)

cargo build --release --locked --quiet
modsim=target/release/modsim
$modsim run scenarios/tiktok-indonesia-2018.toml --replications 100 --out "$work/run" >/dev/null
$modsim compare scenarios/tiktok-indonesia-2018.toml --replications 50 --out "$work/compare" >/dev/null
$modsim sweep scenarios/tiktok-indonesia-2018.toml --vary platform.review.moderators=20,60,200 \
    --replications 50 --out "$work/sweep" >/dev/null
$modsim sweep scenarios/tiktok-indonesia-2018.toml --vary platform.review.moderators=20,60,200 \
    --vary platform.review.cost_per_moderator_day=50,150 --replications 50 --out "$work/sweep2" >/dev/null
$modsim calibrate scenarios/calibration/library.toml --population 60 --generations 2 \
    --out "$work/calibration" >/dev/null

cat > "$work/check.mjs" <<'JS'
import { chromium } from 'playwright-core';
const [shots, ...reports] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failures = 0;
for (const report of reports) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  page.on('console', m => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', e => problems.push(`page error: ${e.message}`));
  page.on('request', r => { if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`); });
  await page.goto('file://' + report, { waitUntil: 'load' });
  const charts = await page.locator('figure svg').count();
  const tables = await page.locator('table').count();
  if (charts === 0) problems.push('no inline chart');
  const name = report.split('/').slice(-2, -1)[0];
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  console.log(`${name}: ${charts} charts, ${tables} tables, ${problems.length} problems`);
  for (const p of problems) console.log(`  ${p}`);
  failures += problems.length;
  await page.close();
}
await browser.close();
process.exit(failures === 0 ? 0 : 1);
JS
(cd "$work" && node check.mjs "$shots" "$work/run/report.html" "$work/compare/report.html" "$work/sweep/report.html" \
    "$work/sweep2/report.html" "$work/calibration/report.html")
echo "report.html opens cleanly in headless Chromium (screenshots in $shots)"
