#!/usr/bin/env node
// The page walk: every routable page of DeployGuard at 1280x800 and 1024x768, light and dark, screenshotted and checked.
// See README.md next to this file. Plain Node (no npm install here): Playwright comes from PW_MODULE.
'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const env = (name, fallback) => process.env[name] || fallback;
const BASE = env('WALK_BASE_URL', 'http://localhost:5440').replace(/\/$/, '');
const OUT = path.resolve(env('WALK_OUT', '/work/tmp/walk9/walk'));
const EMAIL = env('WALK_EMAIL', 'admin@deployguard.local');
const PASSWORD = env('WALK_PASSWORD', 'Demo-pass-2026');
const CHROMIUM = env('WALK_CHROMIUM', '/usr/bin/chromium');
const PW_MODULE = env('PW_MODULE', '/work/tmp/pw/node_modules/playwright-core');
const COMPONENTS = path.resolve(env('WALK_COMPONENTS', path.join(__dirname, '..', '..', 'DeployGuard.Web', 'Components')));
const ONLY = process.env.WALK_ONLY ? new RegExp(process.env.WALK_ONLY) : null;    // a regex over routes, to re-walk a few
const THEMES = env('WALK_THEMES', 'light,dark').split(',');
const SIZES = env('WALK_SIZES', '1280x800,1024x768').split(',').map(s => s.split('x').map(Number));
const PER_SHEET = Number(env('WALK_PER_SHEET', '6'));
const FULL_PAGE = env('WALK_FULL_PAGE', '1') === '1';
const FONT = env('WALK_FONT', 'DejaVu-Sans');   // montage's default (Helvetica) is not installed here: the labels vanish
const SHEETS_ONLY = env('WALK_SHEETS_ONLY', '0') === '1';   // redraw summary and sheets from summary.json, no browser

const { chromium } = require(PW_MODULE);

// ---- the routes: every @page directive under Components -------------------------------------------------------------
function routesFromSource(dir) {
  const routes = [];
  const walk = d => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.razor')) {
        const text = fs.readFileSync(full, 'utf8').replace(/^\uFEFF/, '');   // the template's Identity pages start with a BOM
        for (const m of text.matchAll(/^@page\s+"([^"]+)"/gm)) routes.push({ template: m[1], file: path.relative(dir, full) });
      }
    }
  };
  walk(dir);
  return routes.sort((a, b) => a.template.localeCompare(b.template));
}

// Which session sees a page: the Identity pages one reaches before signing in are walked signed out, the rest signed in.
const signedOutAccount = /^\/Account\/(?!Manage)/;
function sessionsFor(template) {
  if (template === '/Account/AccessDenied') return ['in', 'out'];
  return signedOutAccount.test(template) ? ['out'] : ['in'];
}

// Extra screens that are not a route of their own: what a person sees for an unknown address and a failed request.
const EXTRA = [
  { route: '/no-such-page', template: '(unknown address)', session: 'in', expect: 404 },
  { route: '/deployments/00000000-0000-0000-0000-000000000001', template: '/deployments/{Id:guid} (unknown id)', session: 'in', expect: 404 },
  { route: '/findings?group=rule', template: '/findings?group=rule', session: 'in' },
  { route: '/vulnerabilities?group=cve', template: '/vulnerabilities?group=cve', session: 'in' },
];

// A template with parameters becomes a regex over the hrefs seen while walking the pages without parameters.
function hrefPattern(template) {
  const body = template.replace(/^\//, '').split('/').map(part => {
    if (/^\{[^}]*:guid\}$/.test(part)) return '[0-9a-fA-F-]{36}';
    if (/^\{[^}]*\}$/.test(part)) return '[^/?#]+';
    return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }).join('/');
  return new RegExp(`^/${body}$`);
}

// ---- what a screen is checked for -----------------------------------------------------------------------------------
async function inspect(page) {
  return page.evaluate(() => {
    const doc = document.documentElement;
    const describe = el => {
      const cls = (el.getAttribute('class') || '').split(/\s+/).filter(c => c && !c.startsWith('b-')).slice(0, 3).join('.');
      return `${el.tagName.toLowerCase()}${cls ? '.' + cls : ''}`;
    };
    const hasHint = el => !!el.closest('[title], [aria-describedby], [data-tooltip]') ||
      !!el.querySelector('[title]') || el.closest('.mud-tooltip-root') !== null;
    const clipped = [];
    const candidates = document.querySelectorAll(
      'td, th, .mud-chip, .mud-chip-content, button, .mud-button-label, .mud-tab, .mud-nav-link-text, .dg-truncate, .mud-select-input, .mud-input-slot, label, .mud-typography, a');
    for (const el of candidates) {
      if (!el.offsetParent && getComputedStyle(el).position !== 'fixed') continue;   // not shown
      if (el.scrollWidth <= el.clientWidth + 1 || el.clientWidth === 0) continue;
      const style = getComputedStyle(el);
      if (style.overflowX === 'auto' || style.overflowX === 'scroll') continue;    // scrolls on purpose (code, tables)
      if (hasHint(el)) continue;
      const text = (el.innerText || el.value || '').trim().replace(/\s+/g, ' ');
      if (!text) continue;
      clipped.push({ el: describe(el), text: text.slice(0, 80), scroll: el.scrollWidth, client: el.clientWidth, overflow: style.overflowX });
      if (clipped.length >= 25) break;
    }
    const visible = el => !!el && (el.offsetWidth > 0 || el.offsetHeight > 0) && getComputedStyle(el).visibility !== 'hidden';
    const errors = [];
    for (const el of document.querySelectorAll('.dg-error-state, .mud-alert-text-error, .mud-alert-filled-error, .mud-alert-outlined-error, [data-testid=error-page]')) {
      if (visible(el)) errors.push(el.innerText.trim().replace(/\s+/g, ' ').slice(0, 160));
    }
    const blazorError = document.getElementById('blazor-error-ui');
    if (visible(blazorError)) errors.push('blazor-error-ui: ' + blazorError.innerText.trim().slice(0, 120));
    const reconnect = document.querySelector('#components-reconnect-modal[open], dialog#components-reconnect-modal[open]');
    if (reconnect) errors.push('reconnect modal open');
    return {
      title: document.title,
      scheme: doc.dataset.dgScheme || null,
      background: getComputedStyle(document.body).backgroundColor,
      sideways: doc.scrollWidth > window.innerWidth,
      scrollWidth: doc.scrollWidth,
      innerWidth: window.innerWidth,
      clipped,
      errors,
      hrefs: [...document.querySelectorAll('a[href]')].map(a => new URL(a.href, location.href)).filter(u => u.origin === location.origin).map(u => u.pathname),
    };
  });
}

async function settle(page, interactive) {
  if (interactive) {
    await page.locator('body[data-interactive=true]').waitFor({ timeout: 30000 }).catch(() => {});
    // Lists load once the circuit is up, so their loading state appears only after data-interactive: wait for a quiet
    // 1.5 s with no loading state (the kit's .dg-loading, MudBlazor's table progress) rather than for the first absence
    // (800 ms caught /account/sessions before its grid began loading on a busy machine).
    await page.evaluate(() => { window.__walkBusy = performance.now(); }).catch(() => {});
    // A table counts as loaded once its body has a row (rows or the empty state): the prerendered grid has none.
    await page.waitForFunction(() => {
      const busy = [...document.querySelectorAll('.dg-loading, .mud-table-loading-progress, .mud-progress-linear')]
        .some(el => el.offsetWidth > 0 || el.offsetHeight > 0) ||
        [...document.querySelectorAll('.mud-table')].some(t => !t.querySelector('tbody tr'));
      if (busy) window.__walkBusy = performance.now();
      return !busy && performance.now() - window.__walkBusy > 1500;
    }, null, { timeout: 30000, polling: 100 }).catch(() => {});
  }
  // Charts animate and popovers place themselves after the data: a screenshot taken at once shows them half-drawn.
  await page.waitForTimeout(interactive ? 300 : 200);
}

// ---- signing in and the theme -----------------------------------------------------------------------------------------
async function signIn(page) {
  await page.goto(BASE + '/Account/Login');
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(url => !/\/Account\/Login/i.test(url.toString()), { timeout: 30000 });
}

// The theme is the person's preference (Preferences page; saving it also sets the dg-theme cookie that the static pages
// read). Signed out there is no preference: the cookie the theme switch would have left is all there is.
async function choosePreference(page, theme) {
  await page.goto(BASE + '/account/preferences');
  await settle(page, true);
  await page.getByRole('radio', { name: theme === 'dark' ? 'Dark' : 'Light' }).check({ force: true });
  await page.getByRole('button', { name: 'Save preferences' }).click();
  await page.waitForFunction(t => document.documentElement.dataset.dgScheme === t, theme, { timeout: 15000 });
}

// ---- the walk -----------------------------------------------------------------------------------------------------------
async function main() {
  if (SHEETS_ONLY) return write(JSON.parse(fs.readFileSync(path.join(OUT, 'summary.json'), 'utf8')), screensOf());
  fs.mkdirSync(path.join(OUT, 'shots'), { recursive: true });
  const routes = routesFromSource(COMPONENTS);
  const plain = routes.filter(r => !r.template.includes('{'));
  const parameterised = routes.filter(r => r.template.includes('{'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const results = [];
  const seenHrefs = new Set();
  const resolved = new Map();   // template -> route with real ids (or null)

  const screens = screensOf();

  try {
    for (const theme of THEMES) {
      const inCtx = await browser.newContext({ viewport: { width: SIZES[0][0], height: SIZES[0][1] }, colorScheme: theme });
      const outCtx = await browser.newContext({ viewport: { width: SIZES[0][0], height: SIZES[0][1] }, colorScheme: theme });
      await outCtx.addCookies([{ name: 'dg-theme', value: theme, url: BASE }]);
      const pages = { in: await inCtx.newPage(), out: await outCtx.newPage() };
      const consoleErrors = { in: [], out: [] };
      for (const key of ['in', 'out']) {
        pages[key].on('console', m => {
          // A 404 document logs its own status; the summary shows the status already.
          if (m.type() === 'error' && !(/status of 404/.test(m.text()) && m.location().url === pages[key].url())) consoleErrors[key].push(m.text().slice(0, 300));
        });
        pages[key].on('pageerror', e => consoleErrors[key].push('pageerror: ' + String(e.message).slice(0, 300)));
      }
      await signIn(pages.in);
      await choosePreference(pages.in, theme);

      for (const [w, h] of SIZES) {
        const screen = `${w}-${theme}`;
        for (const key of ['in', 'out']) await pages[key].setViewportSize({ width: w, height: h });

        // Pages without parameters first: their links name the ids the others need.
        const list = [];
        for (const r of plain) for (const s of sessionsFor(r.template)) list.push({ route: r.template, template: r.template, session: s });
        for (const x of EXTRA) list.push(x);
        list.push({ deferred: true });

        for (let i = 0; i < list.length; i++) {
          let item = list[i];
          if (item.deferred) {
            for (const r of parameterised) {
              // Unfilled on an earlier screen (its list had not loaded yet): try again with the links seen since.
              if (!resolved.get(r.template)) resolved.set(r.template, await resolve(r.template, pages.in, seenHrefs, resolved));
              const route = resolved.get(r.template);
              if (route) for (const s of sessionsFor(r.template)) list.push({ route, template: r.template, session: s });
              else results.push({ template: r.template, route: null, screen, status: 'no id found' });
            }
            continue;
          }
          if (ONLY && !ONLY.test(item.route) && !ONLY.test(item.template)) continue;
          const page = pages[item.session];
          consoleErrors[item.session].length = 0;
          const slug = (item.route.replace(/^\//, '').replace(/[^A-Za-z0-9]+/g, '_') || 'home') + (item.session === 'out' ? '.out' : '');
          const file = path.join('shots', `${slug}.${screen}.png`);
          let status = null; let finalUrl = null; let error = null; let info = null;
          try {
            const response = await page.goto(BASE + item.route, { waitUntil: 'load', timeout: 45000 });
            status = response ? response.status() : null;
            finalUrl = page.url().replace(BASE, '');
            // Interactive pages carry the server component markers; the static ones (Identity, /Error) never set data-interactive.
            const interactive = await page.evaluate(() => document.documentElement.outerHTML.includes('Blazor:{"type":"server"')).catch(() => false);
            await settle(page, interactive);
            info = await inspect(page);
            for (const href of info.hrefs) seenHrefs.add(href);
            await page.screenshot({ path: path.join(OUT, file), fullPage: FULL_PAGE });
            // The links once more: on a busy machine a list's rows can arrive between the checks and the screenshot.
            for (const href of await page.evaluate(() => [...document.querySelectorAll('a[href]')].map(a => new URL(a.href, location.href))
              .filter(u => u.origin === location.origin).map(u => u.pathname))) seenHrefs.add(href);
          } catch (e) {
            error = String(e.message || e).split('\n')[0];
          }
          const result = {
            template: item.template, route: item.route, session: item.session, screen, status, finalUrl, file,
            expect: item.expect, error,
            scheme: info?.scheme, sideways: info?.sideways, scrollWidth: info?.scrollWidth,
            clipped: info?.clipped ?? [], errorStates: info?.errors ?? [], console: [...consoleErrors[item.session]],
          };
          results.push(result);
          process.stdout.write(`${screen} ${item.session} ${String(status).padEnd(4)} ${item.route}${result.sideways ? ' SIDEWAYS' : ''}` +
            `${result.clipped.length ? ` clipped:${result.clipped.length}` : ''}${result.errorStates.length ? ' ERROR-STATE' : ''}` +
            `${result.console.length ? ` console:${result.console.length}` : ''}${error ? ' FAILED ' + error : ''}\n`);
        }
      }
      await inCtx.close();
      await outCtx.close();
    }
  } finally {
    await browser.close();
  }
  write(results, screens);
}

// A parameterised route filled from the links seen so far, or from the API when no page links to it.
async function resolve(template, page, seen, resolved) {
  const pattern = hrefPattern(template);
  const hit = [...seen].find(h => pattern.test(h));
  if (hit) return hit;
  // An action reached by a button rather than a link (/services/{Id}/edit): the id of its detail page will do.
  const prefix = template.slice(0, template.indexOf('{'));
  for (const [other, route] of resolved) {
    if (route && other !== template && other.startsWith(prefix) && other.indexOf('{') === prefix.length) {
      const id = route.slice(prefix.length).split('/')[0];
      return template.replace(/\{[^}]+\}/, id);
    }
  }
  const api = {
    '/scans/reports/{Id:guid}': ['/api/scans?limit=1', j => (Array.isArray(j) ? j : j.items || j.scans || [])[0]?.id],
  }[template];
  if (api) {
    const response = await page.request.get(BASE + api[0]);
    if (response.ok()) {
      const id = api[1](await response.json());
      if (id) return template.replace(/\{[^}]+\}/, id);
    }
  }
  return null;
}

// ---- the summary and the contact sheets ---------------------------------------------------------------------------------
function screensOf() {
  const screens = [];
  for (const theme of THEMES) for (const [w, h] of SIZES) screens.push({ theme, w, h, name: `${w}-${theme}` });
  return screens;
}

function write(results, screens) {
  fs.writeFileSync(path.join(OUT, 'summary.json'), JSON.stringify(results, null, 2));
  const byRoute = new Map();
  for (const r of results) {
    const key = `${r.route ?? r.template}${r.session === 'out' ? ' (signed out)' : ''}`;
    if (!byRoute.has(key)) byRoute.set(key, { template: r.template, cells: {} });
    byRoute.get(key).cells[r.screen] = r;
  }
  const lines = ['# Page walk', '', `${new Date().toISOString()} · ${BASE} · ${byRoute.size} screens per size and theme`, '',
    `| route | ${screens.map(s => s.name).join(' | ')} | findings |`, `|---|${screens.map(() => '---').join('|')}|---|`];
  for (const [key, { cells }] of byRoute) {
    const notes = new Set();
    for (const r of Object.values(cells)) {
      if (r.error) notes.add(`failed: ${r.error}`);
      if (r.expect && r.status !== r.expect) notes.add(`expected ${r.expect}`);
      if (r.sideways) notes.add(`sideways at ${r.screen} (${r.scrollWidth} px)`);
      for (const c of r.clipped || []) notes.add(`clipped ${c.el} "${c.text}"`);
      for (const e of r.errorStates || []) notes.add(`error state: ${e}`);
      for (const c of r.console || []) notes.add(`console: ${c}`);
      if (r.scheme && !r.screen.endsWith(r.scheme)) notes.add(`theme ${r.scheme} at ${r.screen}`);
    }
    const status = s => {
      const r = cells[s.name];
      if (!r) return '';
      const moved = r.finalUrl && r.route && r.finalUrl.split('?')[0] !== r.route.split('?')[0] ? ` → ${r.finalUrl.split('?')[0]}` : '';
      return `${r.status ?? '–'}${moved}`;
    };
    lines.push(`| \`${key}\` | ${screens.map(status).join(' | ')} | ${[...notes].slice(0, 12).join('; ').replace(/\|/g, '\\|')} |`);
  }
  fs.writeFileSync(path.join(OUT, 'summary.md'), lines.join('\n') + '\n');

  // Contact sheets: per screen (size and theme), PER_SHEET screenshots each, labelled with the route.
  const sheets = path.join(OUT, 'sheets');
  fs.mkdirSync(sheets, { recursive: true });
  for (const s of screens) {
    const shots = results.filter(r => r.screen === s.name && r.file && fs.existsSync(path.join(OUT, r.file)));
    for (let i = 0; i < shots.length; i += PER_SHEET) {
      const group = shots.slice(i, i + PER_SHEET);
      const args = [];
      // The top two screens of each full-page shot (shots/ has the whole page): a sheet of whole long pages is unreadable.
      for (const r of group) args.push('-label', `${r.route}${r.session === 'out' ? ' (out)' : ''} · ${r.status}`, path.join(OUT, r.file) + `[${s.w}x${s.h * 2}+0+0]`);
      const sheet = path.join(sheets, `${s.name}-${String(i / PER_SHEET + 1).padStart(2, '0')}.png`);
      try {
        execFileSync('montage', ['-font', FONT, '-pointsize', '16', ...args, '-tile', '3x', '-geometry', `${Math.round(s.w / 2)}x+6+6`,
          '-background', '#888', sheet], { stdio: 'inherit' });
      } catch (e) {
        console.error(`montage failed for ${sheet}: ${e.message}`);
      }
    }
  }
  console.log(`\n${results.length} screens; summary: ${path.join(OUT, 'summary.md')}; sheets: ${sheets}`);
}

main().catch(e => { console.error(e); process.exit(1); });
