// browser.test.js: crewlog in headless Chromium, as an astronaut uses it.
// Sign up, log in, log hours, see yourself on the leaderboard tab, edit
// and delete an entry, log out; once with JavaScript and once without.
// Every page gets a screenshot and (with JavaScript) an axe-core run that
// must find no serious or critical violation.  Prints TAP.
//
//   node browser.test.js BASE_URL SCREENSHOT_DIR
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const base = process.argv[2];
const shots = process.argv[3] || '.';
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'),
    'utf8');

let n = 0;
let failed = 0;
const results = [];

function ok(cond, name, detail) {
	n++;
	if (cond) {
		console.log(`ok ${n} - ${name}`);
	} else {
		failed++;
		console.log(`not ok ${n} - ${name}`);
		if (detail)
			for (const line of String(detail).split('\n'))
				console.log(`# ${line}`);
	}
}

async function check(page, label, js) {
	const file = path.join(shots, `${label}.png`);
	await page.screenshot({ path: file, fullPage: true });
	if (!js)
		return;
	// The page's CSP forbids inline script: the context bypasses it for
	// axe only (bypassCSP), the app itself never needs script.
	await page.addScriptTag({ content: axeSource });
	const res = await page.evaluate(async () =>
	    await window.axe.run(document, { resultTypes: ['violations'] }));
	const bad = res.violations.filter(v =>
	    v.impact === 'serious' || v.impact === 'critical');
	ok(bad.length === 0, `axe: no serious or critical violations on ${label}`,
	    bad.map(v => `${v.impact} ${v.id}: ${v.help} ` +
		v.nodes.map(x => x.target.join(' ')).join(', ')).join('\n'));
}

async function text(page, sel) {
	return (await page.locator(sel).allInnerTexts()).join('\n');
}

async function journey(browser, js) {
	const tag = js ? 'js' : 'nojs';
	const ctx = await browser.newContext({ javaScriptEnabled: js,
	    bypassCSP: js, viewport: { width: 1100, height: 800 } });
	const page = await ctx.newPage();
	const email = `${tag}.${Date.now()}@crew.test`;
	const name = js ? 'Sally Ride' : 'Valentina T';

	let r = await page.goto(`${base}/signup`);
	ok(r.status() === 200, `${tag}: GET /signup is 200`);
	await check(page, `${tag}-01-signup`, js);

	// A validation error keeps the input, names the field, drops the password.
	await page.fill('#email', 'not-an-email');
	await page.fill('#name', name);
	await page.fill('#password', 'secret-pass-1');
	await page.click('button[type=submit]');
	ok((await text(page, '#email-error')).includes('email address'),
	    `${tag}: signup error shown next to the email field`);
	ok(await page.inputValue('#name') === name &&
	    await page.inputValue('#password') === '',
	    `${tag}: name kept, password not echoed`);
	await check(page, `${tag}-02-signup-error`, js);

	await page.fill('#email', email);
	await page.fill('#password', 'secret-pass-1');
	await page.click('button[type=submit]');
	ok(page.url().endsWith('/log'), `${tag}: signed up and on /log`,
	    page.url());
	ok((await text(page, '.account')).includes(name),
	    `${tag}: the header names the astronaut`);

	// Log out and back in.
	await page.click('.account button');
	ok(page.url().endsWith('/login'), `${tag}: logged out to /login`);
	await check(page, `${tag}-03-login`, js);
	await page.fill('#email', email);
	await page.fill('#password', 'wrong-password');
	await page.click('form button[type=submit]');
	ok((await text(page, '.alert')).includes('incorrect'),
	    `${tag}: a wrong password is refused with a generic message`);
	await page.fill('#password', 'secret-pass-1');
	await page.click('form button[type=submit]');
	ok(page.url().endsWith('/log'), `${tag}: logged in`);
	await check(page, `${tag}-04-log-empty`, js);

	// Too many hours: the form comes back with the message and the input.
	await page.fill('#date', '2026-11-20');
	await page.fill('#hours', '30');
	await page.fill('#activity', 'Impossible shift');
	await page.click('form.entry button[type=submit]');
	ok((await text(page, '#hours-error')).includes('between 0.25 and 24'),
	    `${tag}: hours error next to the hours field`);
	ok(await page.inputValue('#activity') === 'Impossible shift',
	    `${tag}: activity kept after the error`);
	await check(page, `${tag}-05-log-error`, js);

	// 120 hours: climbs above Neil's 111 in five days of 24.
	for (let d = 1; d <= 5; d++) {
		await page.fill('#date', `2026-10-0${d}`);
		await page.fill('#hours', '24');
		await page.fill('#activity', `Centrifuge day ${d}`);
		await page.click('form.entry button[type=submit]');
	}
	ok((await text(page, '.flash')).includes('Saved'),
	    `${tag}: entries saved`);
	ok((await page.locator('table.list tbody tr').count()) === 5,
	    `${tag}: five entries listed`);
	await check(page, `${tag}-06-log`, js);

	// The leaderboard tab: ranked first, own row highlighted.
	await page.click('nav a[href="/leaderboard"]');
	ok(page.url().endsWith('/leaderboard'), `${tag}: leaderboard tab`);
	const mine = await text(page, 'tr.mine');
	ok(mine.includes(name) && mine.includes('120'),
	    `${tag}: own row highlighted with 120 hours`, mine);
	ok(!js || (await page.locator('tr.mine td').first().innerText())
	    .trim() === '1', `${tag}: ranked first`);
	await check(page, `${tag}-07-leaderboard`, js);

	// Edit an entry, then delete another.
	await page.click('nav a[href="/log"]');
	await page.locator('table.list a', { hasText: 'Edit' }).first().click();
	ok(/\/log\/\d+\/edit$/.test(page.url()), `${tag}: edit page`);
	await check(page, `${tag}-08-edit`, js);
	await page.fill('#hours', '12.5');
	await page.click('form.edit button[type=submit]');
	ok((await text(page, 'table.list')).includes('12.5'),
	    `${tag}: edited entry shows 12.5 hours`);
	await page.locator('table.list button', { hasText: 'Delete' }).first()
	    .click();
	ok((await page.locator('table.list tbody tr').count()) === 4,
	    `${tag}: an entry deleted`);
	ok((await text(page, '.flash')).includes('deleted'),
	    `${tag}: deletion confirmed`);

	// A phone-sized leaderboard.
	await page.setViewportSize({ width: 390, height: 844 });
	await page.goto(`${base}/leaderboard`);
	await check(page, `${tag}-09-leaderboard-phone`, js);
	await page.setViewportSize({ width: 1100, height: 800 });

	r = await page.goto(`${base}/no/such/page`);
	ok(r.status() === 404, `${tag}: 404 page`);
	await check(page, `${tag}-10-not-found`, js);

	await page.goto(`${base}/log`);
	await page.click('.account button');
	ok(page.url().endsWith('/login'), `${tag}: logged out`);
	r = await page.goto(`${base}/log`);
	ok(page.url().endsWith('/login'), `${tag}: /log needs a login again`);
	await ctx.close();
}

(async () => {
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		args: ['--no-sandbox', '--disable-gpu',
		    '--disable-background-networking',
		    '--disable-component-update', '--disable-sync',
		    '--no-first-run'],
	});
	try {
		await journey(browser, true);
		await journey(browser, false);
	} catch (e) {
		ok(false, 'the journey ran to the end', e.stack);
	} finally {
		await browser.close();
	}
	console.log(`1..${n}`);
	process.exit(failed ? 1 : 0);
})();
